#include "torchlab/vision/mnist_config.h"

#include <algorithm>
#include <cmath>

#include "torchlab/core/error.h"
#include "torchlab/core/json_field.h"
#include "torchlab/vision/mnist.h"

namespace torchlab::vision {

const ConfigFields<MnistConfig>& mnist_fields() {
  using C = MnistConfig;
  static const ConfigFields<C> table = [] {
    ConfigFields<C> t;
    // Every key is optional in JSON: a config from an older version keeps the defaults of what it lacks.
    t.add<std::string>("model", &C::model, "linear | mlp | conv")
        .fixed_on_resume()
        .check<std::string>(one_of({"linear", "mlp", "conv"}));
    t.add<std::string>("data", &C::data, "folder with the four idx files, plain or .gz")
        .shown_default(kDefaultMnistDir);
    t.add<std::string>("classes", &C::classes, "class names: auto | fashion | digits")
        .fixed_on_resume()
        .check<std::string>([](const std::string& v) {
          return v.empty() || v == "auto" || v == "fashion" || v == "digits" ? "" : "expected auto, fashion or digits";
        });
    t.add<int64_t>("epochs", &C::epochs, "epochs (default: linear 10, mlp 15, conv 12)")
        .shown_default("by model")
        .check(at_least<int64_t>(0));
    t.add<int64_t>("batch_size", &C::batch_size, "images per step").fixed_on_resume().check(at_least<int64_t>(1));
    t.add<double>("lr", &C::lr, "Adam learning rate (default: linear 0.01, mlp 0.005, conv 0.001)")
        .shown_default("by model")
        .fixed_on_resume()
        .check<double>([](const double& v) { return v >= 0 ? "" : "must be positive"; });
    t.add<std::string>("schedule", &C::schedule, "learning rate: cosine (decays to 0) | constant")
        .fixed_on_resume()
        .check<std::string>(one_of({"cosine", "constant"}));
    t.add<std::string>("augment", &C::augment, "flip (mirror half the images at random) | none")
        .shown_default("none")
        .fixed_on_resume()
        .check<std::string>([](const std::string& v) {
          return v.empty() || v == "flip" || v == "none" ? "" : "expected flip or none";
        });
    t.add<uint64_t>("seed", &C::seed, "random seed").fixed_on_resume().no_flag();  // the common --seed
    t.add<int64_t>("train_limit", &C::train_limit, "train on the first N images only (0 = all)")
        .fixed_on_resume()
        .check(at_least<int64_t>(0));
    t.add<int64_t>("test_limit", &C::test_limit, "test on the first N test images only (0 = all)")
        .fixed_on_resume()
        .check(at_least<int64_t>(0));
    t.add<int64_t>("valid_size", &C::valid_size,
                   "training images held out (a fixed draw) to pick the best checkpoint and stop early")
        .fixed_on_resume()
        .check(at_least<int64_t>(0));
    t.add<int64_t>("patience", &C::patience, "epochs without a lower validation loss before stopping early (0 = never)")
        .fixed_on_resume()
        .check<int64_t>([](const int64_t& v) { return v >= 0 ? "" : "must be 0 (off) or more"; });
    t.add<std::string>("valid_split", &C::valid_split, "fingerprint of the held-out images").no_flag();
    for (const auto& f : t.fields()) t.make_optional(f.key);
    return t;
  }();
  return table;
}

nlohmann::json MnistConfig::to_json() const {
  auto j = mnist_fields().to_json(*this);
  j["task"] = "mnist";
  if (!init_from.is_null()) j["init_from"] = init_from;
  return j;
}

MnistConfig MnistConfig::from_json(const nlohmann::json& j) {
  const std::string what = "mnist config";
  const auto task = json_field_or<std::string>(j, "task", "mnist", what);
  if (task != "mnist") throw UserError("this run is a \"" + task + "\" run, not an mnist run");
  MnistConfig c;
  mnist_fields().from_json(c, j, what);
  c.init_from = j.value("init_from", nlohmann::json());
  return c;
}

int64_t default_epochs(const std::string& model) {
  if (model == "linear") return 10;
  if (model == "mlp") return 15;
  return 12;
}

// Mirroring regularizes, but within a dozen epochs the conv net gains more from fitting (12 epochs: 91.3 % plain,
// 10 epochs: 90.7 % with flips), so it stays an option.
std::string default_augment(const std::string& model) { return "none"; }

double default_lr(const std::string& model) {
  if (model == "linear") return 1e-2;
  if (model == "mlp") return 5e-3;
  return 1e-3;  // the conv net, as tch-rs trains it
}

double schedule_factor(const std::string& schedule, int64_t step, int64_t total_steps) {
  if (schedule == "constant") return 1.0;
  if (schedule == "cosine") {
    const double t = total_steps > 0 ? std::min(1.0, double(step) / double(total_steps)) : 0.0;
    return 0.5 * (1.0 + std::cos(M_PI * t));
  }
  throw FieldError("schedule", schedule, "expected cosine or constant");
}

}  // namespace torchlab::vision
