"""TorchScript inference in PyTorch Python, the counterpart of bench/torchscript.cpp: the same file,
torch.jit.load + forward under torch.inference_mode() (what a Python user writes), two warm-up runs per shape.

torchscript/mobilenet_v3_small_b1_ms: one 3x224x224 image, ms (median of 50).
torchscript/mobilenet_v3_small_b64_images: batch 64, images/s (median of 3).
"""
import os
import sys

import torch

from common import median, report, time_runs


def mobilenet(name, device, batch, repeats):
    model = torch.jit.load(os.environ["TORCHLAB_BENCH_MOBILENET"], map_location=device)
    torch.manual_seed(0)
    x = torch.rand(batch, 3, 224, 224).to(device)

    def run():
        with torch.inference_mode():
            model(x)
        if device == "cuda":
            torch.cuda.synchronize()

    for _ in range(2):
        run()
    secs = median(time_runs(run, repeats, 0))
    note = "torch.jit.load + forward under inference_mode, batch %d, median of %d" % (batch, repeats)
    if batch == 1:
        report(name, 1e3 * secs, "ms", False, note)
    else:
        report(name, batch / secs, "images/s", True, note)


if __name__ == "__main__":
    name, device = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "cpu"
    if name.endswith("_b1_ms"):
        mobilenet(name, device, 1, 50)
    else:
        mobilenet(name, device, 64, 3)
