"""dist/char_rnn_{1,2}proc_chars in PyTorch Python: char_rnn.py's tch-rs step (bytes, one-hot input, torch.nn.LSTM of
256, Adam lr 0.01, per-value gradient clip 0.5, batch 256 x 180 per process) under DistributedDataParallel, with N
processes on 127.0.0.1 (gloo on CPU, nccl on CUDA); total characters per second of all processes, median of 4 steps."""
import json
import os
import socket
import sys
import tempfile

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from common import median, report, time_runs

HERE = os.path.dirname(os.path.abspath(__file__))
SEQ, BATCH = 180, 256


class Net(torch.nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.lstm = torch.nn.LSTM(vocab, 256, batch_first=True)
        self.linear = torch.nn.Linear(256, vocab)

    def forward(self, xs):
        out, _ = self.lstm(xs)
        return self.linear(out)


def worker(rank, world, port, device, out):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    # Like torchlab's workers: the machine's threads shared by the processes.
    torch.set_num_threads(max(1, int(os.environ.get("TORCHLAB_BENCH_THREADS", os.cpu_count())) // world))
    dist.init_process_group("nccl" if device == "cuda" else "gloo", rank=rank, world_size=world)
    if device == "cuda":
        device = "cuda:%d" % rank  # NCCL needs one GPU per rank
    torch.manual_seed(42)
    path = os.environ.get("TORCHLAB_CHAR_RNN_TEXT", os.path.join(HERE, "..", "..", "data", "moby-dick.txt"))
    data = open(path, "rb").read()
    label_of = {}
    for b in data:
        label_of.setdefault(b, len(label_of))
    labels = torch.tensor([label_of[b] for b in data], dtype=torch.int64)
    labels = labels[: len(labels) - len(labels) // 20]
    vocab = len(label_of)
    model = Net(vocab).to(device)
    ddp = torch.nn.parallel.DistributedDataParallel(model, device_ids=[rank] if device.startswith("cuda") else None)
    params = list(ddp.parameters())
    opt = torch.optim.Adam(params, lr=0.01)
    gen = torch.Generator().manual_seed(42 + rank)

    def step():
        starts = torch.randint(0, len(labels) - SEQ - 1, (BATCH,), generator=gen)
        windows = torch.stack([labels[s : s + SEQ + 1] for s in starts.tolist()]).to(device)
        xs = F.one_hot(windows[:, :SEQ], vocab).float()
        loss = F.cross_entropy(ddp(xs).reshape(-1, vocab), windows[:, 1:].reshape(-1))
        opt.zero_grad()
        loss.backward()  # DDP all-reduces the gradients here
        for p in params:
            p.grad.clamp_(-0.5, 0.5)
        opt.step()
        loss.item()

    secs = time_runs(step, 4, 1)
    if rank == 0:
        with open(out, "w") as f:
            json.dump({"chars_per_s": world * BATCH * SEQ / median(secs), "threads": torch.get_num_threads(),
                       "bytes": sum(p.numel() * p.element_size() for p in params)}, f)
    dist.barrier()
    dist.destroy_process_group()


def run(name, world, device):
    if device == "cuda" and torch.cuda.device_count() < world:
        sys.exit("%d ranks need %d GPUs (NCCL: one per rank); this machine has %d" % (world, world, torch.cuda.device_count()))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    fd, out = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        mp.spawn(worker, args=(world, port, device, out), nprocs=world, join=True)
        with open(out) as f:
            r = json.load(f)
    finally:
        os.remove(out)
    report(name, r["chars_per_s"], "chars/s", True,
           "%d process%s x %d thread%s, DDP %s, torch.nn.LSTM on one-hot, batch 256 x 180 per process; %.3g MB "
           "all-reduced per step; median of 4 steps" % (world, "" if world == 1 else "es", r["threads"],
                                                      "" if r["threads"] == 1 else "s",
                                                      "nccl" if device == "cuda" else "gloo", r["bytes"] / 1e6))


if __name__ == "__main__":
    name = sys.argv[1]
    device = sys.argv[2] if len(sys.argv) > 2 else "cpu"
    worlds = {"dist/char_rnn_1proc_chars": 1, "dist/char_rnn_2proc_chars": 2}
    if name not in worlds:
        sys.exit("unknown workload " + name)
    run(name, worlds[name], device)
