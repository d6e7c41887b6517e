#include "torchlab/interop/web_page.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "torchlab/core/error.h"
#include "torchlab/core/gzip.h"
#include "torchlab/interop/safetensors.h"
#include "torchlab/train/png_encode.h"
#include "torchlab/train/svg_chart.h"

namespace torchlab::interop {
namespace {

namespace fs = std::filesystem;

const char* const kAssets[] = {"page.html", "app.js", "torchlab_wasm.js"};

bool has_assets(const fs::path& dir) {
  for (const char* name : kAssets)
    if (!fs::is_regular_file(dir / name)) return false;
  return true;
}

std::string read_asset(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  if (!in && !in.eof()) throw UserError(path.string() + ": cannot be read");
  return s.str();
}

// Text put inside <script>: a "</script" in it would end the element early.
std::string script_safe(std::string text) {
  for (size_t at = 0; (at = text.find("</script", at)) != std::string::npos; at += 2) text.replace(at, 2, "<\\/");
  return text;
}

}  // namespace

fs::path web_assets_dir() {
  if (const char* dir = std::getenv("TORCHLAB_WEB_DIR"); dir && *dir) {
    if (!has_assets(dir))
      throw UserError(std::string("TORCHLAB_WEB_DIR=") + dir + " lacks page.html, app.js or torchlab_wasm.js");
    return dir;
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& dir : {exe.parent_path() / "web", exe.parent_path().parent_path() / "share/torchlab/web"})
      if (has_assets(dir)) return dir;
  }
  throw UserError(
      "the web page's WebAssembly part is not built: run `make web` (it needs Debian's emscripten), or point "
      "TORCHLAB_WEB_DIR at a folder with page.html, app.js and torchlab_wasm.js");
}

std::string web_page(const Safetensors& model, const std::string& title, const std::string& subtitle,
                     const fs::path& assets) {
  const std::string blob = train::base64_encode(gzip_bytes(encode_safetensors(model)));
  const std::string page = read_asset(assets / "page.html");
  const std::pair<std::string, std::string> fills[] = {
      {"@TITLE@", train::html_escape(title)},
      {"@SUBTITLE@", train::html_escape(subtitle)},
      {"@MODEL@", blob},
      {"@WASM_GLUE@", script_safe(read_asset(assets / "torchlab_wasm.js"))},
      {"@APP@", script_safe(read_asset(assets / "app.js"))}};
  // One pass over the template, so text filled in is never searched for placeholders again.
  std::string out;
  size_t at = 0;
  while (at < page.size()) {
    bool filled = false;
    for (const auto& [key, value] : fills) {
      if (page.compare(at, key.size(), key) == 0) {
        out += value;
        at += key.size();
        filled = true;
        break;
      }
    }
    if (!filled) out += page[at++];
  }
  return out;
}

}  // namespace torchlab::interop
