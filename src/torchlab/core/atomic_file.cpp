#include "torchlab/core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "torchlab/core/error.h"

namespace torchlab {
namespace fs = std::filesystem;

namespace {

fs::path folder_of(const fs::path& path) { return path.has_parent_path() ? path.parent_path() : fs::path("."); }

}  // namespace

std::string io_error_text(int err) {
  std::string text = std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) text += " (the disk is full: free some space, then try again)";
  return text;
}

void check_output_path(const fs::path& path) {
  const auto name = path.filename();
  std::error_code ec;
  if (name.empty() || name == "." || name == ".." || fs::is_directory(path, ec))
    throw UserError(path.string() + " is a folder; give a file name to write (e.g. " + (path / "out").string() + ")");
  const auto dir = folder_of(path);
  if (!fs::is_directory(dir, ec))
    throw UserError("cannot write " + path.string() + ": " +
                    (fs::exists(dir, ec) ? dir.string() + " is a file, not a folder"
                                         : "the folder " + dir.string() + " does not exist (create it first)"));
}

AtomicFile::AtomicFile(const fs::path& path) : path_(path) {
  check_output_path(path);
  const auto dir = folder_of(path);
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  fd_ = ::mkstemp(tmpl.data());
  if (fd_ < 0)
    throw UserError("cannot create a file in " + dir.string() + " for " + path.string() + ": " + io_error_text(errno));
  tmp_ = tmpl;
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
}

void AtomicFile::write(std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw UserError("cannot write " + path_.string() + ": " + io_error_text(errno));
    }
    done += static_cast<size_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) throw UserError("cannot write " + path_.string() + ": " + io_error_text(errno));
  ::fchmod(fd_, 0644);
  const int closed = ::close(fd_);
  fd_ = -1;
  if (closed != 0) throw UserError("cannot write " + path_.string() + ": " + io_error_text(errno));
  if (::rename(tmp_.c_str(), path_.c_str()) != 0)
    throw UserError("cannot rename " + tmp_.string() + " to " + path_.string() + ": " + io_error_text(errno));
  committed_ = true;
  const int dfd = ::open(folder_of(path_).c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void write_file_atomic(const fs::path& path, std::string_view bytes) {
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

std::string read_file(const fs::path& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw UserError(path.string() + " is a folder, not a file");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw UserError("cannot open " + path.string() + ": " +
                    (fs::exists(path, ec) ? io_error_text(errno) : std::string("no such file")));
  std::ostringstream out;
  out << in.rdbuf();
  if (in.bad()) throw UserError("cannot read " + path.string() + ": " + io_error_text(errno));
  return out.str();
}

}  // namespace torchlab
