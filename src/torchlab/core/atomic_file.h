#pragma once
#include <filesystem>
#include <string>
#include <string_view>

namespace torchlab {

// Checks, before any work, that `path` can receive a file: it is not a folder and its folder exists. UserError naming
// the path otherwise. Output files never create folders (a typo in --out should not leave new folders behind).
void check_output_path(const std::filesystem::path& path);

// An output file written in pieces that appears under its name only on commit(): until then the bytes go to a
// temporary file in the destination's own folder (never elsewhere), which is removed if the writer is destroyed
// uncommitted (an error midway). Readers see either the old file or the complete new one.
class AtomicFile {
 public:
  explicit AtomicFile(const std::filesystem::path& path);  // check_output_path, then the temp file
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  void write(std::string_view bytes);
  void commit();  // fsync, rename over the target, fsync the folder

 private:
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole file at once through AtomicFile.
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Reads a whole file; a missing or unreadable file (or a folder) is a UserError naming it.
std::string read_file(const std::filesystem::path& path);

// strerror(err), with what to do when the disk is full.
std::string io_error_text(int err);

}  // namespace torchlab
