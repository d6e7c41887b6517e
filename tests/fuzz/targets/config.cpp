// config.json and resume-config parsing on arbitrary text: the JSON parse of RunDir::config, each task's
// config from JSON and its checks, the resume comparison with a fresh default config, and the checkpoint
// metadata's char-rnn parts (vocabulary, model options).
// fuzz-sources: train/config_json.cpp train/run_dir.cpp core/atomic_file.cpp
// fuzz-sources: text/char_rnn_config.cpp text/model_options.cpp text/vocab.cpp
// fuzz-sources: vision/mnist_config.cpp rl/dqn_config.cpp
// fuzz-max-len: 4096
#include <cstdint>
#include <string>

#include "torchlab/core/error.h"
#include "torchlab/rl/dqn_config.h"
#include "torchlab/text/char_rnn_config.h"
#include "torchlab/text/vocab.h"
#include "torchlab/train/config_json.h"
#include "torchlab/train/run_dir.h"
#include "torchlab/vision/mnist_config.h"

namespace {

template <typename F>
void expect_user_error_only(F&& f) {
  try {
    f();
  } catch (const torchlab::UserError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  nlohmann::json j;
  try {
    j = torchlab::train::parse_config_json(std::string(reinterpret_cast<const char*>(data), size), "config.json");
  } catch (const torchlab::UserError&) {
    return 0;
  }
  expect_user_error_only([&] {
    const auto c = torchlab::text::CharRnnConfig::from_json(j);
    torchlab::train::check_same_config(j, torchlab::text::preset_config("default").to_json(),
                                       torchlab::text::char_rnn_fields().resume_keys(), "run");
    torchlab::text::validate(c);
    (void)torchlab::text::lr_factor(c.schedule, 1, c.epochs);
  });
  expect_user_error_only([&] {
    const auto c = torchlab::vision::MnistConfig::from_json(j);
    torchlab::train::check_same_config(j, c.to_json(), torchlab::vision::mnist_fields().resume_keys(), "run");
    (void)torchlab::vision::schedule_factor(c.schedule, 1, c.epochs);
  });
  expect_user_error_only([&] {
    const auto c = torchlab::rl::DqnConfig::from_json(j);
    c.validate();
    (void)c.layer_sizes();
  });
  expect_user_error_only([&] { (void)torchlab::text::Vocab::from_json(j); });
  if (j.contains("vocab")) expect_user_error_only([&] { (void)torchlab::text::Vocab::from_json(j["vocab"]); });
  return 0;
}
