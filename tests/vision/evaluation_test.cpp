#include "torchlab/vision/evaluation.h"

#include <gtest/gtest.h>

#include "torchlab/vision/mnist.h"

using namespace torchlab::vision;

namespace {

// Logits that predict `pred` for each item with softmax probability ~0.9.
torch::Tensor logits_for(const std::vector<int64_t>& pred) {
  auto l = torch::zeros({static_cast<int64_t>(pred.size()), 10});
  for (size_t i = 0; i < pred.size(); ++i) l[i][pred[i]] = std::log(0.9f / 0.1f * 9.0f);
  return l;
}

}  // namespace

TEST(Evaluation, CountsConfusionAccuracyAndExamples) {
  Evaluation eval(2);
  const std::vector<int64_t> truth = {0, 0, 1, 1, 2, 9, 9, 9};
  const std::vector<int64_t> pred = {0, 1, 1, 1, 0, 9, 9, 3};
  const auto inputs = torch::full({8, 1, 28, 28}, 0.2f);
  eval.add(logits_for(pred), torch::tensor(truth), inputs, 100);
  EXPECT_EQ(eval.count(), 8);
  EXPECT_EQ(eval.correct(), 5);
  EXPECT_DOUBLE_EQ(eval.accuracy(), 5.0 / 8);
  EXPECT_EQ(eval.confusion()[0 * 10 + 1], 1);
  EXPECT_EQ(eval.confusion()[2 * 10 + 0], 1);
  EXPECT_EQ(eval.confusion()[9 * 10 + 9], 2);
  int64_t sum = 0;
  for (auto c : eval.confusion()) sum += c;
  EXPECT_EQ(sum, 8);
  const auto per = eval.per_class_accuracy();
  EXPECT_DOUBLE_EQ(per[0], 0.5);
  EXPECT_DOUBLE_EQ(per[1], 1.0);
  EXPECT_DOUBLE_EQ(per[2], 0.0);
  EXPECT_DOUBLE_EQ(per[9], 2.0 / 3);
  EXPECT_TRUE(std::isnan(per[5]));
  // The first two misclassified items, with their split positions and pixels.
  ASSERT_EQ(eval.misclassified().size(), 2u);
  EXPECT_EQ(eval.misclassified()[0].index, 101);
  EXPECT_EQ(eval.misclassified()[0].label, 0);
  EXPECT_EQ(eval.misclassified()[0].predicted, 1);
  EXPECT_NEAR(eval.misclassified()[0].probability, 0.9, 1e-5);
  EXPECT_EQ(eval.misclassified()[1].index, 104);
  EXPECT_EQ(eval.misclassified()[0].pixels, std::vector<uint8_t>(784, 51));
}

TEST(Evaluation, TablesAndTextForTheReport) {
  Evaluation eval;
  eval.add(logits_for({3, 3, 4}), torch::tensor({3, 4, 4}), torch::zeros({3, 1, 28, 28}), 0);
  const auto names = class_names("fashion");
  const auto table = eval.confusion_table(names);
  EXPECT_EQ(table["columns"].size(), 11u);
  EXPECT_EQ(table["rows"].size(), 10u);
  EXPECT_EQ(table["rows"][4][0], "Coat");
  EXPECT_EQ(table["rows"][4][4], 1);  // column 0 is the class name: predicted class 3 is column 4
  EXPECT_EQ(table["rows"][4][5], 1);
  const auto per_class = eval.per_class_table(names);
  EXPECT_EQ(per_class["rows"][10][2], "66.67%");
  const auto images = eval.misclassified_images(names);
  ASSERT_EQ(images["images"].size(), 1u);
  EXPECT_EQ(images["images"][0]["width"], 28);
  EXPECT_EQ(images["images"][0]["pixels"].size(), 784u);
  EXPECT_EQ(images["images"][0]["caption"], "#1: Coat, predicted Dress (90%)");
  const auto text = eval.text(names);
  EXPECT_NE(text.find("Test accuracy: 66.67% (2 / 3)"), std::string::npos) << text;
  EXPECT_NE(text.find("4 Coat"), std::string::npos) << text;
}

TEST(Evaluation, ConfusionMatrixSumsToTheTestSize) {
  torch::manual_seed(4);
  MnistSplit split;
  split.images = torch::randint(0, 256, {2345, 28, 28}, torch::kInt64).to(torch::kUInt8);
  split.labels = torch::randint(0, 10, {2345}, torch::kInt64);
  auto model = make_classifier("linear");
  const auto eval = evaluate(*model, split, torch::kCPU, 1000);
  int64_t sum = 0;
  for (auto c : eval.confusion()) sum += c;
  EXPECT_EQ(sum, 2345);
  EXPECT_EQ(eval.count(), 2345);
  EXPECT_EQ(eval.misclassified().size(), 16u);
  // Same as counting argmax hits directly.
  torch::NoGradGuard no_grad;
  const auto hits = model->forward(to_model_input(split.images)).argmax(1).eq(split.labels).sum().item<int64_t>();
  EXPECT_EQ(eval.correct(), hits);
}
