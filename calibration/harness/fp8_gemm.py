#!/usr/bin/env python3
"""fp8 against bf16 GEMMs on this GPU, for the quantized-model rates (issue 14, docs/MECHANISMS.md).

The projections of one Llama-3.1-8B layer (q, k, v, o, gate, up, down: K x N weights) at token counts M, each as
a bf16 `a @ w.T` and as an fp8 e4m3 `torch._scaled_mm` with per-tensor scales (bf16 output), timed with CUDA events
(median of repeats after a warm-up). Two M values are also run for >= 1.5 s under the NVML energy counter, one
layer's seven GEMMs back to back: M=16 (weight-streaming, decode-like) and M=8192 (compute-bound, prefill-like).
The activation cast to fp8 (dynamic quantisation: amax, scale, cast) is timed on its own, since a serving stack
pays it once per projection input.

  python3 calibration/harness/fp8_gemm.py --out DIR
Writes DIR/fp8-gemm.json. Reads only: no device setting is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

LAYER = [("q_proj", 4096, 4096), ("k_proj", 4096, 1024), ("v_proj", 4096, 1024), ("o_proj", 4096, 4096),
         ("gate_proj", 4096, 14336), ("up_proj", 4096, 14336), ("down_proj", 14336, 4096)]
TOKENS = [16, 64, 256, 1024, 4096, 16384]


def time_ms(fn, reps: int = 30) -> dict:
    import torch

    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    out = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        out.append(s.elapsed_time(e))
    return {"median_ms": round(statistics.median(out), 5), "min_ms": round(min(out), 5), "max_ms": round(max(out), 5)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget-s", type=float, default=60.0)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    import torch

    from nvml_meter import EnergyMeter, environment

    t_start = time.time()
    meter = EnergyMeter()
    doc = {"format": "joulesim-fp8-gemm/1", "environment": environment(meter), "layer": LAYER, "rows": [],
           "energy": [], "note": __doc__.strip()}
    f8 = torch.float8_e4m3fn
    one = torch.tensor(1.0, device="cuda")
    weights = {}
    torch.manual_seed(0)
    for name, k, n in LAYER:
        w = (torch.randn(n, k, device="cuda", dtype=torch.bfloat16) * 0.02)
        weights[name] = (w, w.to(f8))

    def bf16_call(a, w):
        return a @ w.t()

    def fp8_call(a8, w8):
        return torch._scaled_mm(a8, w8.t(), scale_a=one, scale_b=one, out_dtype=torch.bfloat16)

    path = os.path.join(args.out, "fp8-gemm.json")
    for m in TOKENS:
        if time.time() - t_start > args.budget_s * 0.6:
            doc.setdefault("skipped", []).append(m)
            continue
        for name, k, n in LAYER:
            a = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
            a8 = a.to(f8)
            w, w8 = weights[name]
            row = {"m": m, "k": k, "n": n, "proj": name, "flops": 2 * m * k * n,
                   "weight_bytes_bf16": 2 * k * n, "weight_bytes_fp8": k * n}
            row["bf16"] = time_ms(lambda: bf16_call(a, w))
            try:
                row["fp8"] = time_ms(lambda: fp8_call(a8, w8))
            except Exception as e:  # a shape or build without fp8 support: recorded, not fatal
                row["fp8_error"] = repr(e)[:300]

            def quantise():
                amax = a.abs().amax()
                scale = (448.0 / amax.clamp(min=1e-12)).float()
                return (a * scale).to(f8)

            row["activation_quantise"] = time_ms(quantise)
            for key in ("bf16", "fp8"):
                if key in row:
                    sec = row[key]["median_ms"] / 1e3
                    row[key]["tflops"] = round(row["flops"] / sec / 1e12, 2)
                    row[key]["weight_gb_s"] = round(row[f"weight_bytes_{key}"] / sec / 1e9, 1)
            doc["rows"].append(row)
        with open(path, "w") as f:
            json.dump(doc, f, indent=1)
        print(f"m={m}: " + ", ".join(f"{r['proj']} bf16 {r['bf16']['median_ms']:.4f} fp8 "
                                       f"{r.get('fp8', {}).get('median_ms', float('nan')):.4f} ms"
                                       for r in doc["rows"] if r["m"] == m), flush=True)
    # energy: one layer's GEMMs back to back, long enough for the 100 ms counter
    idle = meter.idle(2.0)
    doc["idle"] = {k: v for k, v in idle.items() if k != "watts_samples"}
    for m in (16, 8192):
        acts = {name: torch.randn(m, k, device="cuda", dtype=torch.bfloat16) for name, k, _ in LAYER}
        acts8 = {name: a.to(f8) for name, a in acts.items()}
        for key in ("bf16", "fp8"):
            def layer():
                for name, _, _ in LAYER:
                    w, w8 = weights[name]
                    if key == "bf16":
                        bf16_call(acts[name], w)
                    else:
                        fp8_call(acts8[name], w8)
            try:
                for _ in range(20):
                    layer()
                torch.cuda.synchronize()
                calls = 0
                with meter.window() as win:
                    while True:
                        for _ in range(50):
                            layer()
                        calls += 50
                        torch.cuda.synchronize()
                        if win.elapsed() >= 1.5:
                            break
                flops = sum(2 * m * k * n for _, k, n in LAYER)
                wbytes = sum(k * n for _, k, n in LAYER) * (2 if key == "bf16" else 1)
                doc["energy"].append({"m": m, "dtype": key, "layers": calls, "seconds": round(win.seconds, 4),
                                      "joules": round(win.joules, 3), "avg_watts": round(win.avg_watts, 1),
                                      "seconds_per_layer": win.seconds / calls, "joules_per_layer": win.joules / calls,
                                      "flops_per_layer": flops, "weight_bytes_per_layer": wbytes,
                                      "sm_mhz_after": meter.sm_mhz()})
                print("energy", doc["energy"][-1], flush=True)
            except Exception as e:
                doc["energy"].append({"m": m, "dtype": key, "error": repr(e)[:300]})
    doc["wall_seconds"] = round(time.time() - t_start, 1)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    meter.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
