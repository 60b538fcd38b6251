"""GPU time by kernel class, from torch.profiler, for the kernel-class cost model (docs/COST-MODEL.md).

One profiled execution of a measured point gives, per class, the summed device time of its kernels and their
count, plus the GPU's busy time (union of kernel intervals) and the execution's wall time. Classes:

  gemm            cuBLAS / CUTLASS matrix products (projections, MLP, LM head), gemv included
  attention       scaled-dot-product attention kernels (flash, cuDNN, memory-efficient, math softmax/bmm)
  kv_materialize  copies made by `repeat_kv`: grouped K/V heads expanded to every query head (sdpa with a mask)
  kv_cache        the KV cache's own traffic: DynamicCache concatenation, paged index_copy / index_select
  communication   NCCL collectives (tensor parallelism)
  elementwise     everything else: norms, rotary, activations, residual adds, sampling, small copies

The two K/V classes cannot be told apart from other copies by kernel name, so for the profiled execution the
functions that make them (transformers' `repeat_kv` and the cache layers' `update`) are wrapped in
`record_function` ranges, and a kernel launched under such a range is put in that class. The wrappers are
installed only around the profiled execution and removed afterwards: the timed energy windows run unwrapped.
"""

from __future__ import annotations

import contextlib
import re
import sys

GEMM = re.compile(r"gemm|gemv|cutlass|xmma|nvjet|cublas|splitk|matmul", re.I)
ATTENTION = re.compile(r"flash|fmha|cudnn|attention|attn|sdpa|softmax", re.I)
NCCL = re.compile(r"nccl", re.I)

RANGE_REPEAT_KV = "joulesim::repeat_kv"
RANGE_CACHE = "joulesim::kv_cache"
CLASSES = ("gemm", "attention", "kv_materialize", "kv_cache", "communication", "elementwise")


def classify(kernel_name: str, ranges: set[str]) -> str:
    if RANGE_REPEAT_KV in ranges:
        return "kv_materialize"
    if RANGE_CACHE in ranges:
        return "kv_cache"
    if NCCL.search(kernel_name):
        return "communication"
    if GEMM.search(kernel_name):
        return "gemm"
    if ATTENTION.search(kernel_name):
        return "attention"
    return "elementwise"


def _wrap(fn, range_name):
    import torch

    def wrapped(*args, **kwargs):
        with torch.profiler.record_function(range_name):
            return fn(*args, **kwargs)

    wrapped.__joulesim_original__ = fn
    return wrapped


@contextlib.contextmanager
def annotated_kv_functions():
    """Wraps every loaded `repeat_kv` function in transformers and the cache layers' `update` methods in named
    profiler ranges for the duration of the block. Yields the list of what was wrapped (recorded with the data)."""
    patched: list[tuple[object, str, object]] = []
    for name, mod in list(sys.modules.items()):
        if not name.startswith("transformers") or mod is None:
            continue
        fn = getattr(mod, "repeat_kv", None)
        if callable(fn) and not hasattr(fn, "__joulesim_original__"):
            patched.append((mod, "repeat_kv", fn))
    try:
        from transformers import cache_utils

        for cls_name in dir(cache_utils):
            cls = getattr(cache_utils, cls_name)
            if isinstance(cls, type) and "update" in cls.__dict__ and cls_name.endswith("Layer"):
                patched.append((cls, "update", cls.__dict__["update"]))
    except ImportError:
        pass
    try:  # transformers' continuous batching: PagedAttentionCache.update writes and gathers the paged K/V
        from transformers.generation.continuous_batching import cache as cb_cache

        cls = getattr(cb_cache, "PagedAttentionCache", None)
        if cls is not None and "update" in cls.__dict__:
            patched.append((cls, "update", cls.__dict__["update"]))
    except ImportError:
        pass
    for owner, attr, fn in patched:
        setattr(owner, attr, _wrap(fn, RANGE_REPEAT_KV if attr == "repeat_kv" else RANGE_CACHE))
    try:
        yield [f"{getattr(o, '__name__', o)}.{a}" for o, a, _ in patched]
    finally:
        for owner, attr, fn in patched:
            setattr(owner, attr, fn)


def _ancestor_ranges(evt) -> set[str]:
    out = set()
    p = evt
    while p is not None:
        if p.name.startswith("joulesim::"):
            out.add(p.name)
        p = p.cpu_parent
    return out


def profile_execution(execute) -> dict:
    """Runs `execute()` once under torch.profiler (CPU + CUDA activity) and returns the kernel-class breakdown."""
    import time

    import torch
    from torch.profiler import ProfilerActivity, profile

    from device import sync

    with annotated_kv_functions() as wrapped:
        sync()
        t0 = time.perf_counter()
        with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
            execute()
            sync()
        wall = time.perf_counter() - t0
    classes = {c: {"seconds": 0.0, "kernels": 0} for c in CLASSES}
    top: dict[str, list] = {}
    events = prof.events()
    cuda = torch.autograd.DeviceType.CUDA
    # Device-side copies of our record_function ranges: a kernel that starts inside one belongs to that class.
    # (The CPU ops' `kernels` lists were found to count some kernels more than once on large prefills: their sum
    # exceeded the busy time by 45%, so only the device timeline is used.)
    ranges = sorted((e.time_range.start, e.time_range.end, e.name) for e in events
                    if e.device_type == cuda and e.name.startswith("joulesim::"))
    seen_keys = set()
    kernels = []
    for e in events:
        if e.device_type != cuda or e.name.startswith("joulesim::"):
            continue
        s0, s1 = e.time_range.start, e.time_range.end
        key = (e.name, s0, s1)
        if s1 <= s0 or key in seen_keys:
            continue
        seen_keys.add(key)
        kernels.append((s0, s1, e.name))
    kernels.sort()
    j = 0
    active: list[tuple] = []
    for s0, s1, name in kernels:
        while j < len(ranges) and ranges[j][0] <= s0:
            active.append(ranges[j])
            j += 1
        active = [r for r in active if r[1] >= s0]
        inside = {r[2] for r in active if r[0] <= s0 <= r[1]}
        low = name.lower()
        cls = "elementwise" if ("memcpy" in low or "memset" in low) and not inside else classify(name, inside)
        dur_s = (s1 - s0) / 1e6
        classes[cls]["seconds"] += dur_s
        classes[cls]["kernels"] += 1
        t = top.setdefault(name[:120], [cls, 0.0, 0])
        t[1] += dur_s
        t[2] += 1
    seen = len(kernels)
    busy_us, cur_s, cur_e = 0.0, None, None
    for s0, s1, _ in kernels:  # sorted by start
        if cur_e is None or s0 > cur_e:
            if cur_e is not None:
                busy_us += cur_e - cur_s
            cur_s, cur_e = s0, s1
        else:
            cur_e = max(cur_e, s1)
    if cur_e is not None:
        busy_us += cur_e - cur_s
    for c in classes.values():
        c["seconds"] = round(c["seconds"], 7)
    top_rows = sorted(top.items(), key=lambda kv: -kv[1][1])[:25]
    return {
        "classes": classes,
        "gpu_busy_seconds": round(busy_us / 1e6, 7),
        "kernel_seconds_sum": round(sum(c["seconds"] for c in classes.values()), 7),
        "kernels": seen,
        "profiled_wall_seconds": round(wall, 6),
        "top_kernels": [{"name": n, "class": v[0], "seconds": round(v[1], 7), "count": v[2]} for n, v in top_rows],
        "annotated": wrapped,
        "annotation_ranges_on_device": len(ranges),
        "note": "one execution under torch.profiler (CPU+CUDA); wall time includes profiler overhead on the host",
    }
