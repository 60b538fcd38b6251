"""Why does an HF eager decode step take 20 ms one minute and 43 ms the next on the same lent VM?

Times every decode step of `generate` (a logits processor stamps the host clock once per step; generate's own
end-of-step check synchronises with the GPU, so the stamps are step periods) under a few host conditions, in one
process, and records what the host was doing alongside:
  default      as every measurement and validation run is made
  gc_off       Python's cyclic garbage collector disabled (a gen-2 collection over transformers' objects can take
               tens of ms)
  threads_1    torch.set_num_threads(1) (PyTorch's CPU thread pool spinning against the main thread)
  default_again the first condition again, to see drift within the process
For each generate call: per-step seconds, the CPU steal and iowait ticks from /proc/stat over the call (a VM whose
vCPU waits for the hypervisor shows steal), the host probe (host_probe.py) before it, and the CPU MHz.
A GPU-bound shape (padded batch 16 at 2048) is timed the same way: its step period less the profiler's GPU time is
the serial host gap. Reads only: never changes clocks, power limits or other device settings.

  python3 calibration/harness/host_jitter.py --out /tmp/res/jitter --budget-s 150
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time

import torch
from transformers import LogitsProcessor, LogitsProcessorList

sys.path.insert(0, os.path.dirname(__file__))
from device import DEVICE, sync  # noqa: E402
from hf_eager import generation_config, left_padded_batch, random_prompts  # noqa: E402
from host_probe import host_probe  # noqa: E402
from model_builder import build_model  # noqa: E402
import records  # noqa: E402


class StepClock(LogitsProcessor):
    def __init__(self):
        self.stamps: list[float] = []

    def __call__(self, input_ids, scores):
        self.stamps.append(time.perf_counter())
        return scores


def cpu_ticks() -> dict:
    with open("/proc/stat") as f:
        parts = f.readline().split()
    names = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
    return {n: int(v) for n, v in zip(names, parts[1:9])}


def cpu_share(c0: dict, c1: dict) -> dict:
    """Each state's share of all CPU ticks between two /proc/stat readings (steal: the hypervisor ran someone else)."""
    total = sum(c1[k] - c0[k] for k in c0) or 1
    return {k: round((c1[k] - c0[k]) / total, 4) for k in ("user", "system", "idle", "iowait", "steal")}


def cpu_mhz() -> float | None:
    try:
        with open("/proc/cpuinfo") as f:
            mhz = [float(l.split(":")[1]) for l in f if l.startswith("cpu MHz")]
        return round(statistics.median(mhz), 1) if mhz else None
    except OSError:
        return None


@torch.no_grad()
def timed_generate(model, ids, mask, new_tokens: int) -> dict:
    clock = StepClock()
    c0 = cpu_ticks()
    sync()
    t0 = time.perf_counter()
    model.generate(input_ids=ids, attention_mask=mask, generation_config=generation_config(new_tokens),
                   logits_processor=LogitsProcessorList([clock]))
    sync()
    t1 = time.perf_counter()
    c1 = cpu_ticks()
    gaps = [b - a for a, b in zip(clock.stamps, clock.stamps[1:])]
    return {
        "seconds": round(t1 - t0, 5),
        "prefill_s": round(clock.stamps[0] - t0, 5) if clock.stamps else None,
        "step_ms": [round(g * 1e3, 3) for g in gaps],
        "step_ms_median": round(statistics.median(gaps) * 1e3, 3) if gaps else None,
        "step_ms_p10_p90": ([round(statistics.quantiles(gaps, n=10)[0] * 1e3, 3),
                             round(statistics.quantiles(gaps, n=10)[-1] * 1e3, 3)] if len(gaps) > 10 else None),
        "cpu_share": cpu_share(c0, c1),
        "cpu_mhz": cpu_mhz(),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default="llama-3.1-8b")
    ap.add_argument("--budget-s", type=float, default=150)
    ap.add_argument("--calls", type=int, default=3, help="generate calls per condition")
    args = ap.parse_args()
    t_start = time.time()
    os.makedirs(args.out, exist_ok=True)
    model, _ = build_model(args.model)
    vocab = model.config.vocab_size
    doc: dict = {"command": " ".join([sys.executable] + sys.argv), "torch": torch.__version__,
                 "torch_threads": torch.get_num_threads(), "cpu_count": os.cpu_count(), "conditions": []}
    ids8, mask8 = left_padded_batch(random_prompts([1024] * 8, vocab, 7))
    lengths16 = [2048 - 96 * i for i in range(16)]
    ids16, mask16 = left_padded_batch(random_prompts(lengths16, vocab, 8))
    # warm every shape first (cuDNN plans, allocator)
    timed_generate(model, ids8, mask8, 8)
    timed_generate(model, ids16, mask16, 4)

    def condition(name: str, setup, teardown) -> None:
        if time.time() - t_start > args.budget_s:
            doc.setdefault("skipped", []).append(name)
            return
        setup()
        calls = []
        for _ in range(args.calls):
            probe = host_probe()
            r = timed_generate(model, ids8, mask8, 96)
            r["host_probe"] = {k: probe.get(k) for k in ("launch_us", "python_us")}
            calls.append(r)
            print(name, r["step_ms_median"], r["step_ms_p10_p90"], r["cpu_share"], r["host_probe"], flush=True)
        teardown()
        doc["conditions"].append({"name": name, "batch": 8, "input_tokens": 1024, "new_tokens": 96, "calls": calls})

    threads = torch.get_num_threads()
    condition("default", lambda: None, lambda: None)
    condition("gc_off", lambda: (gc.collect(), gc.disable()), gc.enable)
    condition("threads_1", lambda: torch.set_num_threads(1), lambda: torch.set_num_threads(threads))
    condition("default_again", lambda: None, lambda: None)

    # GPU-bound: padded b16 at 2048; the profiler's GPU busy time over the same generate call's decode steps
    if time.time() - t_start < args.budget_s:
        timed = [timed_generate(model, ids16, mask16, 24) for _ in range(2)]
        from torch.profiler import ProfilerActivity, profile

        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            timed_generate(model, ids16, mask16, 24)
        busy = sum(e.device_time_total for e in prof.key_averages() if e.device_time_total > 0
                   and not e.key.startswith("ProfilerStep")) / 1e6
        doc["gpu_bound"] = {"batch": 16, "input_tokens_max": 2048, "padded": True, "new_tokens": 24,
                            "calls": timed, "profiled_call_device_seconds_sum": round(busy, 5),
                            "note": "device_time_total summed over ops is an upper bound on busy time when ops "
                                    "nest; compare step_ms_median with the kernel-class model's GPU time"}
        print("gpu-bound", [t["step_ms_median"] for t in timed], busy, flush=True)
    doc["wall_seconds"] = round(time.time() - t_start, 1)
    records.write_json(os.path.join(args.out, "host-jitter.json"), doc)
    print("wrote", os.path.join(args.out, "host-jitter.json"), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
