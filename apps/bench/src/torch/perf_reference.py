"""PyTorch (CPU) timings of the perf suite's workloads A and B, for `pnpm bench perf`.

The same workloads as the TypeScript side (apps/bench/src/perf/workload_a.ts, workload_b.ts):
  A: MLP 20 -> 100 -> 100 -> 1 (ReLU), MSE, backward, Adam step, per batch size.
  B: the MGAIL policy objective unrolled T steps: Gaussian policy 11 -> 100 -> 100 -> 3
     (ReLU, tanh-squashed, reparameterized noise), forward model (state encoder 11 -> 100,
     GRU cell 100, action encoder 3 -> 100, elementwise product, decoder 100 -> 100 -> 11,
     residual), discriminator 14 -> 100 -> 100 -> 1 giving log D; J = sum_t gamma^t mean log D;
     gradient of -J w.r.t. the policy only, then Adam.
  SAC: the updates of one env step of SAC at the MuJoCo experts' shapes (obs 17, act 6, actor
     and twin critics 256x256, batch 256), CleanRL's sac_continuous_action.py schedule: a critic
     step every env step, actor and alpha twice every second step, Polyak targets every step;
     timed over two env steps and halved.
Each step ends with loss.item(), as the TypeScript step reads the loss back.

usage: python3 perf_reference.py [--threads N] [--workloads a,b,sac] [--batches 64,256,1024]
                                 [--reps N] [--warmup N] [--b-batch 32] [--horizon 50] [--sac-batch 256]
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


SAC_OBS, SAC_ACT, SAC_H = 17, 6, 256


class SACActor(nn.Module):
    """CleanRL's actor: state-dependent log std squashed into [-5, 2], tanh-squashed Gaussian."""
    def __init__(s):
        super().__init__()
        s.l1, s.l2 = nn.Linear(SAC_OBS, SAC_H), nn.Linear(SAC_H, SAC_H)
        s.mu, s.logstd = nn.Linear(SAC_H, SAC_ACT), nn.Linear(SAC_H, SAC_ACT)

    def sample(s, o):
        h = F.relu(s.l2(F.relu(s.l1(o))))
        log_std = torch.tanh(s.logstd(h))
        log_std = -5 + 0.5 * (2 - -5) * (log_std + 1)
        normal = torch.distributions.Normal(s.mu(h), log_std.exp())
        x = normal.rsample()
        y = torch.tanh(x)
        logp = (normal.log_prob(x) - torch.log(1 - y.pow(2) + 1e-6)).sum(1)
        return y, logp


def sac_q():
    return nn.Sequential(nn.Linear(SAC_OBS + SAC_ACT, SAC_H), nn.ReLU(), nn.Linear(SAC_H, SAC_H), nn.ReLU(), nn.Linear(SAC_H, 1))


def bench_sac(batch, warm, reps, buffer=10_000, gamma=0.99, tau=0.005):
    actor, q1, q2, q1t, q2t = SACActor(), sac_q(), sac_q(), sac_q(), sac_q()
    q1t.load_state_dict(q1.state_dict())
    q2t.load_state_dict(q2.state_dict())
    q_opt = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), 1e-3)
    a_opt = torch.optim.Adam(actor.parameters(), 3e-4)
    log_alpha = torch.zeros(1, requires_grad=True)
    alpha_opt = torch.optim.Adam([log_alpha], 1e-3)
    target_entropy = -SAC_ACT
    obs, nxt = torch.randn(buffer, SAC_OBS), torch.randn(buffer, SAC_OBS)
    act, rew = torch.rand(buffer, SAC_ACT) * 2 - 1, torch.randn(buffer)
    done = (torch.rand(buffer) < 0.01).float()
    n = [0]

    def env_step():
        idx = torch.randint(0, buffer, (batch,))
        o, a, r, o2, d = obs[idx], act[idx], rew[idx], nxt[idx], done[idx]
        alpha = log_alpha.exp().item()
        with torch.no_grad():
            a2, logp2 = actor.sample(o2)
            oa2 = torch.cat([o2, a2], 1)
            min_q = torch.min(q1t(oa2), q2t(oa2)).view(-1) - alpha * logp2
            y = r + (1 - d) * gamma * min_q
        oa = torch.cat([o, a], 1)
        q1v, q2v = q1(oa).view(-1), q2(oa).view(-1)
        q_loss = F.mse_loss(q1v, y) + F.mse_loss(q2v, y)
        q_opt.zero_grad()
        q_loss.backward()
        q_opt.step()
        q_loss.item()
        n[0] += 1
        if n[0] % 2 == 0:
            for _ in range(2):
                pi, logp = actor.sample(o)
                opi = torch.cat([o, pi], 1)
                a_loss = (log_alpha.exp().item() * logp - torch.min(q1(opi), q2(opi)).view(-1)).mean()
                a_opt.zero_grad()
                a_loss.backward()
                a_opt.step()
                a_loss.item()
                # as the TypeScript learner: alpha's loss reuses the actor step's log pi, held fixed
                al_loss = (-log_alpha.exp() * (logp.detach().mean() + target_entropy))
                alpha_opt.zero_grad()
                al_loss.backward()
                alpha_opt.step()
        with torch.no_grad():
            for net, tgt in ((q1, q1t), (q2, q2t)):
                for p, tp in zip(net.parameters(), tgt.parameters()):
                    tp.mul_(1 - tau).add_(tau * p)

    def two_steps():
        env_step()
        env_step()

    return [t / 2 for t in timeit(two_steps, warm, reps)]


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--workloads', default='a,b')
    p.add_argument('--batches', default='64,256,1024')
    p.add_argument('--reps', type=int, default=None, help='timed steps (default: 200, 30 at batch >= 1024; 20 for B; 50 for SAC)')
    p.add_argument('--warmup', type=int, default=None, help='untimed steps first (default: 20 for A, 3 for B)')
    p.add_argument('--b-batch', type=int, default=32)
    p.add_argument('--horizon', type=int, default=50)
    p.add_argument('--sac-batch', type=int, default=256)
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
    if 'sac' in which:
        warm = 3 if a.warmup is None else a.warmup
        reps = 50 if a.reps is None else a.reps
        emit('SAC', a.sac_batch, bench_sac(a.sac_batch, warm, reps), warm, unit='ms per env step')


if __name__ == '__main__':
    main()
