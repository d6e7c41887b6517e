"""Writes the model of the torchscript/* rows: torchvision's mobilenet_v3_small (random weights, seed 0, 10
classes) scripted with torch.jit.script, in eval mode. Usage: torchscript_model.py OUT.pt"""
import sys

import torch
import torchvision

torch.manual_seed(0)
torch.jit.script(torchvision.models.mobilenet_v3_small(num_classes=10).eval()).save(sys.argv[1])
