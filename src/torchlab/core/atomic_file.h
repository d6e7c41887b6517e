#pragma once
#include <filesystem>
#include <string_view>

namespace torchlab {

// Writes bytes to `path` so that readers see either the old file or the complete new one: a temp file in the same
// folder, flushed and fsynced, then renamed over the target (and the folder fsynced).
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Reads a whole file; a missing or unreadable file is a UserError naming it.
std::string read_file(const std::filesystem::path& path);

}  // namespace torchlab
