#include "torchlab/interop/export.h"

#include <algorithm>

#include "torchlab/core/error.h"

namespace torchlab::interop {

const std::vector<std::string>& export_formats() {
  static const std::vector<std::string> formats = {kTorchScript, kSafetensors};
  return formats;
}

void prepare_export(const ExportOptions& options, const std::vector<std::string>& supported, const std::string& what) {
  if (options.formats.empty()) throw UserError("--format: give at least one format");
  for (const auto& f : options.formats) {
    const auto& all = export_formats();
    if (std::find(all.begin(), all.end(), f) == all.end())
      throw UserError("--format " + f + ": expected torchscript, safetensors or both");
    if (std::find(supported.begin(), supported.end(), f) == supported.end()) {
      std::string list;
      for (const auto& s : supported) list += (list.empty() ? "" : ", ") + s;
      throw UserError("--format " + f + ": " + what + " exports to " + list + " only");
    }
  }
  if (options.out_dir.empty()) throw UserError("--out: give a folder to write the export into");
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec || !std::filesystem::is_directory(options.out_dir))
    throw UserError("--out " + options.out_dir.string() + ": cannot create this folder" +
                    (ec ? " (" + ec.message() + ")" : std::string()));
}

}  // namespace torchlab::interop
