#include "torchlab/tour/tensors.h"

#include <iostream>
#include <memory>

#include "torchlab/command.h"

namespace torchlab::cli {
namespace {

Register reg(
    "tensors", "The seed's tensors example, then a guided tour of libtorch tensors",
    [](CLI::App& app) {
      auto common = std::make_shared<Common>();
      add_common(app, *common);
      app.callback([common] { tour::tensors(std::cout, apply_common(*common)); });
    },
    10);

RegisterDemo demo(
    "Tensors", [](const torch::Device& device) { tour::tensors(std::cout, device); }, 10,
    "torchlab tensors --device cpu");

}  // namespace
}  // namespace torchlab::cli
