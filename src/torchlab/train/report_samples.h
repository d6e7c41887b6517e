#pragma once
// The samples/ part of report.html: <name>.txt as preformatted text, <name>.table.json as a table,
// <name>.images.json as inline PNG images. Other files are left out.
#include <filesystem>
#include <string>

namespace torchlab::train {

// "<h2>Samples</h2>..." for the files of `dir` in name order; empty when the folder is missing or has none.
// A malformed JSON file is a UserError naming the file and the problem.
std::string samples_section(const std::filesystem::path& dir);

}  // namespace torchlab::train
