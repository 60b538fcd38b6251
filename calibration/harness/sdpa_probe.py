#!/usr/bin/env python3
"""Which kernel does torch's scaled_dot_product_attention pick for the shapes HF serving produces, and does a new
shape cost extra the first time (e.g. a cuDNN plan build)? Prints a table and writes JSON to --out.

  python3 calibration/harness/sdpa_probe.py --out DIR

Cases (Llama-3.1-8B heads: 32 query heads, 8 KV heads, head_dim 128, bf16):
  eager-nomask   HF generate decode on a uniform batch: q [B,32,1,L], k/v [B,8,L,128], enable_gqa, no mask
  eager-mask     HF generate decode on a left-padded batch: k/v repeated to 32 heads, bool mask [B,1,1,L]
  paged-sdpa     transformers continuous batching (paged|sdpa): all sequences packed into one batch row,
                 q [1,32,Q,128], k/v [1,32,K,128], bf16 additive mask [1,1,Q,K] sliced from a larger buffer
For each: the backend torch chooses, then the wall time (GPU synchronized) of calls whose length L is new each time
("cold") and of calls repeating one length ("warm"), with the default backends and with cuDNN attention disabled.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import torch
import torch.nn.functional as F

BACKENDS = {0: "math", 1: "flash", 2: "efficient", 3: "cudnn", 4: "overrideable"}


def make_case(case: str, L: int, batch: int = 8):
    dev, dt = "cuda", torch.bfloat16
    if case == "eager-nomask":
        q = torch.randn(batch, 32, 1, 128, device=dev, dtype=dt)
        k = torch.randn(batch, 8, L, 128, device=dev, dtype=dt)
        return q, k, k.clone(), None, True
    if case == "eager-mask":
        q = torch.randn(batch, 32, 1, 128, device=dev, dtype=dt)
        k = torch.randn(batch, 32, L, 128, device=dev, dtype=dt)
        m = torch.ones(batch, 1, 1, L, device=dev, dtype=torch.bool)
        m[:, :, :, : L // 10] = False  # left padding
        return q, k, k.clone(), m, False
    if case == "paged-sdpa":
        Q, K = batch, batch * L + batch
        q = torch.randn(1, 32, Q, 128, device=dev, dtype=dt)
        k = torch.randn(1, 32, K, 128, device=dev, dtype=dt)
        buf = torch.full((1, 1, 64, K + 4096), torch.finfo(dt).min, device=dev, dtype=dt)
        m = buf[..., :Q, :K]
        for i in range(Q):  # block-diagonal: row i sees its own sequence
            m[..., i, i * (L + 1): (i + 1) * (L + 1)] = 0
        return q, k, k.clone(), m, False
    raise ValueError(case)


def call(q, k, v, m, gqa) -> float:
    torch.cuda.synchronize()
    t = time.perf_counter()
    F.scaled_dot_product_attention(q, k, v, attn_mask=m, enable_gqa=gqa)
    torch.cuda.synchronize()
    return time.perf_counter() - t


def probe(case: str, cudnn: bool, n: int = 12, base_L: int = 1000) -> dict:
    torch.backends.cuda.enable_cudnn_sdp(cudnn)
    q, k, v, m, gqa = make_case(case, base_L)
    try:
        choice = BACKENDS.get(int(torch._fused_sdp_choice(q, k, v, m, 0.0, False, None, gqa)), "?")
    except Exception as e:  # private API
        choice = f"unknown ({type(e).__name__})"
    call(q, k, v, m, gqa)
    warm = [call(q, k, v, m, gqa) for _ in range(n)]
    cold = []
    for j in range(n):
        q, k, v, m, gqa = make_case(case, base_L + 7 + j)
        cold.append(call(q, k, v, m, gqa))
    return {"case": case, "cudnn_enabled": cudnn, "backend": choice,
            "warm_ms_median": round(1000 * statistics.median(warm), 3),
            "cold_ms_median": round(1000 * statistics.median(cold), 3),
            "cold_ms": [round(1000 * x, 3) for x in cold]}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    default_cudnn = torch.backends.cuda.cudnn_sdp_enabled()
    info = {"torch": torch.__version__, "cudnn": torch.backends.cudnn.version(),
            "flash_sdp_enabled": torch.backends.cuda.flash_sdp_enabled(),
            "mem_efficient_sdp_enabled": torch.backends.cuda.mem_efficient_sdp_enabled(),
            "math_sdp_enabled": torch.backends.cuda.math_sdp_enabled(),
            "cudnn_sdp_enabled_default": default_cudnn, "results": []}
    for case in ("eager-nomask", "eager-mask", "paged-sdpa"):
        for cudnn in (True, False):
            r = probe(case, cudnn)
            info["results"].append(r)
            print(f"{case:13s} cudnn_sdp={str(cudnn):5s} backend={r['backend']:10s} warm {r['warm_ms_median']:8.3f} ms"
                  f"  cold {r['cold_ms_median']:8.3f} ms", flush=True)
    torch.backends.cuda.enable_cudnn_sdp(default_cudnn)
    with open(os.path.join(args.out, "sdpa_probe.json"), "w") as f:
        json.dump(info, f, indent=1)
    print({k: v for k, v in info.items() if k != "results"})


if __name__ == "__main__":
    main()
