#!/usr/bin/env python3
"""PyTorch Python side of bench/greeks.cpp: the seed's way (autograd with create_graph), and the closed forms.

Usage: greeks.py WORKLOAD [cpu|cuda]
"""
import math
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import median, report, time_runs  # noqa: E402

N = 1_000_000


def ncdf(x):
    return 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def npdf(x):
    return torch.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def black76_price(f, k, sigma, t, r, w):
    v = sigma * t.sqrt()
    d1 = (f / k).log() / v + 0.5 * v
    d2 = d1 - v
    return torch.exp(-r * t) * w * (f * ncdf(w * d1) - k * ncdf(w * d2))


def autograd_greeks(f, k, sigma, t, r, w):
    """Price, delta, vega, theta, rho by one backward pass with create_graph; gamma, vanna, volga by two more."""
    f, sigma, t, r = (x.detach().requires_grad_() for x in (f, sigma, t, r))
    price = black76_price(f, k, sigma, t, r, w)
    delta, vega, dt, rho = torch.autograd.grad(price.sum(), (f, sigma, t, r), create_graph=True)
    gamma, vanna = torch.autograd.grad(delta.sum(), (f, sigma), retain_graph=True)
    (volga,) = torch.autograd.grad(vega.sum(), (sigma,))
    return price.detach(), delta.detach(), vega.detach(), -dt.detach(), rho.detach(), gamma, vanna, volga


def closed_form_greeks(f, k, sigma, t, r, w):
    sqrt_t = t.sqrt()
    v = sigma * sqrt_t
    d1 = (f / k).log() / v + 0.5 * v
    d2 = d1 - v
    disc = torch.exp(-r * t)
    n1, n2, p = ncdf(w * d1), ncdf(w * d2), npdf(d1)
    price = disc * w * (f * n1 - k * n2)
    delta = disc * w * n1
    vega = disc * f * p * sqrt_t
    theta = r * price - vega * sigma / (2 * t)
    rho = -t * price
    gamma = disc * p / (f * v)
    vanna = -disc * p * d2 / sigma
    volga = vega * d1 * d2 / sigma
    return price, delta, vega, theta, rho, gamma, vanna, volga


def random_options(n, device):
    torch.manual_seed(7)
    u = lambda lo, hi: torch.rand(n, dtype=torch.float64) * (hi - lo) + lo
    f = u(50, 150)
    k = f * torch.exp(u(-0.4, 0.4))
    sigma, t, r = u(0.05, 0.8), u(0.05, 3), u(-0.01, 0.08)
    w = torch.where(torch.rand(n) < 0.5, 1.0, -1.0).to(torch.float64)
    return [x.to(device) for x in (f, k, sigma, t, r, w)]


def seed_option(device):
    return [torch.tensor([x], dtype=torch.float64, device=device) for x in (100.0, 100.0, 0.3, 1.0, 0.01, 1.0)]


def main():
    name = sys.argv[1]
    device = sys.argv[2] if len(sys.argv) > 2 else "cpu"
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    if name in ("greeks/single_option_all_greeks", "greeks/single_option_libtorch_autograd"):
        opt = seed_option(device)
        calls = 300

        def run():
            for _ in range(calls):
                autograd_greeks(*opt)[-1].item()

        us = median(time_runs(run, 7)) / calls * 1e6
        report(name, us, "us", False, "seed option, autograd with create_graph, price+7 Greeks")
    elif name in ("greeks/1m_autograd", "greeks/1m_closed_form"):
        opt = random_options(N, device)
        fn = autograd_greeks if name.endswith("autograd") else closed_form_greeks

        def run():
            fn(*opt)
            sync()

        secs = median(time_runs(run, 5 if fn is autograd_greeks else 9))
        report(name, N / secs, "options/s", True, "1M Black-76 calls/puts, price+7 Greeks, float64, one graph")
    else:
        print("unknown workload " + name, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
