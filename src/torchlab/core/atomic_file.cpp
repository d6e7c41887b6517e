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
namespace {

std::string errno_text() { return std::strerror(errno); }

void write_all(int fd, std::string_view bytes, const std::filesystem::path& tmp) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw UserError("cannot write " + tmp.string() + ": " + errno_text());
    }
    done += static_cast<size_t>(n);
  }
}

}  // namespace

void write_file_atomic(const std::filesystem::path& path, std::string_view bytes) {
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::filesystem::create_directories(dir);
  std::string tmpl = (dir / ("." + path.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw UserError("cannot create a temporary file in " + dir.string() + ": " + errno_text());
  const std::filesystem::path tmp(tmpl);
  try {
    write_all(fd, bytes, tmp);
    if (::fsync(fd) != 0) throw UserError("cannot fsync " + tmp.string() + ": " + errno_text());
    ::fchmod(fd, 0644);
  } catch (...) {
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw;
  }
  ::close(fd);
  if (::rename(tmpl.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmpl.c_str());
    throw UserError("cannot rename " + tmp.string() + " to " + path.string() + ": " + why);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError("cannot open " + path.string() + ": " + (std::filesystem::exists(path) ? errno_text() : "no such file"));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace torchlab
