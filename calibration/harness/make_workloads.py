#!/usr/bin/env python3
"""Sample the validation workloads from the Azure LLM inference traces (2023), reproducibly.

  python3 calibration/harness/make_workloads.py --traces DIR [--count 48]

DIR holds AzureLLMInferenceTrace_conv.csv and AzureLLMInferenceTrace_code.csv, the 2023 Azure LLM inference traces
(https://github.com/Azure/AzurePublicDataset, CC-BY-4.0; scenarios/traces/ has the same two files).

Writes, under calibration/validation/workloads/ (small files, so they travel to the GPU machine with the repo):
  azure-conv-48.csv      48 consecutive requests of AzureLLMInferenceTrace_conv.csv from a seeded start row
  azure-code-48.csv      48 consecutive requests of AzureLLMInferenceTrace_code.csv from a seeded start row
  azure-conv-lengths.csv 1000 (input, output) pairs drawn with a seed from the whole conversation trace (lengths
                         only, used by measure.py for its mixed-length batches)
  smoke-8.csv            8 short requests for the harness smoke test
Columns: arrival_s,input_tokens,output_tokens, arrival_s relative to the first request of the window (the trace's
own timing, unscaled). Lengths are capped so each run stays short on HF eager (a decode step costs 30-60 ms there):
input <= 2048, output <= 128 (capped, not dropped, so the arrival pattern is kept); zero-length rows become 1.
Consecutive rows keep the trace's burstiness.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "validation", "workloads")
SEED = 20231116
MAX_INPUT = 2048
MAX_OUTPUT = 128


def read_trace(path: str) -> list[tuple[float, int, int]]:
    rows = []
    with open(path) as f:
        for r in csv.DictReader(f):
            ts = r["TIMESTAMP"]
            # "2023-11-16 18:15:46.6805900": 7 fractional digits, more than strptime's %f takes
            base, frac = ts.split(".") if "." in ts else (ts, "0")
            t = datetime.datetime.strptime(base, "%Y-%m-%d %H:%M:%S").timestamp() + float("0." + frac)
            rows.append((t, int(r["ContextTokens"]), int(r["GeneratedTokens"])))
    rows.sort(key=lambda x: x[0])
    return rows


def window(rows, count: int, rng: random.Random) -> list[tuple[float, int, int]]:
    start = rng.randrange(0, len(rows) - count)
    sel = rows[start:start + count]
    t0 = sel[0][0]
    return [(round(t - t0, 4), min(MAX_INPUT, max(1, i)), min(MAX_OUTPUT, max(1, o))) for t, i, o in sel], start


def write(path: str, rows) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["arrival_s", "input_tokens", "output_tokens"])
        w.writerows(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--traces", required=True, help="folder holding the two 2023 Azure traces (e.g. scenarios/traces)")
    ap.add_argument("--count", type=int, default=48)
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(SEED)
    conv = read_trace(os.path.join(args.traces, "AzureLLMInferenceTrace_conv.csv"))
    code = read_trace(os.path.join(args.traces, "AzureLLMInferenceTrace_code.csv"))
    notes = []
    for name, rows in (("azure-conv", conv), ("azure-code", code)):
        sel, start = window(rows, args.count, rng)
        path = os.path.join(OUT, f"{name}-{args.count}.csv")
        write(path, sel)
        ins = [i for _, i, _ in sel]
        outs = [o for _, _, o in sel]
        notes.append(f"{name}-{args.count}.csv: trace rows {start}..{start + args.count - 1} (sorted by time), "
                     f"span {sel[-1][0]:.2f} s, input mean {sum(ins)/len(ins):.0f} max {max(ins)}, "
                     f"output mean {sum(outs)/len(outs):.0f} max {max(outs)}")
    pool = [(i, o) for _, i, o in rng.sample(conv, 1000)]
    with open(os.path.join(OUT, "azure-conv-lengths.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["input_tokens", "output_tokens"])
        w.writerows(pool)
    smoke = [(round(0.25 * k, 2), 64 + 48 * k, 4 + 2 * k) for k in range(8)]
    write(os.path.join(OUT, "smoke-8.csv"), smoke)
    for n in notes:
        print(n)


if __name__ == "__main__":
    main()
