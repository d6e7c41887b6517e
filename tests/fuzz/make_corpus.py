#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/: small real files of each format (run from anywhere)."""
import gzip, json, os, struct, zlib

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def put(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


# csv: the greeks and implied-vol inputs
put("csv", "greeks.csv", "id,type,forward,strike,vol,time,rate\n1,call,100,95,0.2,0.5,0.01\n2,put,100,105,0.25,1,0.02\n")
put("csv", "bsm.csv", "\ufefftype,spot,strike,vol,time,rate,dividend\r\nc,100,100,0.3,0.25,0.05,0.01\r\n\r\np,50,55,0.4,2,0,0\r\n")
put("csv", "implied.csv", 'name,type,forward,strike,time,rate,price\n"a, quoted",call,100,100,1,0,8.0\n"b ""x""",put,100,90,1,0,1.5\n')

# idx: labels (0x801) and images (0x803), plain and gzipped
labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 10) + bytes(range(10))
images = bytes([0, 0, 8, 3]) + struct.pack(">III", 2, 3, 3) + bytes(range(0, 255, 14))
put("idx", "labels.idx", labels)
put("idx", "images.idx", images)
put("idx", "labels.idx.gz", gzip.compress(labels, mtime=0))
put("idx", "images.idx.gz", gzip.compress(images, mtime=0))

# image: PGM P5 (8 and 16 bit), P2, PNG grey and RGB
put("image", "p5.pgm", b"P5\n3 2\n255\n" + bytes([0, 64, 128, 192, 255, 7]))
put("image", "p5_16.pgm", b"P5 2 1 65535\n" + bytes([0, 1, 255, 255]))
put("image", "p2.pgm", "P2\n# comment\n3 2\n15\n0 3 6\n9 12 15\n")


def png(width, height, colour, channels, rows):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\0" + bytes(r) for r in rows)
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


put("image", "grey.png", png(3, 2, 0, 1, [[0, 100, 200], [255, 50, 25]]))
put("image", "rgb.png", png(2, 2, 2, 3, [[255, 0, 0, 0, 255, 0], [0, 0, 255, 9, 9, 9]]))

# text: ASCII, UTF-8, and bytes that are not UTF-8
put("text", "ascii.txt", "Call me Ishmael. Some years ago - never mind how long precisely - having little money.\n")
put("text", "utf8.txt", "Größe, café, naïve — Ελληνικά, 日本語, emoji \U0001F600; long enough for one window of text.\n")
put("text", "latin1.txt", "caf\xe9 na\xefve, bytes that are not UTF-8, enough of them for a window or two.".encode("latin-1"))

# config: config.json of each task, and a checkpoint vocabulary
char_rnn = {"task": "char-rnn", "preset": "default", "input": "data/moby-dick.txt", "vocab": "chars", "cell": "lstm",
            "layers": 1, "hidden": 512, "dropout": 0.1, "impl": "auto", "precision": "fp32", "vocab_size": 80,
            "seq_len": 128, "batch_size": 64, "epochs": 20, "lr": 0.003, "schedule": "cosine", "clip_value": 0.0,
            "clip_norm": 5.0, "sample_length": 500, "sample_temperature": 0.8, "seed": 42}
mnist = {"task": "mnist", "model": "conv", "data": "", "classes": "fashion", "epochs": 12, "batch_size": 256,
         "lr": 0.001, "schedule": "cosine", "augment": "none", "seed": 42, "train_limit": 0, "test_limit": 0}
dqn = {"env": "cartpole", "preset": "default", "hidden": [128, 128], "lr": 0.0003, "batch_size": 128, "gamma": 0.99,
       "replay_capacity": 50000, "learning_starts": 1000, "train_every": 1, "loss": "huber", "target_update": "ema",
       "tau": 0.005, "hard_every": 1000, "double_dqn": True, "eps_start": 1.0, "eps_end": 0.05, "eps_decay": 10000,
       "target": "", "opponent_eps": 0.0, "random_opponent": 0.0, "episodes_per_epoch": 10, "epochs": 60,
       "eval_episodes": 50, "fused": "auto", "seed": 7}
