// config.json parsing for --resume (what the config fuzz target drives): anything but a JSON object is a UserError
// naming the file, and the resume comparison handles any JSON values.
#include <gtest/gtest.h>

#include "torchlab/core/error.h"
#include "torchlab/train/config_json.h"
#include "torchlab/train/run_dir.h"

using namespace torchlab;
using namespace torchlab::train;

namespace {

std::string error_of(const std::string& text) {
  try {
    parse_config_json(text, "runs/r/config.json");
  } catch (const UserError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(RunDirConfig, OnlyAJsonObjectIsAConfig) {
  EXPECT_EQ(parse_config_json(R"({"lr": 0.5})", "c.json")["lr"], 0.5);
  // Before, "[1]" or "5" parsed and the task's saved.value("task", "") threw json::type_error (exit 1).
  EXPECT_EQ(error_of("[1]"), "runs/r/config.json holds a JSON array, expected an object of settings");
  EXPECT_EQ(error_of("5"), "runs/r/config.json holds a JSON number, expected an object of settings");
  EXPECT_EQ(error_of("{\"lr\": "), error_of("{\"lr\": "));
  EXPECT_EQ(error_of("{\"lr\": ").rfind("runs/r/config.json is not valid JSON: ", 0), 0u);
}

TEST(RunDirConfig, ResumeComparisonNamesTheFirstDifferentKey) {
  const nlohmann::json saved = {{"lr", 0.5}, {"hidden", {1, 2}}};
  check_same_config(saved, saved, {"lr", "hidden", "missing"}, "runs/r");
  try {
    check_same_config(saved, {{"lr", 0.5}, {"hidden", "x"}}, {"lr", "hidden"}, "runs/r");
    FAIL() << "no error";
  } catch (const UserError& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot resume runs/r: it was made with hidden = [1,2] but this command has hidden = \"x\" (use the "
              "run's settings, or start a new run)");
  }
}
