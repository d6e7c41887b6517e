"""char_rnn/tch_preset_train_chars in PyTorch Python: tch-rs's char-rnn (bytes labelled in order of first appearance,
one-hot input, torch.nn.LSTM of 256, linear to the labels, Adam lr 0.01, per-value gradient clip 0.5, batch 256 x 180)
on data/moby-dick.txt; full training steps, characters per second.
char_rnn/default_preset_sample_chars[_x8]: the default preset's model (chars vocabulary, torch.nn.LSTM of 512 on
one-hot) sampled one character at a time under inference_mode (softmax at temperature 0.8, torch.multinomial), one
sequence or 8 at once; characters per second."""
import os
import sys

import torch
import torch.nn.functional as F

from common import median, report, time_runs

HERE = os.path.dirname(os.path.abspath(__file__))


def tch_preset(device, bf16=False):
    seq, batch = 180, 256
    torch.manual_seed(42)
    path = os.environ.get("TORCHLAB_CHAR_RNN_TEXT", os.path.join(HERE, "..", "..", "data", "moby-dick.txt"))
    data = open(path, "rb").read()
    label_of = {}
    for b in data:
        label_of.setdefault(b, len(label_of))
    labels = torch.tensor([label_of[b] for b in data], dtype=torch.int64)
    labels = labels[: len(labels) - len(labels) // 20]  # the training split, like torchlab
    vocab = len(label_of)
    lstm = torch.nn.LSTM(vocab, 256, batch_first=True).to(device)
    linear = torch.nn.Linear(256, vocab).to(device)
    params = list(lstm.parameters()) + list(linear.parameters())
    opt = torch.optim.Adam(params, lr=0.01)
    gen = torch.Generator().manual_seed(42)

    def step():
        starts = torch.randint(0, len(labels) - seq - 1, (batch,), generator=gen)
        windows = torch.stack([labels[s : s + seq + 1] for s in starts.tolist()]).to(device)
        xs = F.one_hot(windows[:, :seq], vocab).float()
        ys = windows[:, 1:]
        # bf16: PyTorch's mixed precision, autocast (what a Python user would turn on)
        with torch.autocast(torch.device(device).type, dtype=torch.bfloat16, enabled=bf16):
            out, _ = lstm(xs)
            logits = linear(out)
        loss = F.cross_entropy(logits.float().reshape(-1, vocab), ys.reshape(-1))
        opt.zero_grad()
        loss.backward()
        for p in params:
            p.grad.clamp_(-0.5, 0.5)
        opt.step()
        loss.item()

    steps = 30 if device.startswith("cuda") else 4  # as bench/char_rnn.cpp
    secs = time_runs(step, steps, 5 if steps == 30 else 1)
    report("char_rnn/tch_preset_train_chars" + ("_bf16" if bf16 else ""), batch * seq / median(secs), "chars/s", True,
           "torch.nn.LSTM on one-hot (%s%s), batch 256 x 180, median of %d steps"
           % (device, ", autocast bf16" if bf16 else "", steps))


def default_preset_sample(sequences):
    torch.manual_seed(42)
    path = os.environ.get("TORCHLAB_CHAR_RNN_TEXT", os.path.join(HERE, "..", "..", "data", "moby-dick.txt"))
    vocab = len(set(open(path, encoding="utf-8").read()))
    lstm = torch.nn.LSTM(vocab, 512)
    linear = torch.nn.Linear(512, vocab)
    length = 2000 if sequences == 1 else 400  # as bench/char_rnn.cpp

    def run():
        with torch.inference_mode():
            x = torch.zeros(1, sequences, vocab)
            rows = torch.arange(sequences)
            labels = torch.zeros(sequences, dtype=torch.int64)
            state = None
            out = []
            for _ in range(length):
                x.zero_()
                x[0, rows, labels] = 1
                y, state = lstm(x, state)
                probs = torch.softmax(linear(y[0]) / 0.8, -1)
                labels = torch.multinomial(probs, 1)[:, 0]
                out.append(labels.tolist())

    secs = time_runs(run, 3)
    report("char_rnn/default_preset_sample_chars" + ("" if sequences == 1 else "_x%d" % sequences),
           length * sequences / median(secs), "chars/s", True,
           "torch.nn.LSTM 512 stepped one char at a time, vocab %d, %d sequence(s), inference_mode" % (vocab, sequences))


if __name__ == "__main__":
    name = sys.argv[1]
    device = sys.argv[2] if len(sys.argv) > 2 else "cpu"
    if name in ("char_rnn/tch_preset_train_chars", "char_rnn/tch_preset_train_chars_bf16"):
        tch_preset(device, name.endswith("_bf16"))
    elif name == "char_rnn/default_preset_sample_chars":
        default_preset_sample(1)
    elif name == "char_rnn/default_preset_sample_chars_x8":
        default_preset_sample(8)
    else:
        sys.exit("unknown workload " + name)