vocab = {"kind": "chars", "symbols": [10, 32, 97, 98, 233, 8212, 128512]}
put("config", "char_rnn.json", json.dumps(char_rnn, indent=2) + "\n")
put("config", "mnist.json", json.dumps(mnist, indent=2) + "\n")
put("config", "dqn.json", json.dumps(dqn, indent=2) + "\n")
put("config", "vocab.json", json.dumps({"vocab": vocab, **{k: char_rnn[k] for k in ("cell", "layers", "hidden")}}))

# checkpoint: the format of src/torchlab/core/checkpoint.cpp, as a small char-rnn checkpoint would hold it


def checkpoint(meta, tensors, blobs):
    def s(b):
        b = b.encode() if isinstance(b, str) else b
        return struct.pack("<Q", len(b)) + b
    out = b"TLCKPT01" + struct.pack("<I", 1) + s(json.dumps(meta)) + struct.pack("<Q", len(tensors))
    for name, dtype, shape, data in tensors:
        out += s(name) + struct.pack("<bB", dtype, len(shape)) + b"".join(struct.pack("<q", d) for d in shape)
        out += struct.pack("<Q", len(data)) + data
    out += struct.pack("<Q", len(blobs)) + b"".join(s(k) + s(v) for k, v in blobs)
    return out + struct.pack("<I", zlib.crc32(out))


FLOAT, LONG, BYTE = 6, 4, 0  # c10::ScalarType
meta = {"kind": "char-rnn", "format_version": 1, "char_rnn": char_rnn, "vocab": vocab, "progress": {"step": 3}}
put("checkpoint", "char_rnn.ckpt", checkpoint(meta, [
    ("model.head.bias", FLOAT, [3], struct.pack("<3f", 0.5, -1.0, 2.0)),
    ("model.head.weight", FLOAT, [3, 2], struct.pack("<6f", *range(6))),
    ("progress.steps", LONG, [], struct.pack("<q", 3)),
    ("rng.torch_cpu", BYTE, [8], bytes(range(8))),
    ("empty", FLOAT, [0, 4], b"")], [("optimizer", b"\x00\x01opaque"), ("rng.sampler", "5489 1 2 3")]))
put("checkpoint", "minimal.ckpt", checkpoint({"kind": "dqn"}, [], []))

# safetensors: the spec's layout (8-byte header length, JSON header padded with spaces, little-endian data)


def safetensors(tensors, metadata=None):
    header, data = {}, b""
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata:
        header["__metadata__"] = metadata
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + data


put("safetensors", "linear.safetensors", safetensors([
    ("bias", "F32", [2], struct.pack("<2f", 0.5, -1.0)),
    ("weight", "F32", [2, 3], struct.pack("<6f", *range(6)))], {"format": "pt"}))
put("safetensors", "dtypes.safetensors", safetensors([
    ("a", "F64", [1], struct.pack("<d", 1.5)), ("b", "I64", [2], struct.pack("<2q", -1, 7)),
    ("c", "BOOL", [3], bytes([1, 0, 1])), ("d", "BF16", [1], b"\x80\x3f"), ("e", "F16", [0], b""),
    ("f", "U8", [2, 1], b"\x00\xff"), ("g", "I32", [], struct.pack("<i", 42))]))

# torchscript: archives as torch.jit.save writes them (zip, stored, <name>/data.pkl, constants.pkl, code/, version),
# a torch.save() pickle archive (no code/), and, when python3-torch is here, a real scripted module.
import zipfile, io


def archive(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, body in entries:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            z.writestr(info, body)
    return buf.getvalue()


put("torchscript", "scripted_shape.pt", archive([
    ("model/data.pkl", b"\x80\x02}q\x00."), ("model/constants.pkl", b"\x80\x02).") ,
    ("model/code/__torch__.py", "class Net(Module):\n  def forward(self, x):\n    return x\n"),
    ("model/version", "3\n")]))
put("torchscript", "torch_save.pt", archive([("archive/data.pkl", b"\x80\x02}q\x00."), ("archive/version", "3\n")]))
try:
    import torch

    class Tiny(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = torch.nn.Linear(2, 2)

        def forward(self, x):
            return self.fc(x).relu()

    torch.manual_seed(0)
    buf = io.BytesIO()
    torch.jit.save(torch.jit.script(Tiny()), buf)
    put("torchscript", "tiny.pt", buf.getvalue())
except ImportError:
    pass
