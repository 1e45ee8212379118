"""PyTorch (CPU) timings of the perf suite's workloads A and B, for `pnpm bench perf`.

The same workloads as the TypeScript side (apps/bench/src/perf/workload_a.ts, workload_b.ts):
  A: MLP 20 -> 100 -> 100 -> 1 (ReLU), MSE, backward, Adam step, per batch size.
  B: the MGAIL policy objective unrolled T steps: Gaussian policy 11 -> 100 -> 100 -> 3
     (ReLU, tanh-squashed, reparameterized noise), forward model (state encoder 11 -> 100,
     GRU cell 100, action encoder 3 -> 100, elementwise product, decoder 100 -> 100 -> 11,
     residual), discriminator 14 -> 100 -> 100 -> 1 giving log D; J = sum_t gamma^t mean log D;
     gradient of -J w.r.t. the policy only, then Adam.
Each step ends with loss.item(), as the TypeScript step reads the loss back.

usage: python3 perf_reference.py [--threads N] [--workloads a,b] [--batches 64,256,1024]
                                 [--reps N] [--warmup N] [--b-batch 32] [--horizon 50]
Prints one JSON line per measurement; the first line describes torch.
"""
import argparse, json, os, re, statistics, time

import torch
import torch.nn as nn
import torch.nn.functional as F


def blas_library():
    """The BLAS shared object actually mapped: Debian's torch uses whatever libblas.so.3 resolves to
    (the reference BLAS unless OpenBLAS is installed or on LD_LIBRARY_PATH), which moves A by 5-10x."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if re.search(r'lib(open)?blas|mkl', line)}
        return ','.join(sorted(os.path.basename(os.path.dirname(l)) + '/' + os.path.basename(l) for l in libs)) or 'unknown'
    except OSError:
        return 'unknown'


def timeit(step, warm, reps):
    for _ in range(warm):
        step()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        ts.append((time.perf_counter() - t0) * 1e3)
    return ts


def bench_a(bs, warm, reps):
    net = nn.Sequential(nn.Linear(20, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(), nn.Linear(100, 1))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    x = torch.randn(bs, 20)
    y = torch.randn(bs, 1)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        loss.item()

    return timeit(step, warm, reps)


OBS, ACT, H, GAMMA = 11, 3, 100, 0.99


class Policy(nn.Module):
    def __init__(s):
        super().__init__()
        s.l1, s.l2, s.mu = nn.Linear(OBS, H), nn.Linear(H, H), nn.Linear(H, ACT)
        s.logstd = nn.Parameter(torch.full((ACT,), -0.5))

    def forward(s, o, eps):
        h = F.relu(s.l2(F.relu(s.l1(o))))
        return torch.tanh(s.mu(h) + s.logstd.exp() * eps)


class FM(nn.Module):
    def __init__(s):
        super().__init__()
        s.encS, s.encA, s.gru = nn.Linear(OBS, H), nn.Linear(ACT, H), nn.GRUCell(H, H)
        s.d1, s.d2 = nn.Linear(H, H), nn.Linear(H, OBS)

    def forward(s, o, a, h):
        hs = s.gru(F.relu(s.encS(o)), h)
        y = hs * F.relu(s.encA(a))
        return o + s.d2(F.relu(s.d1(y))), hs


class Disc(nn.Module):
    def __init__(s):
        super().__init__()
        s.l1, s.l2, s.l3 = nn.Linear(OBS + ACT, H), nn.Linear(H, H), nn.Linear(H, 1)

    def forward(s, o, a):
        return F.logsigmoid(s.l3(F.relu(s.l2(F.relu(s.l1(torch.cat([o, a], 1)))))))


def bench_b(batch, horizon, warm, reps):
    pol, fm, disc = Policy(), FM(), Disc()
    for p in list(fm.parameters()) + list(disc.parameters()):
        p.requires_grad_(False)  # gradients w.r.t. the policy only
    opt = torch.optim.Adam(pol.parameters(), 1e-4)
    s0, noise, h0 = torch.randn(batch, OBS), torch.randn(horizon, batch, ACT), torch.zeros(batch, H)

    def step():
        opt.zero_grad()
        s, h, J = s0, h0, 0.0
        for t in range(horizon):
            a = pol(s, noise[t])
            J = J + GAMMA ** t * disc(s, a).mean()
            s, h = fm(s, a, h)
        (-J).backward()
        opt.step()
        J.item()

    return timeit(step, warm, reps)


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--workloads', default='a,b')
    p.add_argument('--batches', default='64,256,1024')
    p.add_argument('--reps', type=int, default=None, help='timed steps (default: 200, 30 at batch >= 1024; 20 for B)')
    p.add_argument('--warmup', type=int, default=None, help='untimed steps first (default: 20 for A, 3 for B)')
    p.add_argument('--b-batch', type=int, default=32)
    p.add_argument('--horizon', type=int, default=50)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))  # loads BLAS so it can be named
    blas = blas_library()
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas}), flush=True)
    which = {w.strip().lower() for w in a.workloads.split(',')}

    def emit(workload, batch, ts, warm, **extra):
        print(json.dumps({'workload': workload, 'batch': batch, 'backend': 'torch-cpu', 'threads': a.threads,
                          'median_ms': round(statistics.median(ts), 4), 'min_ms': round(min(ts), 4),
                          'reps': len(ts), 'warmup': warm, 'torch': torch.__version__, 'blas': blas, **extra}), flush=True)

    if 'a' in which:
        for bs in (int(b) for b in a.batches.split(',')):
            warm = 20 if a.warmup is None else a.warmup
            reps = a.reps if a.reps is not None else (30 if bs >= 1024 else 200)
            emit('A', bs, bench_a(bs, warm, reps), warm)
    if 'b' in which:
        warm = 3 if a.warmup is None else a.warmup
        reps = 20 if a.reps is None else a.reps
        emit('B', a.b_batch, bench_b(a.b_batch, a.horizon, warm, reps), warm, horizon=a.horizon)


if __name__ == '__main__':
    main()
