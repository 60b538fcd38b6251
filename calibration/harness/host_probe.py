"""How fast this machine's host CPU drives the GPU, recorded with every measurement and validation run.

HF eager decoding is host-bound: its step time follows the Python interpreter and the kernel-launch path, and the
lent VMs differ there by 30-40% (docs/COST-MODEL.md). Two short probes put a number on each machine so that a
profile's host terms can be tied to the host that measured them:
  launch_us   mean host time to launch one tiny CUDA kernel through PyTorch's dispatcher (no synchronisation in
              between), the per-kernel cost an eager forward pays ~1,500 times per step;
  python_us   mean time of a fixed pure-Python loop body (attribute lookups, a call, a dict update): the
              interpreter's own speed, which `generate`'s per-step bookkeeping follows.
Each is the median of 5 repeats; the spread is kept. About half a second in all.
"""

from __future__ import annotations

import statistics
import time


def _python_loop(n: int) -> float:
    class Box:
        __slots__ = ("v",)

        def __init__(self):
            self.v = 0

    def bump(b, k):
        b.v += k
        return b.v

    d: dict[int, int] = {}
    b = Box()
    t0 = time.perf_counter()
    for i in range(n):
        d[i & 63] = bump(b, i)
    return (time.perf_counter() - t0) / n * 1e6


def host_probe() -> dict:
    import torch

    from device import DEVICE, sync

    out: dict = {}
    py = [_python_loop(200_000) for _ in range(5)]
    out["python_us"] = round(statistics.median(py), 4)
    out["python_us_spread"] = [round(min(py), 4), round(max(py), 4)]
    if DEVICE == "cuda":
        x = torch.ones(1, device="cuda")
        for _ in range(200):  # warm the dispatcher and the kernel's module
            x.add_(1.0)
        sync()
        launches = []
        for _ in range(5):
            t0 = time.perf_counter()
            for _ in range(2000):
                x.add_(1.0)
            t1 = time.perf_counter()
            sync()
            launches.append((t1 - t0) / 2000 * 1e6)
        out["launch_us"] = round(statistics.median(launches), 4)
        out["launch_us_spread"] = [round(min(launches), 4), round(max(launches), 4)]
    out["note"] = __doc__.split("\n\n")[1].replace("\n", " ")[:400]
    return out
