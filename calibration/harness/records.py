"""The measurement-record format (docs/ARCHITECTURE.md, "joulesim-measurements/1") and step-list helpers.

Step entries (what the fitter replays):
  {"kind":"prefill","count":B,"new_tokens":I,"cached_tokens":C}      one step, B chunks of I new tokens on C cached
      later prefill entries with "same_step": true belong to the same step; "decode_n"/"decode_context_sum" on a
      prefill entry add decode sequences to that step (mixed steps of continuous batching)
  {"kind":"decode","n":N,"context_sum":S,"repeat":K}                  K steps of N sequences, step k has S + k*N

Context convention (the one the example in docs/ARCHITECTURE.md uses: b8 i512 -> first decode context_sum 8*513):
a decode sequence's context is the number of KV entries its new token attends to, the new token included, i.e.
(tokens already in the cache) + 1. A prefill chunk's cached_tokens is what was in the cache before the chunk.
"""

from __future__ import annotations

import json
import os
import statistics

FORMAT = "joulesim-measurements/1"
CONTEXT_CONVENTION = (
    "decode context per sequence = KV entries attended by the new token, the new token included "
    "(tokens already cached + 1), as in docs/ARCHITECTURE.md's example (b8 i512 -> 8*513); "
    "prefill cached_tokens = tokens in the cache before the chunk"
)


def spread(values: list[float]) -> dict:
    """Median, min, max, quartiles of a list (None-safe)."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return {}
    q = statistics.quantiles(v, n=4) if len(v) >= 2 else [v[0], v[0], v[0]]
    return {"median": v[len(v) // 2] if len(v) % 2 else statistics.median(v), "min": v[0], "max": v[-1],
            "q1": q[0], "q3": q[2], "n": len(v)}


def uniform_generate_steps(batch: int, input_tokens: int, output_tokens: int) -> list[dict]:
    """Steps of one HF `generate` call on a uniform (or padded-to-uniform) batch: one prefill of B x I, then
    O - 1 decode steps of B sequences (the prefill already produced the first token)."""
    steps = [{"kind": "prefill", "count": batch, "new_tokens": input_tokens, "cached_tokens": 0}]
    if output_tokens > 1:
        steps.append({"kind": "decode", "n": batch, "context_sum": batch * (input_tokens + 1),
                      "repeat": output_tokens - 1})
    return steps


def steps_from_compositions(compositions: list[dict]) -> list[dict]:
    """Turn continuous-batching step compositions into step entries, merging runs of pure-decode steps.

    Each composition: {"prefill": [[new_tokens, cached_tokens], ...], "decode_contexts": [ctx, ...]} where ctx follows
    CONTEXT_CONVENTION (cached + 1)."""
    out: list[dict] = []
    for comp in compositions:
        chunks = comp["prefill"]
        dec = comp["decode_contexts"]
        if not chunks:
            n, s = len(dec), sum(dec)
            last = out[-1] if out else None
            if (last is not None and last["kind"] == "decode" and last["n"] == n
                    and last["context_sum"] + last["repeat"] * n == s):
                last["repeat"] += 1
            else:
                out.append({"kind": "decode", "n": n, "context_sum": s, "repeat": 1})
            continue
        # group identical (new, cached) chunks, keep first-seen order
        groups: dict[tuple[int, int], int] = {}
        for new, cached in chunks:
            groups[(new, cached)] = groups.get((new, cached), 0) + 1
        for j, ((new, cached), count) in enumerate(groups.items()):
            entry = {"kind": "prefill", "count": count, "new_tokens": new, "cached_tokens": cached}
            if j > 0:
                entry["same_step"] = True
            elif dec:
                entry["decode_n"] = len(dec)
                entry["decode_context_sum"] = sum(dec)
            out.append(entry)
    return out


def make_record(label: str, steps: list[dict], seconds: list[float], joules: list[float], sm_mhz_after: int,
                **extra) -> dict:
    """One record: seconds/joules per single execution of `steps`, one entry per repetition (or energy window)."""
    s_med = statistics.median(seconds) if seconds else None
    j_med = statistics.median(joules) if joules else None
    rec = {
        "label": label,
        "steps": steps,
        "reps": len(seconds),
        "seconds": [round(x, 6) for x in seconds],
        "joules": [round(x, 4) for x in joules],
        "seconds_median": round(s_med, 6) if s_med is not None else None,
        "joules_median": round(j_med, 4) if j_med is not None else None,
        "avg_watts": round(j_med / s_med, 2) if s_med and j_med is not None else None,
        "sm_mhz_after": sm_mhz_after,
    }
    if seconds:
        sp = spread(seconds)
        rec["seconds_spread"] = {k: round(v, 6) if isinstance(v, float) else v for k, v in sp.items()}
    if joules:
        sp = spread(joules)
        rec["joules_spread"] = {k: round(v, 4) if isinstance(v, float) else v for k, v in sp.items()}
    rec.update(extra)
    return rec


def measurement_file(model: str, stack: str, environment: dict, stack_config: dict, idle: dict,
                     records: list[dict], **extra) -> dict:
    doc = {
        "format": FORMAT,
        "model": model,
        "stack": stack,
        "environment": environment,
        "stack_config": stack_config,
        "idle": idle,
        "context_convention": CONTEXT_CONVENTION,
        "records": records,
    }
    doc.update(extra)
    return doc


def dumps(obj, indent: int = 0) -> str:
    """JSON with nested objects indented but lists of scalars (samples, seconds) and small objects on one line."""
    pad = " " * indent
    if isinstance(obj, dict):
        flat = json.dumps(obj)
        if len(flat) <= 110 and not any(isinstance(v, (dict, list)) and v for v in obj.values()):
            return flat
        items = [f'{pad} {json.dumps(str(k))}: {dumps(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}" if items else "{}"
    if isinstance(obj, list):
        if all(not isinstance(v, (dict, list)) for v in obj) or len(json.dumps(obj)) <= 110:
            return json.dumps(obj)
        items = [pad + " " + dumps(v, indent + 1) for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    return json.dumps(obj)


def write_json(path: str, doc: dict) -> None:
    """Atomic write, so a run killed mid-write leaves the previous complete file."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(dumps(doc))
        f.write("\n")
    os.replace(tmp, path)
