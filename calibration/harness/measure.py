#!/usr/bin/env python3
"""Measure step costs of one model on one GPU, for the joulesim fitter (format: docs/ARCHITECTURE.md).

  python3 calibration/harness/measure.py --model llama-3.1-8b --stack hf-eager --out DIR [--budget-s N] [--quick]
  python3 calibration/harness/measure.py --model llama-3.1-8b --stack hf-paged --out DIR [--budget-s N] [--quick]

Writes DIR/<stack>.json (rewritten after every point, so a run stopped by its budget keeps what it measured) and
DIR/<stack>.log. Every point is warmed up once, then timed in energy windows of >= --window-s seconds (the NVML
energy counter ticks about every 100 ms): `seconds` holds one entry per execution (the jitter), `joules` one entry
per window (window energy / executions in it), and `energy_windows` the raw windows.

hf-eager (model.generate, greedy, exactly max_new_tokens new tokens):
  prefill  batch {1,2,4,8,16,32,64} x input {32,128,512,1024,2048,4096}, max_new_tokens=1, B*I <= 65536
  decode   batch {1,4,8,16,32,64,128} x input {128,1024}, max_new_tokens=64 (a prefill step + 63 decode steps)
  mixed    batch {4,8,16} of Azure-conversation-like prompt lengths (fixed seed), left-padded with an attention
           mask, max_new_tokens=32; steps are the padded shapes, true lengths in `true_input_tokens`
hf-paged (transformers continuous batching, default config; B requests submitted together):
  batch {1,8,32,64} x input {128,1024} x output {64}; every scheduler step is logged (prefill chunks with their
  cached tokens, decode sequences with their contexts) and written as the record's `steps`, with per-step wall
  times in `step_timings`. Each point gives three records: "cold" (first time these step shapes run in the
  process; torch's default cuDNN attention builds a plan per new shape, which is what serving sees since almost
  every continuous-batching step has a new shape), "warm" (same shapes again) and "cold" at input I+O.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import records  # noqa: E402
from hf_paged import add_cb_arguments, cb_overrides  # noqa: E402
from nvml_meter import EnergyMeter, environment  # noqa: E402
from session import Budget, Log  # noqa: E402

PREFILL_BATCHES = [1, 2, 4, 8, 16, 32, 64]
PREFILL_INPUTS = [32, 128, 512, 1024, 2048, 4096]
MAX_PREFILL_TOKENS = 65536
DECODE_BATCHES = [1, 4, 8, 16, 32, 64, 128]
DECODE_INPUTS = [128, 1024]
DECODE_OUTPUT = 64
MIXED_BATCHES = [4, 8, 16]
MIXED_OUTPUT = 32
PAGED_BATCHES = [1, 8, 32, 64]
PAGED_INPUTS = [128, 1024]
PAGED_OUTPUT = 64
# --grid kernel: the H200 kernel-class grid (docs/COST-MODEL.md). Short decode runs (o16) so that one profiled
# execution stays small; contexts up to 4k and batches up to 32, uniform and padded at the same widths, so the
# masked path's extra K/V traffic is seen against the unmasked one at equal shapes.
KERNEL_DECODE = [(b, i) for i in (512, 2048, 4000) for b in (1, 8, 16, 32)]
KERNEL_PADDED = [(b, i) for i in (512, 2048) for b in (8, 16, 32)] + [(8, 4000), (16, 4000)]
KERNEL_PREFILL = [(1, 128), (1, 512), (1, 2048), (4, 512), (8, 1024), (16, 2048), (32, 1024), (4, 4096)]
KERNEL_MIXED = [8, 16, 32]
KERNEL_OUTPUT = 16




def conversation_lengths(batch: int, seed: int) -> list[int]:
    """Prompt lengths drawn from the Azure 2023 conversation trace shipped with the workloads (capped at 2048), or
    from a lognormal fit of it (median ~1020) if that file is not there."""
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "validation", "workloads", "azure-conv-lengths.csv")
    rng = random.Random(seed)
    if os.path.exists(path):
        with open(path) as f:
            next(f)
            pool = [int(line.split(",")[0]) for line in f if line.strip()]
        return [min(2048, max(16, rng.choice(pool))) for _ in range(batch)]
    return [min(2048, max(16, int(rng.lognormvariate(6.9, 0.9)))) for _ in range(batch)]


def timed_point(meter: EnergyMeter, execute, window_s: float, windows: int, warmup: int = 1) -> dict:
    """Warm up, then run `execute()` (returns a dict with 'seconds') until each energy window is >= window_s."""
    from device import sync

    for _ in range(warmup):
        execute()
    sync()
    seconds, joules, wins, extras = [], [], [], []
    for _ in range(windows):
        count = 0
        with meter.window() as w:
            while True:
                r = execute()
                seconds.append(r["seconds"])
                extras.append(r)
                count += 1
                if w.elapsed() >= window_s:
                    break
        joules.append(w.joules / count)
        wins.append({"executions": count, "seconds": round(w.seconds, 4), "joules": round(w.joules, 3),
                     "avg_watts": round(w.avg_watts, 1), "power_samples_w": [p for _, p in w.power_samples]})
    return {"seconds": seconds, "joules": joules, "windows": wins, "extras": extras}


# ----------------------------------------------------------------------------------------------------- hf-eager
def kernel_grid_points():
    pts = [("decode", b, i, KERNEL_OUTPUT) for b, i in KERNEL_DECODE]
    pts += [("padded", b, i, KERNEL_OUTPUT) for b, i in KERNEL_PADDED]
    pts += [("mixed", b, 0, KERNEL_OUTPUT) for b in KERNEL_MIXED]
    pts += [("prefill", b, i, 1) for b, i in KERNEL_PREFILL]
    return pts


def eager_points(quick: bool, mixed_batches=None, mixed_outputs=None, mixed_seeds: int = 1, grid: str = "default"):
    if grid == "kernel" and not quick:
        return kernel_grid_points()
    pts = []
    if quick:
        dec = [(1, 128), (4, 128)]
        pre = [(1, 32), (2, 128)]
        mixed = [4]
        dec_out, mixed_out = 8, 8
    else:
        dec = [(b, i) for i in DECODE_INPUTS for b in DECODE_BATCHES]
        pre = [(b, i) for b in PREFILL_BATCHES for i in PREFILL_INPUTS if b * i <= MAX_PREFILL_TOKENS]
        mixed = MIXED_BATCHES
        dec_out, mixed_out = DECODE_OUTPUT, MIXED_OUTPUT
    # decode first (it dominates serving energy), the heaviest decode point last
    for b, i in dec:
        pts.append(("decode", b, i, dec_out))
    for b, i in pre:
        pts.append(("prefill", b, i, 1))
    # padded batches: the given grid (batches x outputs x length draws) or the default one
    mixed = mixed_batches or mixed
    for o in (mixed_outputs or [mixed_out]):
        for b in mixed:
            for draw in range(mixed_seeds):
                pts.append(("mixed", b, draw, o))
    return pts


def run_eager(args, meter, model, log, budget, doc, out_path):
    import torch

    from hf_eager import left_padded_batch, random_prompts, run_generate

    vocab = model.config.vocab_size
    only = set(args.only.split(",")) if args.only else None
    batches = {int(x) for x in args.batches.split(",")} if args.batches else None
    inputs = {int(x) for x in args.inputs.split(",")} if args.inputs else None
    mixed_batches = [int(x) for x in args.mixed_batches.split(",")] if args.mixed_batches else None
    mixed_outputs = [int(x) for x in args.mixed_outputs.split(",")] if args.mixed_outputs else None
    for kind, b, i, o in eager_points(args.quick, mixed_batches, mixed_outputs, args.mixed_draws, args.grid):
        if (only and kind not in only) or (batches and b not in batches):
            continue
        if inputs and kind in ("decode", "padded") and i not in inputs:
            continue
        if budget.left() < 15:
            log("budget exhausted; skipping", kind, b, i, o)
            doc["skipped"].append({"kind": kind, "batch": b, "input": i, "output": o, "why": "time budget"})
            continue
        seed = 1000 * b + (i or 0) + o
        if kind == "padded":
            # every row the same width but one a token shorter: the batch needs a mask (the padded path) while its
            # work is that of a uniform batch of width i
            lengths = [i] * (b - 1) + [i - 1]
        elif kind == "mixed":
            # draw 0 keeps the original grid's lengths (seed = batch); later draws take other prompts
            lengths = conversation_lengths(b, seed=b + 7919 * (i or 0))
        else:
            lengths = [i] * b
        prompts = random_prompts(lengths, vocab, seed)
        ids, mask = left_padded_batch(prompts)
        width = ids.shape[1]
        label = f"{kind} b{b} i{width if kind != 'mixed' else f'max{width}'} o{o}" + (f" draw{i}" if kind == "mixed" and i else "")
        if args.quick and kind == "padded":
            continue
        window_s = args.window_s
        windows = args.windows or (1 if args.quick else 2)
        # a rough cost guess from one warm-up decides whether the point fits in what is left
        try:
            t = time.perf_counter()
            run_generate(model, ids, mask, o)
            one = cold = time.perf_counter() - t
            need = max(window_s, one) * windows + one + 2
            if need > budget.left() - 10:
                windows = 1
                need = max(window_s, one) + one + 2
            if need > budget.left() - 10:
                log("not enough budget for", label, f"(needs ~{need:.0f}s)")
                doc["skipped"].append({"label": label, "why": f"time budget (needs ~{need:.0f}s)"})
                continue
            res = timed_point(meter, lambda: run_generate(model, ids, mask, o, clock_first_token=(o > 1)),
                              window_s, windows, warmup=1)
        except torch.cuda.OutOfMemoryError as e:
            torch.cuda.empty_cache()
            log("OOM", label, str(e).splitlines()[0])
            doc["skipped"].append({"label": label, "why": "CUDA out of memory"})
            continue
        if kind == "prefill":
            steps = [{"kind": "prefill", "count": b, "new_tokens": i, "cached_tokens": 0}]
        else:
            steps = records.uniform_generate_steps(b, width, o)
        extra = {"energy_windows": res["windows"], "batch": b, "input_tokens": width, "output_tokens": o,
                 "cold_seconds": round(cold, 6)}
        if o > 1:
            extra["first_token_seconds"] = [round(r["first_token_seconds"], 6) for r in res["extras"]
                                            if r.get("first_token_seconds") is not None]
        if args.profile_kernels:
            from kernel_classes import profile_execution

            # a short execution (prefill + up to 3 decode steps): the profiler's cost grows with the kernel count
            po = min(o, args.profile_output)
            run_generate(model, ids, mask, po)
            try:
                prof = profile_execution(lambda: run_generate(model, ids, mask, po))
            except Exception as e:  # a profiler failure must not lose the point's measurement
                prof = {"error": repr(e)[:500]}
            prof["steps"] = (steps if po == o else
                             [{"kind": "prefill", "count": b, "new_tokens": i, "cached_tokens": 0}] if kind == "prefill"
                             else records.uniform_generate_steps(b, width, po))
            prof["output_tokens"] = po
            extra["kernel_profile"] = prof
        if kind in ("mixed", "padded"):
            extra.update(true_input_tokens=lengths, padded_input_tokens=width, attention_mask=True,
                         padded=len(set(lengths)) > 1,
                         padding="left", length_source="azure-2023 conversation ContextTokens, capped at 2048"
                         if kind == "mixed" else f"{b - 1} rows of {i} tokens and one of {i - 1}")
        rec = records.make_record(label, steps, res["seconds"], res["joules"], meter.sm_mhz(), **extra)
        doc["records"].append(rec)
        records.write_json(out_path, doc)
        log(f"{label}: {rec['seconds_median']*1000:.1f} ms [{rec['seconds_spread']['min']*1000:.1f}-"
            f"{rec['seconds_spread']['max']*1000:.1f}] x{rec['reps']}, {rec['joules_median']:.1f} J, "
            f"{rec['avg_watts']} W, sm {rec['sm_mhz_after']} MHz, left {budget.left():.0f}s")


# ----------------------------------------------------------------------------------------------------- hf-paged
def paged_measure(server, meter, prompts_fn, outs, window_s, min_runs, budget) -> dict:
    """Serve the same request shapes repeatedly (fresh prompts each run) inside one energy window of >= window_s."""
    runs = []
    with meter.window() as w:
        while True:
            runs.append(server.run(prompts_fn(), outs))
            if (len(runs) >= min_runs and w.elapsed() >= window_s) or budget.left() < 20:
                break
    win = {"executions": len(runs), "seconds": round(w.seconds, 4), "joules": round(w.joules, 3),
           "avg_watts": round(w.avg_watts, 1), "power_samples_w": [p for _, p in w.power_samples]}
    return {"runs": runs, "window": win, "joules_per_run": w.joules / len(runs)}


def paged_record(label, b, i, o, shape_cache, res, meter) -> dict:
    from hf_paged import step_summary

    runs = res["runs"]
    summaries = [step_summary(r["raw_steps"], r["t0"]) for r in runs]
    first = summaries[0]
    same = all(s["steps"] == first["steps"] for s in summaries)
    extra = {
        "batch": b, "input_tokens": i, "output_tokens": o, "energy_windows": [res["window"]],
        "shape_cache": shape_cache,
        "submission": "all requests at t=0, entering the scheduler together (gated); fresh random prompts every run, "
                      "so no prefix-cache hits",
        "step_count": first["step_count"],
        "steps_identical_across_reps": same,
        "step_timings": [s["step_timings"] for s in summaries],
        "first_token_seconds": [[q["first_token_s"] for q in r["requests"]] for r in runs],
        "finish_seconds": [[q["finish_s"] for q in r["requests"]] for r in runs],
    }
    if not same:
        extra["steps_by_rep"] = [s["steps"] for s in summaries]
    seconds = [r["t_end"] - r["t0"] for r in runs]
    return records.make_record(label, first["steps"], seconds, [res["joules_per_run"]], meter.sm_mhz(), **extra)


def run_paged(args, meter, model, log, budget, doc, out_path):
    """Per grid point: a cold run (step shapes never seen by this process), a warm window (the same shapes again,
    fresh prompts), and a second cold run with input I+O (its decode shapes do not overlap the first run's). With
    torch's default cuDNN attention every new (query tokens, key tokens) shape pays a one-time plan build, and in
    continuous batching almost every step has a new shape, so serving runs cold: both are recorded."""
    from hf_eager import random_prompts
    from hf_paged import PagedServer, StepLog

    server = PagedServer(model, StepLog(), cb_overrides=cb_overrides(args))
    try:
        doc["stack_config"].update(server.resolved_config())
        doc["stack_config"]["record_kinds"] = run_paged.__doc__.strip()
        records.write_json(out_path, doc)
        log("resolved CB config:", doc["stack_config"])
        if args.quick:
            grid = [(1, 128, 8), (4, 128, 8)]
        else:
            # --batches / --inputs name the grid (their product), not a filter of the default one: a filter of
            # values the default grid lacks would leave nothing to measure
            bs = [int(x) for x in args.batches.split(",")] if args.batches else PAGED_BATCHES
            ins = [int(x) for x in args.inputs.split(",")] if args.inputs else PAGED_INPUTS
            grid = [(b, i, PAGED_OUTPUT) for i in ins for b in bs]
        vocab = model.config.vocab_size
        seed = iter(range(7000, 10_000_000))
        for b, i, o in grid:
            if budget.left() < 25:
                doc["skipped"].append({"label": f"paged b{b} i{i} o{o}", "why": "time budget"})
                continue
            outs = [o] * b
            # Fresh prompts for every run: the default config shares complete KV blocks between requests with
            # equal prefixes (prefix caching survives across runs), so reusing prompts would skip their prefill.
            plan = [(f"paged b{b} i{i} o{o} cold", i, "cold", 1, 0.0),
                    (f"paged b{b} i{i} o{o} warm", i, "warm", 1, args.window_s),
                    (f"paged b{b} i{i + o} o{o} cold", i + o, "cold2", 1, 0.0)]
            plan = [p for p in plan if p[2] in args.paged_runs.split(",")]
            for label, inp, kind, min_runs, window_s in plan:
                if budget.left() < 25:
                    doc["skipped"].append({"label": label, "why": "time budget"})
                    continue
                res = paged_measure(server, meter, lambda: random_prompts([inp] * b, vocab, seed=next(seed)), outs,
                                    window_s, min_runs, budget)
                rec = paged_record(label, b, inp, o, "cold" if kind == "cold2" else kind, res, meter)
                if args.profile_kernels and kind == "warm" and budget.left() > 30:
                    from kernel_classes import profile_execution

                    try:
                        rec["kernel_profile"] = profile_execution(
                            lambda: server.run(random_prompts([inp] * b, vocab, seed=next(seed)), outs))
                    except Exception as e:  # a profiler failure must not lose the point's measurement
                        rec["kernel_profile_error"] = repr(e)[:500]
                doc["records"].append(rec)
                records.write_json(out_path, doc)
                rows = rec["step_timings"][0]["rows"]
                fw = sum(row[2] for row in rows)
                log(f"{label}: {rec['seconds_median']:.3f} s x{rec['reps']}, {rec['joules_median']:.1f} J, "
                    f"{rec['avg_watts']} W, {rec['step_count']} steps, forward {fw:.3f} s, "
                    f"same steps {rec['steps_identical_across_reps']}, left {budget.left():.0f}s")
    finally:
        server.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="llama-3.1-8b")
    ap.add_argument("--stack", required=True, choices=["hf-eager", "hf-paged"])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--budget-s", type=float, default=540.0, help="stop starting new points after this (seconds)")
    ap.add_argument("--quick", action="store_true", help="tiny shapes, short windows (smoke test)")
    ap.add_argument("--only", default=None, help="hf-eager: comma list of prefill,decode,mixed to measure")
    ap.add_argument("--batches", default=None, help="comma list of batch sizes to keep (default: the whole grid)")
    ap.add_argument("--mixed-batches", default=None, help="hf-eager padded batches: comma list of batch sizes")
    ap.add_argument("--mixed-outputs", default=None, help="hf-eager padded batches: comma list of output lengths")
    ap.add_argument("--mixed-draws", type=int, default=1, help="hf-eager padded batches: prompt-length draws per size")
    ap.add_argument("--window-s", type=float, default=None, help="energy window length (default 2.0, quick 0.3)")
    ap.add_argument("--idle-s", type=float, default=None, help="idle-power sampling time (default 10, quick 2)")
    ap.add_argument("--grid", choices=["default", "kernel"], default="default",
                    help="hf-eager: the point grid (kernel: the kernel-class grid of docs/COST-MODEL.md)")
    ap.add_argument("--profile-kernels", action="store_true",
                    help="profile one execution per point with torch.profiler: GPU time by kernel class")
    ap.add_argument("--inputs", default=None,
                    help="comma list of input lengths to keep (hf-paged grid; hf-eager decode and padded points)")
    ap.add_argument("--paged-runs", default="cold,warm,cold2",
                    help="hf-paged: which runs per grid point (cold, warm, cold2 = a second cold run at input I+O)")
    ap.add_argument("--profile-output", type=int, default=4, help="new tokens of the profiled execution")
    ap.add_argument("--windows", type=int, default=None, help="energy windows per point (default 2, quick 1)")
    ap.add_argument("--arch-file", default=None, help="architecture JSON (default models/architectures/<model>.json)")
    add_cb_arguments(ap)
    ap.add_argument("--cudnn-sdp", choices=["default", "on", "off"], default="default",
                    help="torch cuDNN attention kernel: leave torch's default, or force on/off")
    args = ap.parse_args()
    if args.window_s is None:
        args.window_s = 0.3 if args.quick else 2.0
    if args.idle_s is None:
        args.idle_s = 2.0 if args.quick else 10.0

    budget = Budget(args.budget_s)
    os.makedirs(args.out, exist_ok=True)
    out_path = os.path.join(args.out, f"{args.stack}.json")
    log = Log(os.path.join(args.out, f"{args.stack}.log"))

    import torch

    from model_builder import build_model

    meter = EnergyMeter()
    env = environment(meter)
    log("environment:", env)
    from device import apply_cudnn_sdp

    model, info = build_model(args.model, attn_implementation="sdpa", arch_file=args.arch_file)
    info["sdpa_backends"] = apply_cudnn_sdp(args.cudnn_sdp)
    log("model:", info)
    # one small forward so the CUDA context and kernels are up before idle is sampled
    from device import DEVICE, sync

    with torch.no_grad():
        model(torch.ones((1, 8), dtype=torch.long, device=DEVICE))
    sync()
    time.sleep(1.0)
    idle = meter.idle(args.idle_s)
    idle["note"] = "model loaded, GPU idle, sampled before any measured point"
    log("idle:", {k: v for k, v in idle.items() if k != "watts_samples"})
    from nvml_meter import warm_idle

    idle_warm = warm_idle(meter, min(6.0, args.idle_s))
    log("warm idle:", {k: v for k, v in idle_warm.items() if k != "watts_samples"})

    stack_config = {"model_info": info, "quick": args.quick, "window_s": args.window_s}
    if args.stack == "hf-eager":
        stack_config.update(api="model.generate (greedy, do_sample=False, eos_token_id=None, exact max_new_tokens)",
                            cache="DynamicCache (transformers default)", attn_implementation="sdpa",
                            cuda_graphs=False, torch_compile=False)
    from nvml_meter import gpu_key

    doc = records.measurement_file(args.model, args.stack, env, stack_config, idle, [], skipped=[],
                                   gpu=gpu_key(env["gpu_name"]), idle_warm=idle_warm)
    records.write_json(out_path, doc)
    try:
        if args.stack == "hf-eager":
            run_eager(args, meter, model, log, budget, doc, out_path)
        else:
            run_paged(args, meter, model, log, budget, doc, out_path)
    except Exception:
        doc["error"] = traceback.format_exc()
        log("ERROR", doc["error"])
    doc["idle_after"] = {k: v for k, v in meter.idle(min(5.0, args.idle_s)).items()}
    doc["idle_after"]["note"] = "sampled right after the last point: the GPU cooling down from work"
    doc["wall_seconds"] = round(time.time() - budget.t0, 1)
    records.write_json(out_path, doc)
    meter.close()
    log("done:", len(doc["records"]), "records,", len(doc["skipped"]), "skipped,", doc["wall_seconds"], "s")
    return 1 if "error" in doc else 0


if __name__ == "__main__":
    sys.exit(main())
