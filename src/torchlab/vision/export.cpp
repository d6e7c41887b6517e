#include "torchlab/vision/export.h"

#include "torchlab/core/error.h"
#include "torchlab/interop/safetensors.h"
#include "torchlab/interop/state_dict.h"
#include "torchlab/interop/torchscript_export.h"
#include "torchlab/vision/mnist_config.h"

namespace torchlab::vision {
namespace {

std::string forward_source(const std::string& kind) {
  const std::string head = "def forward(self, images: Tensor) -> Tensor:\n";
  if (kind == "linear")
    return head + "    x = images.reshape(-1, 784)\n    return torch.linear(x, self.fc.weight, self.fc.bias)\n";
  if (kind == "mlp")
    return head +
           "    x = torch.relu(torch.linear(images.reshape(-1, 784), self.fc1.weight, self.fc1.bias))\n"
           "    return torch.linear(x, self.fc2.weight, self.fc2.bias)\n";
  return head +
         "    x = images.reshape(-1, 1, 28, 28)\n"
         "    x = torch.max_pool2d(torch.conv2d(x, self.conv1.weight, self.conv1.bias), [2, 2])\n"
         "    x = torch.max_pool2d(torch.conv2d(x, self.conv2.weight, self.conv2.bias), [2, 2])\n"
         "    x = torch.relu(torch.linear(x.reshape(-1, 1024), self.fc1.weight, self.fc1.bias))\n"
         "    return torch.linear(x, self.fc2.weight, self.fc2.bias)\n";
}

}  // namespace

torch::jit::Module mnist_torchscript(const std::string& kind, Classifier& model,
                                     const std::vector<std::string>& classes, const nlohmann::json& config) {
  auto module = interop::scripted_module("MnistClassifier", interop::state_dict(model));
  interop::set_attribute(module, "labels", classes);
  interop::set_attribute(module, "model", kind);
  interop::set_attribute(module, "config", config.dump());
  module.define(forward_source(kind));
  return module;
}

std::vector<interop::ExportedFile> export_mnist(const Checkpoint& ckpt, const std::string& source,
                                                const interop::ExportOptions& options) {
  interop::prepare_export(options, {interop::kTorchScript, interop::kSafetensors}, "an mnist classifier");
  if (!ckpt.meta.contains("mnist") || !ckpt.meta.contains("labels"))
    throw UserError(source + " has no mnist config or class names in its metadata");
  const auto config = MnistConfig::from_json(ckpt.meta["mnist"]);
  const auto classes = ckpt.meta["labels"].get<std::vector<std::string>>();
  auto model = make_classifier(config.model);
  load_module(ckpt, "model", *model);
  model->eval();
  const auto config_json = config.to_json();
  std::vector<interop::ExportedFile> out;
  if (options.wants(interop::kTorchScript)) {
    auto module = mnist_torchscript(config.model, *model, classes, config_json);
    const auto path = options.out_dir / (options.stem + ".pt");
    interop::save_scripted(module, path);
    out.push_back({interop::kTorchScript, path,
                   "TorchScript " + config.model + " classifier: forward(images [N, 1, 28, 28] in [0, 1]) -> logits"});
  }
  if (options.wants(interop::kSafetensors)) {
    interop::Safetensors st;
    st.tensors = interop::state_dict(*model);
    st.metadata = {{"format", "pt"},
                   {"torchlab", "mnist"},
                   {"config", config_json.dump()},
                   {"labels", nlohmann::json(classes).dump()}};
    const auto path = options.out_dir / (options.stem + ".safetensors");
    interop::write_safetensors(path, st);
    out.push_back({interop::kSafetensors, path, config.model + " classifier weights; metadata config, labels"});
  }
  return out;
}

}  // namespace torchlab::vision
