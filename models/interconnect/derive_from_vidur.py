#!/usr/bin/env python3
"""Derives models/interconnect/vidur-*.json from Vidur's measured all-reduce tables (MIT, see LICENSE-vidur.txt).

  python3 models/interconnect/derive_from_vidur.py /path/to/vidur/data/profiling/network

Keeps the single-node rows (devices_per_node == num_workers: every GPU of the collective in one NVSwitch node),
the message size in bytes (Vidur's `size` column, already bytes: 2 x fp16 elements) and the median kernel time in
milliseconds (`time_stats.all_reduce.median`); a size measured twice is averaged. Nothing else is changed.
"""
import csv
import hashlib
import json
import os
import sys

TABLES = {
    # Vidur folder -> (our id, GPU ids it was measured on, what the machine is)
    "h100_dgx": ("vidur-h100-dgx", ["h100-sxm"], "a DGX H100 node (8 x H100 SXM5 80GB, NVLink 4 through NVSwitch)"),
    "a100_dgx": ("vidur-a100-dgx", ["a100-sxm"], "a DGX A100 node (8 x A100 SXM4 80GB, NVLink 3 through NVSwitch)"),
}


def main(network_dir: str) -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    for folder, (out_id, gpus, machine) in TABLES.items():
        path = os.path.join(network_dir, folder, "all_reduce.csv")
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        with open(path) as f:
            rows = list(csv.DictReader(f))
        degrees = {}
        for r in rows:
            n = int(r["num_workers"])
            if int(r["devices_per_node"]) != n:
                continue
            degrees.setdefault(n, {}).setdefault(int(r["size"]), []).append(float(r["time_stats.all_reduce.median"]))
        doc = {
            "id": out_id,
            "description": f"Measured NCCL all-reduce times on {machine}, one collective of fp16 data, by message size and number of GPUs.",
            "gpus": gpus,
            "source": f"microsoft/vidur, data/profiling/network/{folder}/all_reduce.csv @ 7d475133 (https://github.com/microsoft/vidur). MIT licence, Copyright (c) Microsoft Corporation: see LICENSE-vidur.txt beside this file.",
            "source_sha256": sha,
            "method": "Vidur's collectives profiler (vidur/profiling/collectives): torch.distributed.all_reduce on an fp16 buffer without CUDA graphs; each timed run launches it 11 times and keeps the median NCCL kernel time (kineto profiler, kernels only: no launch or host time); 3 runs give time_stats min/max/mean/median, of which the median is kept; `size` is bytes (2 x fp16 elements).",
            "derivation": "models/interconnect/derive_from_vidur.py: rows with devices_per_node == num_workers (single node), message_bytes = size, median_ms = time_stats.all_reduce.median; sizes measured twice are averaged.",
            "licence": "MIT",
            "all_reduce_median_ms": {
                str(n): [[size, round(sum(ts) / len(ts), 6)] for size, ts in sorted(pts.items())]
                for n, pts in sorted(degrees.items())
            },
        }
        out = os.path.join(here, f"{out_id}.json")
        with open(out, "w") as f:
            f.write("{\n")
            keys = [k for k in doc if k != "all_reduce_median_ms"]
            for k in keys:
                f.write(f"  {json.dumps(k)}: {json.dumps(doc[k])},\n")
            f.write('  "all_reduce_median_ms": {\n')
            items = list(doc["all_reduce_median_ms"].items())
            for i, (n, pts) in enumerate(items):
                f.write(f"    {json.dumps(n)}: {json.dumps(pts, separators=(',', ':'))}{',' if i + 1 < len(items) else ''}\n")
            f.write("  }\n}\n")
        print(out, {n: len(p) for n, p in doc["all_reduce_median_ms"].items()})


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: derive_from_vidur.py VIDUR/data/profiling/network  (a checkout of https://github.com/microsoft/vidur @ 7d475133)")
    main(sys.argv[1])
