#!/usr/bin/env python3
"""torch.compile against eager for HF `generate` (the paper's compile / CUDA-graph finding, docs/COST-MODEL.md).

Three variants of the same greedy decode (uniform batch, no padding, exact output length):
  eager-dynamic   the default: DynamicCache, eager kernels (what the hf-eager profile is fitted on)
  eager-static    a StaticCache (cache_implementation="static") with transformers' automatic compilation
                  disabled (disable_compile=True): isolates the cache layout from compilation
  compiled-static a StaticCache with transformers' automatic compilation of the decode forward (its default
                  CompileConfig: fullgraph, mode "reduce-overhead", i.e. CUDA graphs)
For each (variant, shape): the first call's wall time (compilation included), then >= --window-s of repeated calls
under the NVML energy counter. A variant that fails or exceeds the budget is recorded with its error, not fatal.

  python3 calibration/harness/compile_probe.py --out DIR [--shapes 1x512x64,8x512x64] [--budget-s 200]
Writes DIR/compile-probe.json. Reads only: no device setting is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default="llama-3.1-8b")
    ap.add_argument("--shapes", default="1x512x64,8x512x64")
    ap.add_argument("--window-s", type=float, default=2.0)
    ap.add_argument("--budget-s", type=float, default=200.0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    t_start = time.time()
    import torch
    from transformers import GenerationConfig

    from device import sync
    from hf_eager import PAD_ID, left_padded_batch, random_prompts
    from model_builder import build_model
    from nvml_meter import EnergyMeter, environment

    meter = EnergyMeter()
    doc = {"format": "joulesim-compile-probe/1", "environment": environment(meter), "results": [],
           "note": __doc__.strip()}
    model, info = build_model(args.model, attn_implementation="sdpa")
    doc["model_info"] = info
    path = os.path.join(args.out, "compile-probe.json")

    def gen_config(o: int, variant: str) -> GenerationConfig:
        kw = dict(max_new_tokens=o, min_new_tokens=o, do_sample=False, eos_token_id=None, bos_token_id=None,
                  pad_token_id=PAD_ID, use_cache=True)
        if variant != "eager-dynamic":
            kw["cache_implementation"] = "static"
        if variant == "eager-static":
            kw["disable_compile"] = True
        return GenerationConfig(**kw)

    shapes = [tuple(int(x) for x in s.split("x")) for s in args.shapes.split(",")]
    for variant in ("eager-dynamic", "eager-static", "compiled-static"):
        for b, i, o in shapes:
            left = args.budget_s - (time.time() - t_start)
            row = {"variant": variant, "batch": b, "input_tokens": i, "output_tokens": o}
            if left < 25:
                row["skipped"] = "time budget"
                doc["results"].append(row)
                continue
            ids, mask = left_padded_batch(random_prompts([i] * b, model.config.vocab_size, seed=b * 1000 + i))
            cfg = gen_config(o, variant)

            def call():
                sync()
                t0 = time.perf_counter()
                with torch.no_grad():
                    out = model.generate(input_ids=ids, attention_mask=mask, generation_config=cfg)
                sync()
                if out.shape[1] - ids.shape[1] != o:
                    raise RuntimeError("wrong output length")
                return time.perf_counter() - t0

            try:
                row["first_call_seconds"] = round(call(), 4)
                row["second_call_seconds"] = round(call(), 4)
                times = []
                with meter.window() as w:
                    while True:
                        times.append(call())
                        if w.elapsed() >= args.window_s or time.time() - t_start > args.budget_s - 10:
                            break
                row.update(calls=len(times), seconds_per_call=round(w.seconds / len(times), 5),
                           joules_per_call=round(w.joules / len(times), 3), avg_watts=round(w.avg_watts, 1),
                           seconds_min=round(min(times), 5), seconds_max=round(max(times), 5),
                           sm_mhz_after=meter.sm_mhz())
                try:
                    from torch._dynamo.utils import counters
                    row["dynamo_unique_graphs"] = int(counters["stats"].get("unique_graphs", 0))
                except Exception:
                    pass
            except Exception as e:
                row["error"] = repr(e)[:400]
                row["traceback_tail"] = traceback.format_exc()[-800:]
            doc["results"].append(row)
            print(row, flush=True)
            with open(path, "w") as f:
                json.dump(doc, f, indent=1)
    doc["wall_seconds"] = round(time.time() - t_start, 1)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    meter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
