#pragma once
// `torchlab export --format web`: one self-contained HTML file that runs a torchlab model in the browser. The page
// (web/page.html + web/app.js) and the WebAssembly build of the kernels (`make web`: torchlab_wasm.js, the wasm
// inlined) come from the web assets folder; the model is a safetensors file, gzipped and base64'd into the page.
// Nothing is fetched: the file opens from file:// and works offline.
#include <filesystem>
#include <string>

namespace torchlab::interop {

struct Safetensors;

// The folder holding page.html, app.js and torchlab_wasm.js: $TORCHLAB_WEB_DIR, else web/ beside the running program
// (a build tree), else ../share/torchlab/web from it (an install). A UserError says how to build it when none has them.
std::filesystem::path web_assets_dir();

// The page for `model` (F32 tensors; metadata "kind" = tictactoe | char-rnn | cartpole and what that kind reads).
std::string web_page(const Safetensors& model, const std::string& title, const std::string& subtitle,
                     const std::filesystem::path& assets);

}  // namespace torchlab::interop
