#pragma once
// The training/validation step of every classifier here: cross-entropy on a {images, labels, ...} batch, with the
// batch accuracy as a metric. Shared by `mnist train` and the benchmark so both time the same work.
#include "torchlab/train/learner.h"
#include "torchlab/vision/models.h"

namespace torchlab::vision {

// `logits`, when given, receives the model's output (validation keeps it for the confusion matrix).
train::StepResult classify_step(Classifier& model, const train::Batch& batch, torch::Tensor* logits = nullptr);

}  // namespace torchlab::vision
