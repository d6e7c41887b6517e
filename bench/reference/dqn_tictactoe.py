"""dqn_tictactoe/selfplay_moves in PyTorch Python: DQN self-play on tic-tac-toe with the seed's 9-32-32-9 network.
Per move: an epsilon-greedy action (epsilon 0.1, illegal cells masked) from the online network, the transition into a
replay buffer (preallocated tensors), one Adam step (lr 1e-3) on a uniform batch of 64 with negamax targets
y = r if done else -gamma * max over legal a' of Q_target(s', a') (s' seen from the opponent), MSE loss, then the EMA
target update target <- (1 - tau) target + tau online (tau 0.01). Moves per second."""
import random
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import median, report

LINES = [(0, 1, 2), (3, 4, 5), (6, 7, 8), (0, 3, 6), (1, 4, 7), (2, 5, 8), (0, 4, 8), (2, 4, 6)]


def winner(cells):
    for a, b, c in LINES:
        if cells[a] != 0 and cells[a] == cells[b] == cells[c]:
            return cells[a]
    return 0


def net():
    return nn.Sequential(nn.Linear(9, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 9))


def selfplay(name, device, moves_per_run):
    torch.manual_seed(42)
    rng = random.Random(42)
    gamma, tau, eps, batch, capacity = 0.9, 0.01, 0.1, 64, 50000
    online = net().to(device)
    target = net().to(device)
    target.load_state_dict(online.state_dict())
    opt = torch.optim.Adam(online.parameters(), lr=1e-3)
    obs = torch.zeros(capacity, 9, device=device)
    nxt = torch.zeros(capacity, 9, device=device)
    act = torch.zeros(capacity, dtype=torch.int64, device=device)
    rew = torch.zeros(capacity, device=device)
    done = torch.zeros(capacity, dtype=torch.bool, device=device)
    legal = torch.zeros(capacity, 9, dtype=torch.bool, device=device)
    state = {"size": 0, "next": 0, "moves": 0}

    def train():
        idx = torch.randint(0, state["size"], (batch,), device=device)
        s, a, r, s2, d, m2 = obs[idx], act[idx], rew[idx], nxt[idx], done[idx], legal[idx]
        with torch.no_grad():
            q2 = target(s2).masked_fill(~m2, float("-inf")).max(1).values
            y = torch.where(d, r, -gamma * q2)
        q = online(s).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = F.mse_loss(q, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            for pt, po in zip(target.parameters(), online.parameters()):
                pt.lerp_(po, tau)

    def game():
        cells, mover = [0] * 9, 1
        while True:
            free = [k for k in range(9) if cells[k] == 0]
            features = [c * mover for c in cells]
            if rng.random() < eps:
                a = rng.choice(free)
            else:
                with torch.no_grad():
                    q = online(torch.tensor(features, dtype=torch.float32, device=device))
                    mask = torch.tensor([c != 0 for c in cells], device=device)
                    a = int(q.masked_fill(mask, float("-inf")).argmax())
            cells[a] = mover
            w = winner(cells)
            over = w != 0 or all(c != 0 for c in cells)
            mover = -mover
            i = state["next"]
            obs[i] = torch.tensor(features, dtype=torch.float32)
            nxt[i] = torch.tensor([c * mover for c in cells], dtype=torch.float32)
            act[i], rew[i], done[i] = a, 1.0 if w != 0 else 0.0, over
            legal[i] = torch.tensor([c == 0 and not over for c in cells])
            state["next"] = (i + 1) % capacity
            state["size"] = min(state["size"] + 1, capacity)
            state["moves"] += 1
            if state["size"] >= batch:
                train()
            if over:
                return

    while state["moves"] < 1000:
        game()
    rates = []
    for _ in range(3):
        start, t0 = state["moves"], time.perf_counter()
        while state["moves"] - start < moves_per_run:
            game()
        rates.append((state["moves"] - start) / (time.perf_counter() - t0))
    report(name, median(rates), "moves/s", True,
           "PyTorch %s (%s), 9-32-32-9, 1 Adam step (batch 64) per move, median of 3 x %d moves"
           % (torch.__version__, device, moves_per_run))


if __name__ == "__main__":
    name = sys.argv[1]
    device = sys.argv[2] if len(sys.argv) > 2 else "cpu"
    if name in ("dqn_tictactoe/selfplay_moves", "dqn_tictactoe/selfplay_moves_libtorch"):
        selfplay(name, device, int(__import__("os").environ.get("DQN_BENCH_MOVES", "3000")))
    else:
        sys.exit("unknown workload " + name)
