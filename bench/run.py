#!/usr/bin/env python3
"""Runs every torchlab benchmark workload beside its PyTorch Python reference and prints one table.

Each workload runs in its own process (peak RSS is that process's); each side reports the median of its repeats.
A reference script bench/reference/<group>.py takes the workload name and prints one JSON line like the C++ side.
Usage: bench/run.py BUILD_DIR [--device cpu|cuda] [--only SUBSTRING] [--threads N]
"""
import argparse
import json
import os
import resource
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# FLOPs per item of the FLOP-bound rows (multiply-add = 2), for GFLOP/s and the share of the measured GEMM peak.
# Training = forward + backward = 3x the forward's matrix products, less input gradients nobody needs.
#  fmnist conv net, per image: conv1 1->32 k5 on 24x24 out 2*24*24*32*25 = 921,600; conv2 32->64 k5 on 8x8 out
#    2*8*8*64*32*25 = 6,553,600; fc 1024->1024 2,097,152; fc 1024->10 20,480: forward 9,592,832; training
#    3x that less conv1's input gradient (921,600) = 27,856,896.
#  char-rnn tch preset, per character: LSTM of H=256 over V=95 inputs (Moby-Dick's distinct bytes), then H->V.
#    The one-hot input's product is a column lookup, not counted: forward 2*H*4H + 2*H*V = 572,928; training 3x
#    that = 1,718,784 (the README's 1.71 MFLOP per character).
FLOPS_PER_ITEM = {
    "fmnist/conv_train_images": 27_856_896,
    "char_rnn/tch_preset_train_chars": 1_718_784,
}
PEAK = "peak/fp32_gemm_gflops"


def run(cmd, env):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = proc.communicate()
    # ru_maxrss of the children reaped so far (KiB on Linux): run_isolated forks first, so only this one.
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        return None, rss_kib, err.strip().splitlines()[-3:] if err.strip() else ["exit %d" % proc.returncode]
    for line in reversed(out.strip().splitlines()):
        if line.startswith("{"):
            return json.loads(line), rss_kib, None
    return None, rss_kib, ["no result line"]


def run_isolated(cmd, env):
    """Runs cmd in a fresh forked process so RUSAGE_CHILDREN's max RSS is this workload's alone."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        res = run(cmd, env)
        os.write(w, json.dumps(res).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 65536)
        if not chunk:
            break
        data += chunk
    os.waitpid(pid, 0)
    return json.loads(data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--only", default="")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json", default="", help="also write the rows to this file")
    args = ap.parse_args()
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), TORCHLAB_BENCH_THREADS=str(args.threads))
    cpp = os.path.join(args.build, "torchlab_bench")
    names = subprocess.run([cpp, "--list"], capture_output=True, text=True, check=True).stdout.split()
    python = os.environ.get("TORCHLAB_BENCH_PYTHON", sys.executable)
    selected = [n for n in names if not args.only or args.only in n]
    if any(n.startswith("torchscript/") for n in selected):
        # The TorchScript rows run one model file, written by PyTorch itself.
        model = os.path.join(os.path.abspath(args.build), "bench-models", "mobilenet_v3_small.pt")
        if not os.path.exists(model):
            os.makedirs(os.path.dirname(model), exist_ok=True)
            subprocess.run([python, os.path.join(HERE, "reference", "torchscript_model.py"), model], check=True)
        env["TORCHLAB_BENCH_MOBILENET"] = model
    peak = None
    if PEAK in names and any(n in FLOPS_PER_ITEM for n in selected):
        result = run_isolated([cpp, PEAK, args.device], env)[0]
        peak = result["value"] if result else None
        if peak:
            print("fp32 GEMM peak (torch::mm 2048^3, %d threads): %.1f GFLOP/s" % (args.threads, peak))
    rows = []
    print("%-34s %16s %16s %8s %10s %10s" % ("workload", "torchlab", "PyTorch (Python)", "ratio", "RSS tl", "RSS py"))
    for name in names:
        if args.only and args.only not in name:
            continue
        if name == PEAK and peak:  # measured once above
            rows.append({"workload": name, "torchlab": {"value": peak, "unit": "GFLOP/s"}})
            continue
        group = name.split("/")[0]
        ref = os.path.join(HERE, "reference", group + ".py")
        mine, rss_c, err_c = run_isolated([cpp, name, args.device], env)
        theirs, rss_p, err_p = (None, 0, ["no reference"])
        if os.path.exists(ref):
            theirs, rss_p, err_p = run_isolated([python, ref, name, args.device], env)
        fmt = lambda r: ("%.4g %s" % (r["value"], r["unit"])) if r else "failed"
        ratio = ""
        if mine and theirs and mine["value"] > 0 and theirs["value"] > 0:
            ratio = mine["value"] / theirs["value"] if mine["higher_is_better"] else theirs["value"] / mine["value"]
            ratio = "%.2fx" % ratio
        print("%-34s %16s %16s %8s %8.0fMB %8.0fMB" % (name, fmt(mine), fmt(theirs), ratio, rss_c / 1024, rss_p / 1024),
              flush=True)
        if name in FLOPS_PER_ITEM and peak:
            shares = ["%s %.1f GFLOP/s = %.0f%% of peak" % (side, r["value"] * FLOPS_PER_ITEM[name] / 1e9,
                                                           100 * r["value"] * FLOPS_PER_ITEM[name] / 1e9 / peak)
                      for side, r in (("torchlab", mine), ("python", theirs)) if r]
            print("    " + "; ".join(shares), flush=True)
        for label, e in (("torchlab", err_c), ("python", err_p)):
            if e and e != ["no reference"]:
                print("    %s: %s" % (label, " | ".join(e)), flush=True)
        rows.append({"workload": name, "torchlab": mine, "python": theirs, "ratio": ratio,
                     "rss_torchlab_mb": rss_c / 1024, "rss_python_mb": rss_p / 1024})
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
