#include "torchlab/train/run_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
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

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

void check_name(const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    throw UserError("--run " + name + ": a run name is one folder name (letters, digits, '-', '_', '.')");
}

// create_directories, with a file in the way or a missing permission as a UserError naming the folder.
void make_dirs(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw UserError("cannot create the folder " + dir.string() + ": " + ec.message());
}

// What the lock holder wrote into the lock file ("pid N, started T on H").
std::string lock_holder(int fd) {
  char buf[256];
  const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string text(buf, n > 0 ? static_cast<size_t>(n) : 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text.empty() ? "pid unknown: it is just starting" : text;
}

}  // namespace

RunDir RunDir::create(const fs::path& root, std::string name, const std::string& prefix, bool overwrite,
                      const nlohmann::json& config) {
  std::error_code ec;
  if (fs::exists(root, ec) && !fs::is_directory(root, ec))
    throw UserError("the runs folder " + root.string() + " is a file, not a folder: give a folder for the runs");
  if (name.empty()) {
    name = prefix + "-" + timestamp();
    for (int i = 2; fs::exists(root / name, ec); ++i) name = prefix + "-" + timestamp() + "-" + std::to_string(i);
  }
  check_name(name);
  const fs::path dir = root / name;
  RunDir run(dir);
  if (fs::exists(dir, ec)) {
    if (!fs::is_directory(dir, ec))
      throw UserError(dir.string() + " is a file, not a run folder: pick another --run name");
    run.lock();  // a run another process is writing is refused first, even with overwrite
    if (!overwrite)
      throw UserError("run " + dir.string() + " already exists: continue it with --resume " + dir.string() +
                      ", pick another --run name, or pass --overwrite to start it afresh");
    std::vector<fs::path> old;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().filename() != ".lock") old.push_back(entry.path());  // the lock file stays: we hold it
    for (const auto& path : old) fs::remove_all(path);
  } else {
    make_dirs(dir);
    run.lock();
  }
  make_dirs(run.checkpoints_dir());
  make_dirs(run.samples_dir());
  run.write_config(config);
  std::ofstream(run.metrics_path(), std::ios::app).flush();
  return run;
}

RunDir RunDir::open(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw UserError(fs::exists(dir, ec) ? dir.string() + " is a file, not a run folder"
                                        : "run directory " + dir.string() + " does not exist");
  if (!fs::exists(dir / "config.json", ec))
    throw UserError(dir.string() + " is not a torchlab run directory (no config.json)");
  RunDir run(dir);
  make_dirs(run.checkpoints_dir());
  make_dirs(run.samples_dir());
  return run;
}

RunDir RunDir::open_to_write(const fs::path& dir) {
  RunDir run = open(dir);
  run.lock();
  return run;
}

void RunDir::lock() {
  const auto path = lock_path();
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) throw UserError("cannot open the run's lock file " + path.string() + ": " + io_error_text(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = lock_holder(fd);
    ::close(fd);
    if (err == EWOULDBLOCK)
      throw UserError("run " + dir_.string() + " is being trained by another process (" + holder +
                      "): one training at a time may write a run; wait for it to end or stop it (sample, eval and "
                      "report may read the run meanwhile)");
    throw UserError("cannot lock " + path.string() + ": " + io_error_text(err));
  }
  char host[256] = "?";
  ::gethostname(host, sizeof host - 1);
  const std::string me = "pid " + std::to_string(::getpid()) + ", started " + utc_now() + " on " + host + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) != static_cast<ssize_t>(me.size())) {
    const int err = errno;
    ::close(fd);
    throw UserError("cannot write the run's lock file " + path.string() + ": " + io_error_text(err));
  }
  lock_ = std::shared_ptr<const int>(new int(fd), [](const int* p) {
    ::close(*p);  // releases the flock
    delete p;
  });
  remove_stale_temp_files();
}

void RunDir::remove_stale_temp_files() const {
  // write_file_atomic's temp files (".<name>.tmp-XXXXXX") that a killed writer left; we hold the lock, so none is
  // in progress.
  for (const auto& folder : {dir_, checkpoints_dir(), samples_dir()}) {
    std::error_code ec;
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      const auto name = it->path().filename().string();
      if (name.size() > 1 && name[0] == '.' && name.find(".tmp-") != std::string::npos) {
        std::error_code ignored;
        fs::remove(it->path(), ignored);
      }
    }
  }
}

nlohmann::json RunDir::config() const { return parse_config_json(read_file(config_path()), config_path().string()); }

void RunDir::write_config(const nlohmann::json& config) const {
  // A config given as `{}` in C++ is JSON null: a run without settings has the empty object.
  write_file_atomic(config_path(), (config.is_null() ? nlohmann::json::object() : config).dump(2) + "\n");
}

void RunDir::append_metrics(const nlohmann::json& row) const {
  std::ofstream out(metrics_path(), std::ios::app);
  out << row.dump() << "\n";
  out.flush();
  if (!out) throw UserError("cannot append to " + metrics_path().string() + ": " + io_error_text(errno));
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
