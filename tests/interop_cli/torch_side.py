"""PyTorch's side of the interop tests (run by tests/interop_cli/interop_cli_test.cpp with /usr/bin/python3).

  torch_side.py make DIR   writes DIR/dtypes.safetensors (+ dtypes.json, the exact values), the PyTorch twins'
                           state_dicts DIR/init/<name>.safetensors, their inputs DIR/inputs.safetensors and their
                           outputs DIR/init_out.safetensors, and a corpus DIR/corpus.txt
  torch_side.py check DIR  for every DIR/export/<name>/: torch.jit.load(model.pt) and the twin loaded from
                           model.safetensors (load_state_dict, strict) run the same inputs; they must agree to 1e-5;
                           their outputs go to DIR/python_out.safetensors for torchlab to compare with its own

Only json and struct read and write safetensors here: no safetensors package.
"""
import json
import os
import struct
import sys

import torch
from torch import nn

DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL"}


def save_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        t = t.detach().contiguous()
        raw = (t.view(torch.int16) if t.dtype == torch.bfloat16 else t).numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    metadata = header.pop("__metadata__", {})
    by_name = {v: k for k, v in DTYPES.items()}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        dtype = by_name[info["dtype"]]
        base = torch.int16 if dtype == torch.bfloat16 else dtype
        t = torch.frombuffer(raw, dtype=base) if raw else torch.empty(0, dtype=base)
        tensors[name] = t.view(dtype).reshape(info["shape"]) if dtype == torch.bfloat16 else t.reshape(info["shape"])
    return tensors, metadata


# The PyTorch twins of torchlab's models, written the obvious way (the README shows them).
class CharRNN(nn.Module):
    def __init__(self, V, H, L, cell):
        super().__init__()
        self.V = V
        self.rnn = (nn.LSTM if cell == "lstm" else nn.GRU)(V, H, L)
        self.head = nn.Linear(H, V)

    def forward(self, tokens, state=None):  # tokens [T, B] int64
        y, state = self.rnn(nn.functional.one_hot(tokens, self.V).float(), state)
        return self.head(y), state


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 128), nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x.flatten(1))))


class ConvNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1, self.conv2 = nn.Conv2d(1, 32, 5), nn.Conv2d(32, 64, 5)
        self.fc1, self.fc2 = nn.Linear(1024, 1024), nn.Linear(1024, 10)

    def forward(self, x):
        x = nn.functional.max_pool2d(self.conv1(x), 2)
        x = nn.functional.max_pool2d(self.conv2(x), 2)
        return self.fc2(nn.functional.dropout(torch.relu(self.fc1(x.flatten(1))), 0.5, self.training))


class QNet(nn.Module):
    def __init__(self, sizes):
        super().__init__()
        self.n = len(sizes) - 1
        for i in range(self.n):
            setattr(self, f"fc{i + 1}", nn.Linear(sizes[i], sizes[i + 1]))

    def forward(self, x):
        for i in range(self.n):
            x = getattr(self, f"fc{i + 1}")(x)
            x = torch.relu(x) if i + 1 < self.n else x
        return x


CORPUS = "the quick brown fox jumps over the lazy dog. " * 40


def twins():
    V = len(set(CORPUS))
    return {"lstm": (CharRNN(V, 16, 2, "lstm"), "tokens"), "gru": (CharRNN(V, 12, 1, "gru"), "tokens"),
            "mlp": (Mlp(), "images"), "conv": (ConvNet(), "images"),
            "ttt": (QNet([9, 16, 16, 9]), "boards"), "pole": (QNet([4, 16, 2]), "states")}


def run(model, x):
    with torch.no_grad():
        out = model(x)
    return out[0] if isinstance(out, tuple) else out


def make(d):
    torch.manual_seed(0)
    os.makedirs(f"{d}/init", exist_ok=True)
    # Exact values in five dtypes; dtypes.json lists them as Python floats (exact for all five).
    values = {"f32": torch.randn(3, 4), "f16": torch.randn(5).half(), "bf16": torch.randn(2, 3).bfloat16(),
              "f64": torch.randn(4, dtype=torch.float64) * 1e10, "i64": torch.tensor([[-(2 ** 62), 7], [0, 2 ** 40]])}
    save_safetensors(f"{d}/dtypes.safetensors", values, {"made_by": "python"})
    with open(f"{d}/dtypes.json", "w") as f:
        json.dump({k: {"dtype": DTYPES[v.dtype], "shape": list(v.shape), "values": v.double().flatten().tolist()}
                   for k, v in values.items()}, f)
    with open(f"{d}/corpus.txt", "w") as f:
        f.write(CORPUS)
    V = len(set(CORPUS))
    inputs = {"tokens": torch.randint(0, V, (7, 3)), "images": torch.rand(5, 1, 28, 28),
              "boards": torch.randint(-1, 2, (6, 9)).float(), "states": torch.randn(6, 4)}
    save_safetensors(f"{d}/inputs.safetensors", inputs)
    outs = {}
    for name, (model, kind) in twins().items():
        model.eval()
        save_safetensors(f"{d}/init/{name}.safetensors", model.state_dict())
        outs[name] = run(model, inputs[kind])
    save_safetensors(f"{d}/init_out.safetensors", outs)


def sample(path, length=60):
    # The README's sampling script, as a function: the vocabulary and step() come with the TorchScript file.
    m = torch.jit.load(path)
    symbols, kind = m.vocab, m.vocab_kind
    state, x, out = m.initial_state(1), torch.tensor([0]), []
    torch.manual_seed(1)
    with torch.no_grad():
        for _ in range(length):
            logits, state = m.step(x, state)
            x = torch.multinomial(torch.softmax(logits[0] / 0.8, -1), 1)
            out.append(symbols[x.item()])
    return bytes(out).decode("utf-8", "replace") if kind == "bytes" else "".join(map(chr, out))


def check(d):
    inputs, _ = load_safetensors(f"{d}/inputs.safetensors")
    outs, worst = {}, 0.0
    for name, (twin, kind) in twins().items():
        jit = torch.jit.load(f"{d}/export/{name}/model.pt")
        weights, meta = load_safetensors(f"{d}/export/{name}/model.safetensors")
        twin.load_state_dict(weights, strict=True)
        twin.eval()
        x = inputs[kind]
        a, b = run(jit, x), run(twin, x)
        worst = max(worst, (a - b).abs().max().item())
        outs[f"jit.{name}"], outs[f"twin.{name}"] = a, b
        if kind == "tokens":  # step() one token at a time = forward over the sequence
            state, steps = jit.initial_state(x.size(1)), []
            for t in range(x.size(0)):
                logits, state = jit.step(x[t], state)
                steps.append(logits)
            outs[f"step.{name}"] = torch.stack(steps)
            worst = max(worst, (outs[f"step.{name}"] - a).abs().max().item())
            text = sample(f"{d}/export/{name}/model.pt")
            assert len(text) == 60 and set(text) <= set(CORPUS), text
            assert json.loads(meta["vocab"])["kind"] == jit.vocab_kind
        if kind == "images":
            assert len(jit.labels) == 10 and json.loads(meta["labels"]) == list(jit.labels)
    save_safetensors(f"{d}/python_out.safetensors", outs)
    print(f"jit vs twin: max |diff| {worst:.3g}")
    if worst > 1e-5:
        sys.exit(f"torch.jit.load and load_state_dict outputs differ by {worst}")


if __name__ == "__main__":
    {"make": make, "check": check}[sys.argv[1]](sys.argv[2])
