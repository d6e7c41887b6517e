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
    rows = []
    print("%-34s %16s %16s %8s %10s %10s" % ("workload", "torchlab", "PyTorch (Python)", "ratio", "RSS tl", "RSS py"))
    for name in names:
        if args.only and args.only not in name:
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
