#pragma once
// A run directory as a finished training run leaves it, written by hand so the report tests know every number.
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_support.h"

struct FakeRun {
  std::filesystem::path dir;
  nlohmann::json config;
  std::vector<nlohmann::json> rows;  // metrics.jsonl
  // (metric, split) → how many rows carry the metric: the points its polyline must have.
  std::map<std::pair<std::string, std::string>, size_t> expected_points() const;
};

// The two images of samples/digits.images.json, row-major grey.
inline const std::vector<std::vector<int>> kFakeImages = {
    {0, 255, 0, 255, 10, 20, 30, 40, 128, 64, 32, 16},
    {255, 254, 253, 252, 1, 2, 3, 4, 100, 150, 200, 250},
};

inline std::map<std::pair<std::string, std::string>, size_t> FakeRun::expected_points() const {
  std::map<std::pair<std::string, std::string>, size_t> counts;
  for (const auto& row : rows)
    for (const auto& [k, v] : row.items())
      if (k != "step" && k != "epoch" && k != "split") ++counts[{k, row["split"].get<std::string>()}];
  return counts;
}

// Train rows every 10 steps up to 200 (loss, accuracy but at step 30, lr), valid rows every 50 steps (loss,
// accuracy), one eval row (accuracy); samples/ with a text, a table and two 4x3 images.
inline FakeRun write_fake_run(const std::filesystem::path& dir) {
  using nlohmann::json;
  FakeRun run;
  run.dir = dir;
  run.config = {{"model", "mlp"},
                {"hidden", {128, 64}},
                {"optimizer", {{"name", "adam"}, {"lr", 0.01}}},
                {"seed", 42},
                {"note", "a <b> & c"}};
  for (int step = 10; step <= 200; step += 10) {
    json row = {{"step", step}, {"epoch", (step - 1) / 100 + 1}, {"split", "train"}};
    row["loss"] = 2.0 * std::exp(-step / 80.0) + 0.1;
    if (step != 30) row["accuracy"] = 1 - 0.8 * std::exp(-step / 60.0);
    row["lr"] = step <= 100 ? 0.01 : 0.001;
    run.rows.push_back(row);
    if (step % 50 == 0)
      run.rows.push_back({{"step", step},
                          {"epoch", (step - 1) / 100 + 1},
                          {"split", "valid"},
                          {"loss", 2.2 * std::exp(-step / 90.0) + 0.15},
                          {"accuracy", 1 - 0.85 * std::exp(-step / 70.0)}});
  }
  run.rows.push_back({{"step", 200}, {"epoch", 2}, {"split", "eval"}, {"accuracy", 0.8125}});

  testing_support::write_text(dir / "config.json", run.config.dump(2));
  std::string lines;
  for (const auto& row : run.rows) lines += row.dump() + "\n";
  testing_support::write_text(dir / "metrics.jsonl", lines);
  std::filesystem::create_directories(dir / "checkpoints");
  testing_support::write_text(dir / "samples" / "sample-epoch-2.txt", "the quick <brown> & fox\njumps");
  testing_support::write_text(
      dir / "samples" / "confusion.table.json",
      json{{"title", "Confusion matrix"}, {"columns", {"", "cat", "dog"}}, {"rows", {{"cat", 5, 1}, {"dog", 2, 7}}}}
          .dump());
  json images = {{"title", "Digits"}, {"images", json::array()}};
  for (size_t i = 0; i < kFakeImages.size(); ++i)
    images["images"].push_back(
        {{"caption", "label " + std::to_string(i)}, {"width", 4}, {"height", 3}, {"pixels", kFakeImages[i]}});
  testing_support::write_text(dir / "samples" / "digits.images.json", images.dump());
  testing_support::write_text(dir / "samples" / "notes.bin", "ignored");
  return run;
}
