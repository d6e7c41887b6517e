#include "torchlab/train/run_dir.h"

#include <algorithm>
#include <ctime>
#include <fstream>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"
#include "torchlab/train/config_json.h"

namespace torchlab::train {
namespace fs = std::filesystem;

namespace {

std::string timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

void check_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw UserError("--run " + name + ": a run name is one folder name (letters, digits, '-', '_', '.')");
}

}  // namespace

RunDir RunDir::create(const fs::path& root, std::string name, const std::string& prefix, bool overwrite,
                      const nlohmann::json& config) {
  if (name.empty()) {
    name = prefix + "-" + timestamp();
    for (int i = 2; fs::exists(root / name); ++i) name = prefix + "-" + timestamp() + "-" + std::to_string(i);
  }
  check_name(name);
  const fs::path dir = root / name;
  if (fs::exists(dir)) {
    if (!overwrite)
      throw UserError("run " + dir.string() + " already exists: continue it with --resume " + dir.string() +
                      ", pick another --run name, or pass --overwrite to start it afresh");
    fs::remove_all(dir);
  }
  fs::create_directories(dir / "checkpoints");
  fs::create_directories(dir / "samples");
  RunDir run(dir);
  run.write_config(config);
  std::ofstream(run.metrics_path(), std::ios::app).flush();
  return run;
}

RunDir RunDir::open(const fs::path& dir) {
  if (!fs::is_directory(dir)) throw UserError("run directory " + dir.string() + " does not exist");
  if (!fs::exists(dir / "config.json"))
    throw UserError(dir.string() + " is not a torchlab run directory (no config.json)");
  fs::create_directories(dir / "checkpoints");
  fs::create_directories(dir / "samples");
  return RunDir(dir);
}

nlohmann::json RunDir::config() const { return parse_config_json(read_file(config_path()), config_path().string()); }

void RunDir::write_config(const nlohmann::json& config) const {
  write_file_atomic(config_path(), config.dump(2) + "\n");
}

void RunDir::append_metrics(const nlohmann::json& row) const {
  std::ofstream out(metrics_path(), std::ios::app);
  out << row.dump() << "\n";
}

std::vector<nlohmann::json> RunDir::read_metrics() const {
  std::vector<nlohmann::json> rows;
  std::ifstream in(metrics_path());
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    try {
      rows.push_back(nlohmann::json::parse(line));
    } catch (const nlohmann::json::exception&) {
      // A line cut short by a crash: skip it.
    }
  }
  return rows;
}

void RunDir::truncate_metrics_after(int64_t step) const {
  std::string kept;
  for (const auto& row : read_metrics())
    if (row.value("step", int64_t{0}) <= step) kept += row.dump() + "\n";
  write_file_atomic(metrics_path(), kept);
}

void RunDir::save_text(const std::string& name, const std::string& text) const {
  write_file_atomic(samples_dir() / (name + ".txt"), text);
}

void RunDir::save_table(const std::string& name, const nlohmann::json& table) const {
  write_file_atomic(samples_dir() / (name + ".table.json"), table.dump());
}

void RunDir::save_images(const std::string& name, const nlohmann::json& images) const {
  write_file_atomic(samples_dir() / (name + ".images.json"), images.dump());
}

std::vector<fs::path> RunDir::checkpoints() const {
  std::vector<fs::path> out;
  if (!fs::is_directory(checkpoints_dir())) return out;
  for (const auto& entry : fs::directory_iterator(checkpoints_dir())) {
    const auto name = entry.path().filename().string();
    if (name.rfind("step-", 0) == 0 && entry.path().extension() == ".ckpt") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

fs::path RunDir::checkpoint_path(int64_t step) const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "step-%012lld.ckpt", static_cast<long long>(step));
  return checkpoints_dir() / buf;
}

void check_same_config(const nlohmann::json& saved, const nlohmann::json& now, const std::vector<std::string>& keys,
                       const fs::path& run) {
  for (const auto& key : keys) {
    const auto a = saved.contains(key) ? saved.at(key) : nlohmann::json();
    const auto b = now.contains(key) ? now.at(key) : nlohmann::json();
    if (a != b)
      throw UserError("cannot resume " + run.string() + ": it was made with " + key + " = " + a.dump() +
                      " but this command has " + key + " = " + b.dump() +
                      " (use the run's settings, or start a new run)");
  }
}

}  // namespace torchlab::train
