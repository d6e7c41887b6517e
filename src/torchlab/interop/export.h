#pragma once
// What `torchlab export` asks of a task's exporter, and what it gets back. Formats are names so that a new one (a
// web bundle, say) is one more name and one more branch in the exporters that support it.
#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace torchlab::interop {

constexpr const char* kTorchScript = "torchscript";
constexpr const char* kSafetensors = "safetensors";

// The formats exporters know ("both" on the command line means torchscript + safetensors).
const std::vector<std::string>& export_formats();

struct ExportOptions {
  std::set<std::string> formats;  // names from export_formats()
  std::filesystem::path out_dir;  // created when missing
  std::string stem = "model";     // files are <out_dir>/<stem>.pt, <stem>.safetensors
  bool wants(const std::string& format) const { return formats.count(format) > 0; }
};

struct ExportedFile {
  std::string format;
  std::filesystem::path path;
  std::string contents;  // one line: what is in it
};

// Checks the formats (a UserError names an unknown one, or one of `supported` missing for `what`) and makes out_dir.
void prepare_export(const ExportOptions& options, const std::vector<std::string>& supported, const std::string& what);

}  // namespace torchlab::interop
