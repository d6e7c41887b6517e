#pragma once
// runs/<name>/: config.json, metrics.jsonl, checkpoints/, samples/, report.html, .lock.
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace torchlab::train {

// One writer per run: create() and open_to_write() take an exclusive flock on <run>/.lock, held while any copy of
// the RunDir they return lives, and write the holder's pid and start time into it. A second writer is refused with a
// UserError naming them. The kernel drops an flock when its process dies, so a killed training never blocks the next.
// Readers (sample, eval, report, export, play) use open(), which takes no lock. Under data parallel only rank 0 takes
// it (dist::create_run_dir, dist::open_run_dir).
class RunDir {
 public:
  // Makes a new run directory root/name (a generated "<prefix>-YYYYmmdd-HHMMSS" name when `name` is empty), locks
  // it and writes config.json. An existing run is refused (UserError) unless `overwrite`, which empties it first
  // (a run another process is writing is refused either way).
  static RunDir create(const std::filesystem::path& root, std::string name, const std::string& prefix, bool overwrite,
                       const nlohmann::json& config);
  // Opens an existing run for reading (report, eval, sample): it must hold config.json. Takes no lock.
  static RunDir open(const std::filesystem::path& dir);
  // Opens an existing run to continue writing it (--resume): open() plus the writer lock. Also removes the temp
  // files a killed writer left behind.
  static RunDir open_to_write(const std::filesystem::path& dir);

  // Whether this RunDir holds the run's writer lock.
  bool locked() const { return lock_ != nullptr; }
  std::filesystem::path lock_path() const { return dir_ / ".lock"; }

  const std::filesystem::path& dir() const { return dir_; }
  std::string name() const { return dir_.filename().string(); }
  std::filesystem::path config_path() const { return dir_ / "config.json"; }
  std::filesystem::path metrics_path() const { return dir_ / "metrics.jsonl"; }
  std::filesystem::path checkpoints_dir() const { return dir_ / "checkpoints"; }
  std::filesystem::path samples_dir() const { return dir_ / "samples"; }
  std::filesystem::path report_path() const { return dir_ / "report.html"; }

  nlohmann::json config() const;
  void write_config(const nlohmann::json& config) const;
  // metrics.jsonl: one object a line with step, epoch, split ("train"/"valid"/"test"/"eval"), then named metrics.
  void append_metrics(const nlohmann::json& row) const;
  std::vector<nlohmann::json> read_metrics() const;
  // Drops metrics rows with step > `step` (a resumed run re-logs the steps after its checkpoint).
  void truncate_metrics_after(int64_t step) const;

  // Free-form outputs the report shows: samples/<name>.txt (text), samples/<name>.table.json
  // ({"title", "columns": [...], "rows": [[...], ...]}), samples/<name>.images.json
  // ({"title", "images": [{"caption", "width", "height", "pixels": [0..255 grey, row-major]}]}).
  void save_text(const std::string& name, const std::string& text) const;
  void save_table(const std::string& name, const nlohmann::json& table) const;
  void save_images(const std::string& name, const nlohmann::json& images) const;

  // Checkpoints are checkpoints/step-<12 digits>.ckpt; the list is oldest first.
  std::vector<std::filesystem::path> checkpoints() const;
  std::filesystem::path checkpoint_path(int64_t step) const;

 private:
  explicit RunDir(std::filesystem::path dir) : dir_(std::move(dir)) {}
  void lock();
  void remove_stale_temp_files() const;
  std::filesystem::path dir_;
  std::shared_ptr<const int> lock_;  // the locked file descriptor, closed with the last copy
};

// For --resume: every key of `keys` must be equal in the saved and the new config; the first difference is a
// UserError naming the key and both values.
void check_same_config(const nlohmann::json& saved, const nlohmann::json& now, const std::vector<std::string>& keys,
                       const std::filesystem::path& run);

}  // namespace torchlab::train
