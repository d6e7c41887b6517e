#include "torchlab/vision/classify_step.h"

namespace torchlab::vision {

train::StepResult classify_step(Classifier& model, const train::Batch& batch, torch::Tensor* logits_out) {
  train::StepResult r;
  const auto logits = model.forward(batch[0]);
  r.loss = torch::cross_entropy_loss(logits, batch[1]);
  {
    torch::NoGradGuard no_grad;
    r.metrics["accuracy"] = logits.argmax(1).eq(batch[1]).sum().item<double>() / double(batch[1].size(0));
  }
  r.items = batch[0].size(0);
  if (logits_out) *logits_out = logits;
  return r;
}

}  // namespace torchlab::vision
