"""Shared by the PyTorch Python references: threads, timing, the result line."""
import json
import os
import statistics
import time

import torch

torch.set_num_threads(int(os.environ.get("TORCHLAB_BENCH_THREADS", os.cpu_count())))


def time_runs(fn, repeats, warmup=1):
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(workload, value, unit, higher_is_better, note=""):
    print(json.dumps({"workload": workload, "value": value, "unit": unit, "higher_is_better": higher_is_better,
                      "note": note}), flush=True)


median = statistics.median
