#!/usr/bin/env python3
"""End-to-end validation run: serve a workload on the real GPU and record per-request times and total energy, in
the validation-run format of docs/ARCHITECTURE.md (DIR/run.json + DIR/workload.csv).

  python3 calibration/harness/validate_run.py --stack hf-eager --workload W.csv --batch-size 8 --mode offline \
      --out calibration/validation/hf-eager-static-b8-azure-conv --repeats 2
  python3 calibration/harness/validate_run.py --stack hf-paged --workload W.csv --mode online --arrival-span-s 40 \
      --out calibration/validation/hf-paged-online-azure-conv --repeats 2

Workload CSV: arrival_s,input_tokens,output_tokens. Prompts are random token ids of the given lengths (fixed seed);
the model has random weights and never stops early, so each request produces exactly output_tokens tokens.

hf-eager: static batches of --batch-size consecutive requests (workload order), left-padded to the batch's longest
  prompt with an attention mask, `generate` with max_new_tokens = the batch's largest output. A request's
  first_token_s is the end of its batch's prefill (GPU synchronized once, at the first logits), its finish_s the
  moment its batch's `generate` returns. Offline: all requests at t=0, batches back to back. Online: a batch starts
  once its last request has arrived and the previous batch is done.
hf-paged: transformers continuous batching, default config. Offline: every request submitted at t=0 (entering the
  scheduler together). Online: each request submitted at its arrival time to the running manager. first_token_s and
  finish_s come from the library's per-request token timestamps and lifespan.

Energy is the NVML total-energy counter from t=0 to the last finish (idle gaps included). Each repeat serves the
whole workload again with fresh random prompts (hf-paged's prefix cache would otherwise reuse the last repeat's KV
blocks); the top-level makespan_s / energy_j are medians over repeats and `requests` come from the repeat whose
makespan is closest to the median (every repeat's values are kept under `repeats`).

Warm-up before the repeats: --warmup short (default) prefills every prompt once; --warmup full serves the whole
workload once untimed and records it as `cold_pass`: with torch's default cuDNN attention, the first time a step
shape appears costs a plan build (tens of ms), so the timed repeats then run warm. A continuous-batching run online
meets new shapes at almost every step whatever the warm-up.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import records  # noqa: E402
from hf_paged import add_cb_arguments, cb_overrides  # noqa: E402
from nvml_meter import EnergyMeter, environment, gpu_key  # noqa: E402

FORMAT = "joulesim-validation-run/1"


def read_workload(path: str) -> list[dict]:
    with open(path) as f:
        rows = [{"arrival_s": float(r["arrival_s"]), "input_tokens": int(r["input_tokens"]),
                 "output_tokens": int(r["output_tokens"])} for r in csv.DictReader(f)]
    rows.sort(key=lambda r: r["arrival_s"])  # stable: ids follow file order within equal times
    t0 = rows[0]["arrival_s"] if rows else 0.0
    for r in rows:
        r["arrival_s"] -= t0
    return rows


def write_workload(path: str, rows: list[dict]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["arrival_s", "input_tokens", "output_tokens"])
        for r in rows:
            w.writerow([round(r["arrival_s"], 4), r["input_tokens"], r["output_tokens"]])


# ----------------------------------------------------------------------------------------------------- hf-eager
def eager_batches(n: int, batch_size: int) -> list[list[int]]:
    return [list(range(k, min(n, k + batch_size))) for k in range(0, n, batch_size)]


def run_eager_once(model, rows, prompts, batch_size: int, online: bool) -> dict:
    from device import sync
    from hf_eager import left_padded_batch, run_generate

    batches = eager_batches(len(rows), batch_size)
    reqs = [None] * len(rows)
    batch_log = []
    sync()
    t0 = time.perf_counter()
    for k, members in enumerate(batches):
        if online:
            ready = max(rows[i]["arrival_s"] for i in members)
            delay = t0 + ready - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        ids, mask = left_padded_batch([prompts[i] for i in members])
        o = max(rows[i]["output_tokens"] for i in members)
        r = run_generate(model, ids, mask, o, clock_first_token=True)
        start, end = r["t0"] - t0, r["t1"] - t0
        first = start + r["first_token_seconds"]
        batch_log.append({"batch": k, "size": len(members), "padded_input_tokens": ids.shape[1],
                          "max_new_tokens": o, "start_s": round(start, 6), "first_token_s": round(first, 6),
                          "end_s": round(end, 6)})
        for i in members:
            reqs[i] = {"first_token_s": round(first, 6), "finish_s": round(end, 6), "batch": k}
    t_end = time.perf_counter()
    return {"t0": t0, "t_end": t_end, "requests": reqs, "batches": batch_log}


def eager_warmup(model, rows, prompts, batch_size: int) -> None:
    """Prefill-only pass over every batch shape of the workload (kernels and allocator), then a short decode."""
    from hf_eager import left_padded_batch, run_generate

    for members in eager_batches(len(rows), batch_size):
        ids, mask = left_padded_batch([prompts[i] for i in members])
        run_generate(model, ids, mask, 2)


def summarize(doc: dict, repeats: list[dict], rows: list[dict], idle: dict) -> None:
    """Top-level measured values: medians over repeats; requests from the repeat closest to the median makespan."""
    if not repeats:
        return
    ms = [r["makespan_s"] for r in repeats]
    es = [r["energy_j"] for r in repeats]
    med_ms, med_e = statistics.median(ms), statistics.median(es)
    pick = min(range(len(repeats)), key=lambda k: abs(repeats[k]["makespan_s"] - med_ms))
    reqs = [{"id": i, "arrival_s": round(rows[i]["arrival_s"], 4), **repeats[pick]["requests"][i]}
            for i in range(len(rows))]
    doc["measured"] = {
        "makespan_s": round(med_ms, 4),
        "energy_j": round(med_e, 2),
        "avg_power_w": round(med_e / med_ms, 2),
        "idle_power_w": idle["watts_median"],
        "idle": {k: v for k, v in idle.items() if k != "watts_samples"},
        "makespan_spread_s": [min(ms), max(ms)],
        "energy_spread_j": [min(es), max(es)],
        "requests_from_repeat": pick,
        "repeats": repeats,
        "requests": reqs,
    }


# ----------------------------------------------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stack", required=True, choices=["hf-eager", "hf-paged"])
    ap.add_argument("--workload", required=True, help="CSV arrival_s,input_tokens,output_tokens")
    ap.add_argument("--batch-size", type=int, default=8, help="hf-eager static batch size (ignored by hf-paged)")
    ap.add_argument("--mode", choices=["offline", "online"], default="offline")
    ap.add_argument("--out", required=True, help="output folder (run.json, workload.csv)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--model", default="llama-3.1-8b")
    ap.add_argument("--gpu", default=None, help="GPU key for run.json (default: from the device name, e.g. h200)")
    ap.add_argument("--name", default=None, help="run name (default: the output folder's name)")
    ap.add_argument("--arrival-scale", type=float, default=None, help="online: multiply arrival times by this")
    ap.add_argument("--arrival-span-s", type=float, default=None,
                    help="online: scale arrival times so the last request arrives at this many seconds")
    ap.add_argument("--idle-s", type=float, default=10.0)
    ap.add_argument("--budget-s", type=float, default=0, help="stop starting new repeats after this (0 = no limit)")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N requests")
    ap.add_argument("--warmup", choices=["short", "full"], default="short",
                    help="short: prefill every prompt shape once (+2 tokens); full: serve the whole workload once "
                         "untimed, so every step shape has been seen before the timed repeats")
    ap.add_argument("--arch-file", default=None, help="architecture JSON (default models/architectures/<model>.json)")
    add_cb_arguments(ap)
    ap.add_argument("--cudnn-sdp", choices=["default", "on", "off"], default="default",
                    help="torch cuDNN attention kernel: leave torch's default, or force on/off")
    args = ap.parse_args()
    t_start = time.time()

    rows = read_workload(args.workload)
    if args.limit:
        rows = rows[:args.limit]
    scale = 1.0
    if args.mode == "online":
        span = rows[-1]["arrival_s"] if rows else 0.0
        if args.arrival_span_s is not None and span > 0:
            scale = args.arrival_span_s / span
        elif args.arrival_scale is not None:
            scale = args.arrival_scale
        for r in rows:
            r["arrival_s"] *= scale
    else:
        for r in rows:
            r["arrival_s"] = 0.0
    name = args.name or os.path.basename(os.path.normpath(args.out))
    os.makedirs(args.out, exist_ok=True)
    write_workload(os.path.join(args.out, "workload.csv"), rows)

    import torch

    from hf_eager import random_prompts
    from host_jitter import cpu_share, cpu_ticks
    from host_probe import host_probe
    from model_builder import build_model

    meter = EnergyMeter()
    env = environment(meter)
    from device import apply_cudnn_sdp

    model, info = build_model(args.model, attn_implementation="sdpa", arch_file=args.arch_file)
    info["sdpa_backends"] = apply_cudnn_sdp(args.cudnn_sdp)
    lengths = [r["input_tokens"] for r in rows]
    vocab = model.config.vocab_size
    # Fresh prompts for the warm-up and for every repeat: hf-paged's default config keeps complete KV blocks of
    # earlier requests for prefix sharing, so replaying the same prompts would skip most of their prefill.
    prompts_for = lambda rep: random_prompts(lengths, vocab, seed=12345 + rep)  # noqa: E731
    from device import DEVICE, sync

    with torch.no_grad():
        model(torch.ones((1, 8), dtype=torch.long, device=DEVICE))
    sync()
    time.sleep(1.0)
    idle = meter.idle(args.idle_s)
    print(f"idle {idle['watts_median']} W (counter {idle['watts_counter_average']} W)", flush=True)

    doc = {
        "format": FORMAT,
        "name": name,
        "gpu": args.gpu or gpu_key(env["gpu_name"]),
        "model": args.model,
        "stack": args.stack,
        "scheduler": ({"kind": "static", "batch_size": args.batch_size} if args.stack == "hf-eager"
                      else {"kind": "continuous"}),
        "mode": args.mode,
        "command": env["command"],
        "environment": env,
        "workload": {"source": os.path.relpath(os.path.abspath(args.workload)), "requests": len(rows),
                     "arrival_scale": scale if args.mode == "online" else None,
                     "arrivals": "all at t=0" if args.mode == "offline" else "trace arrival times x arrival_scale",
                     "prompts": "random token ids, seed 12345 + repeat (fresh each repeat, so no prefix-cache "
                                "hits); random-weight model, no EOS"},
        "model_info": info,
        "measured": None,
    }
    out_json = os.path.join(args.out, "run.json")
    repeats = []
    server = None
    try:
        if args.stack == "hf-paged":
            from hf_paged import PagedServer, StepLog, step_summary

            server = PagedServer(model, StepLog(), cb_overrides=cb_overrides(args))
            cb = server.resolved_config()
            # keys the simulator's scheduler section understands first, then everything the library resolved to
            doc["scheduler"].update({"batch_size": cb["max_requests_per_batch"],
                                     "max_batched_tokens": cb["max_batch_tokens"], "chunked_prefill": True,
                                     "kv_block_tokens": cb["block_size"], "kv_blocks": cb["num_blocks"]})
            doc["scheduler"]["resolved"] = cb
            # warm-up: every prompt prefilled once plus a couple of decode steps, all at once
        e0 = meter.energy_j()
        if args.stack == "hf-paged":
            if args.warmup == "full":
                arrivals = None if args.mode == "offline" else [r["arrival_s"] for r in rows]
                w = server.run(prompts_for(-1), [r["output_tokens"] for r in rows], arrivals_s=arrivals,
                               log_steps=False)
            else:
                server.run(prompts_for(-1), [2] * len(rows), log_steps=False)
        elif args.warmup == "full":
            w = run_eager_once(model, rows, prompts_for(-1), args.batch_size, online=(args.mode == "online"))
        else:
            eager_warmup(model, rows, prompts_for(-1), args.batch_size)
        doc["warmup"] = args.warmup
        if args.warmup == "full":
            # the untimed pass is the first time these step shapes run: keep what it cost
            cold_ms = max(q["finish_s"] for q in w["requests"])
            doc["cold_pass"] = {"makespan_s": round(cold_ms, 4), "energy_j": round(meter.energy_j() - e0, 2),
                                "note": "the warm-up pass: same workload, fresh prompts, first time these step "
                                        "shapes run in this process (cuDNN attention plans built on first use)"}
            print(f"cold pass: makespan {cold_ms:.3f} s, energy {doc['cold_pass']['energy_j']:.1f} J", flush=True)
        sync()
        time.sleep(1.0)
        last = 0.0
        for rep in range(args.repeats):
            if args.budget_s and rep > 0 and time.time() - t_start + 1.1 * last + 2 > args.budget_s:
                print("budget: stopping before repeat", rep, flush=True)
                doc["stopped_early"] = f"time budget: {rep} of {args.repeats} repeats"
                break
            t_rep = time.time()
            prompts = prompts_for(rep)
            # the host's speed and the hypervisor's steal around each repeat: eager runs are host-bound, and a lent
            # VM's host changes between repeats (docs/COST-MODEL.md)
            probe = host_probe()
            ticks0 = cpu_ticks()
            e0 = meter.energy_j()
            if args.stack == "hf-eager":
                res = run_eager_once(model, rows, prompts, args.batch_size, online=(args.mode == "online"))
            else:
                arrivals = None if args.mode == "offline" else [r["arrival_s"] for r in rows]
                res = server.run(prompts, [r["output_tokens"] for r in rows], arrivals_s=arrivals)
            e1 = meter.energy_j()
            ticks1 = cpu_ticks()
            t0 = res["t0"]
            makespan = max(q["finish_s"] for q in res["requests"])
            rep_doc = {
                "makespan_s": round(makespan, 4),
                "energy_j": round(e1 - e0, 2),
                "window_s": round(res["t_end"] - t0, 4),
                "avg_power_w": round((e1 - e0) / (res["t_end"] - t0), 2),
                "sm_mhz_after": meter.sm_mhz(),
                "power_samples_w": [p for _, p in meter.power_samples(t0, res["t_end"])],
                "requests": res["requests"],
                "host": {"launch_us": probe.get("launch_us"), "python_us": probe.get("python_us"),
                         "cpu_share": cpu_share(ticks0, ticks1)},
            }
            if args.stack == "hf-eager":
                rep_doc["batches"] = res["batches"]
            else:
                summ = step_summary(res["raw_steps"], t0)
                rep_doc["step_count"] = summ["step_count"]
                rep_doc["steps"] = summ["steps"]
                rep_doc["step_timings"] = summ["step_timings"]
            repeats.append(rep_doc)
            print(f"repeat {rep}: makespan {makespan:.3f} s, energy {e1 - e0:.1f} J, "
                  f"{rep_doc['avg_power_w']} W", flush=True)
            # written after every repeat, so a run stopped by its time limit keeps what it measured
            summarize(doc, repeats, rows, idle)
            records.write_json(out_json, doc)
            last = time.time() - t_rep
            time.sleep(1.0)
    except Exception:
        doc["error"] = traceback.format_exc()
        print(doc["error"], flush=True)
    finally:
        if server is not None:
            server.close()

    summarize(doc, repeats, rows, idle)
    doc["wall_seconds"] = round(time.time() - t_start, 1)
    records.write_json(out_json, doc)
    meter.close()
    print("wrote", out_json, flush=True)
    return 1 if ("error" in doc or not repeats) else 0


if __name__ == "__main__":
    sys.exit(main())
