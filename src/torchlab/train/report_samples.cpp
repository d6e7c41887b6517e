#include "torchlab/train/report_samples.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "torchlab/core/atomic_file.h"
#include "torchlab/core/error.h"
#include "torchlab/train/png_encode.h"
#include "torchlab/train/svg_chart.h"

namespace torchlab::train {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr size_t kMaxText = 256 * 1024;  // a page stays light even when a task saves a whole book
constexpr int kImageDisplay = 96;        // images are scaled up (whole factors) to about this many CSS pixels

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string stem(const std::string& file, const std::string& suffix) {
  return file.substr(0, file.size() - suffix.size());
}

[[noreturn]] void bad(const fs::path& file, const std::string& what) {
  throw UserError("report: " + file.string() + ": " + what);
}

json parse(const fs::path& file) {
  try {
    return json::parse(read_file(file));
  } catch (const json::parse_error& e) {
    bad(file, std::string("not valid JSON (") + e.what() + "); fix or delete the file");
  }
}

std::string title_of(const json& j, const fs::path& file, const std::string& fallback) {
  if (!j.contains("title")) return fallback;
  if (!j["title"].is_string()) bad(file, "\"title\" must be a string");
  return j["title"].get<std::string>();
}

std::string cell(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::string text_block(const fs::path& file) {
  std::string text = read_file(file);
  std::string note;
  if (text.size() > kMaxText) {
    size_t cut = kMaxText;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    note = "<p>(first " + std::to_string(cut) + " of " + std::to_string(text.size()) + " bytes)</p>\n";
    text.resize(cut);
  }
  return "<h3>" + html_escape(stem(file.filename().string(), ".txt")) + "</h3>\n" + note + "<pre>" + html_escape(text) +
         "</pre>\n";
}

std::string table_block(const fs::path& file) {
  const json j = parse(file);
  if (!j.is_object()) bad(file, "expected an object {\"title\", \"columns\": [...], \"rows\": [[...], ...]}");
  if (!j.contains("columns") || !j["columns"].is_array()) bad(file, "\"columns\" must be an array of names");
  if (!j.contains("rows") || !j["rows"].is_array()) bad(file, "\"rows\" must be an array of arrays");
  std::ostringstream o;
  o << "<h3>" << html_escape(title_of(j, file, stem(file.filename().string(), ".table.json"))) << "</h3>\n";
  o << "<table class=\"sample\"><tr>";
  for (const auto& c : j["columns"]) o << "<th>" << html_escape(cell(c)) << "</th>";
  o << "</tr>\n";
  size_t r = 0;
  for (const auto& row : j["rows"]) {
    if (!row.is_array()) bad(file, "row " + std::to_string(r) + " is not an array");
    o << "<tr>";
    for (const auto& v : row) o << (v.is_number() ? "<td class=\"num\">" : "<td>") << html_escape(cell(v)) << "</td>";
    o << "</tr>\n";
    ++r;
  }
  o << "</table>\n";
  return o.str();
}

std::string images_block(const fs::path& file) {
  const json j = parse(file);
  if (!j.is_object() || !j.contains("images") || !j["images"].is_array())
    bad(file, "expected an object {\"title\", \"images\": [{\"caption\", \"width\", \"height\", \"pixels\"}]}");
  std::ostringstream o;
  o << "<h3>" << html_escape(title_of(j, file, stem(file.filename().string(), ".images.json"))) << "</h3>\n";
  o << "<div class=\"images\">\n";
  size_t index = 0;
  for (const auto& image : j["images"]) {
    const std::string where = "image " + std::to_string(index);
    auto dim = [&](const char* key) {
      if (!image.contains(key) || !image[key].is_number_integer() || image[key].get<int64_t>() <= 0 ||
          image[key].get<int64_t>() > 4096)
        bad(file, where + ": \"" + key + "\" must be an integer in 1..4096");
      return image[key].get<int>();
    };
    const int w = dim("width"), h = dim("height");
    if (!image.contains("pixels") || !image["pixels"].is_array() || image["pixels"].size() != size_t(w) * h)
      bad(file,
          where + ": \"pixels\" must be an array of width*height = " + std::to_string(size_t(w) * h) + " grey values");
    std::vector<uint8_t> pixels;
    pixels.reserve(size_t(w) * h);
    for (const auto& p : image["pixels"]) {
      if (!p.is_number() || p.get<double>() < 0 || p.get<double>() > 255)
        bad(file, where + ": pixel " + std::to_string(pixels.size()) + " is " + p.dump() + ", expected 0..255");
      pixels.push_back(static_cast<uint8_t>(p.get<double>() + 0.5));
    }
    const int scale = std::clamp(kImageDisplay / std::max(w, h), 1, 8);
    const std::string caption = image.contains("caption") ? cell(image["caption"]) : "";
    // Captions wrap at the image's width (at least 120 px) so a grid of images stays a grid.
    o << "<figure style=\"width:" << std::max(w * scale, 120) << "px\"><img alt=\"" << html_escape(caption)
      << "\" width=\"" << w * scale << "\" height=\"" << h * scale << "\" src=\"data:image/png;base64,"
      << base64_encode(encode_png_gray(w, h, pixels.data())) << "\">";
    if (!caption.empty()) o << "<figcaption>" << html_escape(caption) << "</figcaption>";
    o << "</figure>\n";
    ++index;
  }
  o << "</div>\n";
  return o.str();
}

}  // namespace

std::string samples_section(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return "";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  std::string body;
  for (const auto& file : files) {
    const std::string name = file.filename().string();
    if (name.empty() || name[0] == '.') continue;  // temp files of atomic writes in progress
    if (ends_with(name, ".table.json"))
      body += table_block(file);
    else if (ends_with(name, ".images.json"))
      body += images_block(file);
    else if (ends_with(name, ".txt"))
      body += text_block(file);
  }
  return body.empty() ? "" : "<h2>Samples</h2>\n" + body;
}

}  // namespace torchlab::train
