"""Fashion-MNIST workloads in PyTorch Python, the counterparts of bench/fmnist.cpp (same net, batch, optimizer).

fmnist/conv_train_images: tch-rs's conv net, batch 256, Adam 1e-3, shuffled training images; images/s.
Written the way a PyTorch user would: the dataset as one float tensor, a random permutation, index, step.
"""
import gzip
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import median, report, time_runs

DATA = "/usr/share/datasets/fashion-mnist"
BATCH = 256
STEPS_PER_RUN = 20
REPEATS = 5


def read_idx(path, header):
    with gzip.open(path) as f:
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8, offset=header)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5)
        self.conv2 = nn.Conv2d(32, 64, 5)
        self.fc1 = nn.Linear(1024, 1024)
        self.fc2 = nn.Linear(1024, 10)

    def forward(self, x):
        x = F.max_pool2d(self.conv1(x.view(-1, 1, 28, 28)), 2)
        x = F.max_pool2d(self.conv2(x), 2)
        x = F.dropout(F.relu(self.fc1(x.view(-1, 1024))), 0.5, self.training)
        return self.fc2(x)


def conv_train_images(name, device):
    torch.manual_seed(0)
    images = read_idx(DATA + "/train-images-idx3-ubyte.gz", 16)
    images = images.view(-1, 1, 28, 28).float().div_(255).to(device)
    labels = read_idx(DATA + "/train-labels-idx1-ubyte.gz", 8).long().to(device)
    model = Net().to(device)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = torch.randperm(images.shape[0], device=device)
    batches = images.shape[0] // BATCH
    state = {"next": 0}

    def run():
        for _ in range(STEPS_PER_RUN):
            i = state["next"] % batches
            state["next"] += 1
            idx = order[i * BATCH:(i + 1) * BATCH]
            loss = F.cross_entropy(model(images[idx]), labels[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        if device == "cuda":
            torch.cuda.synchronize()

    secs = time_runs(run, REPEATS, 1)
    report(name, STEPS_PER_RUN * BATCH / median(secs), "images/s", True,
           "tch-rs conv net, batch %d, Adam 1e-3, median of %d runs of %d steps" % (BATCH, REPEATS, STEPS_PER_RUN))


WORKLOADS = {"fmnist/conv_train_images": conv_train_images}

if __name__ == "__main__":
    name = sys.argv[1]
    device = sys.argv[2] if len(sys.argv) > 2 else "cpu"
    WORKLOADS[name](name, device)
