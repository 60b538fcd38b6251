#!/usr/bin/env python3
"""Measure the seed paper's optimisations on one GPU, for checking joulesim's mechanisms (docs/MECHANISMS.md).

  python3 calibration/harness/measure_mechanisms.py --out DIR [--budget-s 450] [--quick] [--skip compile,moe,...]
  python3 calibration/harness/measure_mechanisms.py --self-test        # bookkeeping checks, no GPU, no torch

Random-weight models built from models/architectures/<id>.json (model_builder.py), bf16, sdpa, HF transformers
eager unless said otherwise, greedy, no EOS (exactly max_new_tokens new tokens). Every point is warmed up once and
then repeated inside an NVML energy window of >= --window-s seconds (energy per execution = window energy /
executions). Sections, in this order (the budget guard skips what no longer fits, and says so in `skipped`):

  speculative  Llama-3.1-8B target + Llama-3.2-1B-shaped draft, batch 1, input 512, output 64:
               - autoregressive generate of each model alone (the baseline, and the draft's own step cost);
               - HF assisted generation (generate(assistant_model=...), gamma = 4, constant schedule, confidence
                 threshold off): random weights make the draft's guesses wrong, so acceptance is ~0 and every round
                 yields one token; the record gives the cost per round (4 draft steps + 1 verification);
               - a hand-written speculative loop (the mechanism joulesim simulates: gamma draft decode steps, one
                 target forward of gamma + 1 tokens, both KV caches cropped to what was accepted) with the number of
                 accepted drafts per round drawn from a seeded Bernoulli(alpha) chain (--alpha, default 0.7), since
                 random weights cannot accept anything: cost per round and per verified token at a chosen alpha;
               - the verification step alone (a chunk of gamma + 1 tokens on 512 cached) at batch 1, 8, 32, 128, and
                 the draft's decode at batch 8, 32, 128 and the target's at batch 8 and 128 (what rounds cost at large
                 batch).
  decoding     Llama-3.1-8B, batch 1 and 8, input 512, output 64: beam search (num_beams 4) and top-p sampling
               (temperature 0.7, top_p 0.9) against greedy.
  moe          OLMo-1B, OLMoE-1B-7B, OLMo-7B (as their architecture files give them): decode (input 512, output 64)
               and prefill (input 512, output 1) at batch 1 and 8; plus, for OLMoE, one MoE block against the dense
               gated MLP of the same active width (8 x 1024) at 1 and 8 tokens (the paper's fused-kernel slowdown:
               19.70% at batch 1, 63% at batch 8).
  compile      Llama-3.1-8B with model.forward = torch.compile(mode="default", dynamic=True) (the hf-compile stack:
               fused kernels, no CUDA graphs), decode at batch 1 and 8, input 512, output 64; compile time recorded.

Output (joulesim-measurements/1, docs/ARCHITECTURE.md; the decode context convention of records.py), in --out:
  llama-3.1-8b-hf-eager-mechanisms.json    target alone: autoregressive decode, verification steps (fittable)
  llama-3.2-1b-hf-eager-mechanisms.json    draft alone: decode (fittable)
  llama-3.1-8b-hf-eager-speculative.json   assisted generation and the hand-written loop: `steps` are the target's,
                                           `draft_steps` the draft's (two models: NOT for `joulesim calibrate fit`)
  llama-3.1-8b-hf-eager-decoding.json      beam search and sampling: `steps` are the rows the GPU ran (beam: w rows
                                           per request); `decoding` says what else ran (NOT for the fitter)
  olmo-1b-, olmoe-1b-7b-, olmo-7b-hf-eager-mechanisms.json   decode and prefill (fittable); OLMoE's also holds
                                           `kernel_benchmarks`
  llama-3.1-8b-hf-compile-mechanisms.json  torch.compile decode (fittable for hf-compile)
  mechanisms.log
Every file is rewritten after each point, so a run stopped by its budget keeps what it measured.
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
from session import Budget, Log  # noqa: E402

SECTIONS = ["speculative", "decoding", "moe", "compile"]
TARGET, DRAFT = "llama-3.1-8b", "llama-3.2-1b"
INPUT, OUTPUT = 512, 64
GAMMA = 4


# ----------------------------------------------------------------------------------------------- bookkeeping
def accepted_drafts(rng: random.Random, alpha: float, gamma: int) -> int:
    """Drafts accepted in one round: independent Bernoulli(alpha) draws until the first rejection, at most gamma
    (the same chain joulesim's AcceptanceSampler draws)."""
    a = 0
    while a < gamma and rng.random() < alpha:
        a += 1
    return a


def after_round(cached: int, pending: int, accepted: int, gamma: int) -> tuple[int, int, int, int]:
    """Cache bookkeeping of one speculative round of the hand-written loop, batch 1.

    Before the round the target's cache holds `cached` tokens (every token but the last generated one) and the
    draft's `cached - pending` (pending = 1 when the previous round accepted all gamma drafts: the draft never ran
    its last draft token). The draft runs gamma steps (its first on pending + 1 tokens), the target one forward on
    gamma + 1 tokens. Returns (new cached, new pending, target cache length to crop to, draft cache length to
    crop to)."""
    new_cached = cached + accepted + 1
    target_keep = new_cached
    draft_len_after_steps = cached + gamma  # its last draft token was produced, never fed
    draft_keep = min(new_cached, draft_len_after_steps)
    return new_cached, new_cached - draft_keep, target_keep, draft_keep


def self_test() -> int:
    rng = random.Random(1)
    draws = [accepted_drafts(rng, 0.7, 4) for _ in range(40000)]
    mean_tokens = sum(d + 1 for d in draws) / len(draws)
    assert abs(mean_tokens - (1 - 0.7 ** 5) / (1 - 0.7)) < 0.03, mean_tokens
    assert all(0 <= d <= 4 for d in draws)
    assert accepted_drafts(random.Random(0), 1.0, 4) == 4 and accepted_drafts(random.Random(0), 0.0, 4) == 0
    # A rejection at the first draft: one token (the correction); the draft keeps the same tokens as the target.
    assert after_round(512, 0, 0, 4) == (513, 0, 513, 513)
    # All four accepted: five tokens; the draft lacks the fourth draft token, which it runs next round.
    assert after_round(512, 0, 4, 4) == (517, 1, 517, 516)
    assert after_round(517, 1, 2, 4) == (520, 0, 520, 520)
    steps = decode_steps_for_rounds(512, [0, 4, 2], 4)
    assert steps["target"][0] == {"kind": "prefill", "count": 1, "new_tokens": 5, "cached_tokens": 512}
    assert steps["target"][1]["cached_tokens"] == 513 and steps["target"][2]["cached_tokens"] == 518
    assert steps["draft"][0] == {"kind": "decode", "n": 1, "context_sum": 513, "repeat": 4}
    assert steps["draft"][2] == {"kind": "prefill", "count": 1, "new_tokens": 2, "cached_tokens": 517}
    print("self-test: 7 checks passed")
    return 0


def decode_steps_for_rounds(prompt: int, accepted: list[int], gamma: int) -> dict:
    """The target's and the draft's steps (records.py conventions) of the hand-written loop after the prefill,
    for rounds with these accepted counts."""
    target, draft = [], []
    cached, pending = prompt, 0
    for a in accepted:
        if pending:
            # The draft's first step feeds the pending draft token and the last generated one.
            draft.append({"kind": "prefill", "count": 1, "new_tokens": 2, "cached_tokens": cached - pending})
            if gamma > 1:
                draft.append({"kind": "decode", "n": 1, "context_sum": cached + 2, "repeat": gamma - 1})
        else:
            draft.append({"kind": "decode", "n": 1, "context_sum": cached + 1, "repeat": gamma})
        target.append({"kind": "prefill", "count": 1, "new_tokens": gamma + 1, "cached_tokens": cached})
        cached, pending, _, _ = after_round(cached, pending, a, gamma)
    return {"target": target, "draft": draft}


# ----------------------------------------------------------------------------------------------- plumbing


class Outputs:
    """One measurement document per (file key), rewritten after every record."""

    def __init__(self, out_dir: str, env: dict, idle: dict, common: dict):
        self.out_dir = out_dir
        self.env = env
        self.idle = idle
        self.common = common
        self.docs: dict[str, dict] = {}

    def doc(self, key: str, model: str, stack: str, note: str, info: dict | None = None) -> dict:
        if key not in self.docs:
            cfg = dict(self.common)
            cfg["file_note"] = note
            if info:
                cfg["model_info"] = info
            self.docs[key] = records.measurement_file(model, stack, self.env, cfg, self.idle, [], skipped=[],
                                                      errors=[], gpu_key="h100-sxm" if "H100" in self.env.get("gpu_name", "") else None)
        elif info and "model_info" not in self.docs[key]["stack_config"]:
            self.docs[key]["stack_config"]["model_info"] = info
        return self.docs[key]

    def write(self, key: str) -> None:
        records.write_json(os.path.join(self.out_dir, f"{key}.json"), self.docs[key])

    def write_all(self) -> None:
        for k in self.docs:
            self.write(k)


class Ctx:
    def __init__(self, args, meter, log, budget, outputs):
        self.args = args
        self.meter = meter
        self.log = log
        self.budget = budget
        self.out = outputs


def timed(ctx: Ctx, execute, min_window_s: float | None = None) -> dict:
    """Warm up once, then run `execute()` (returns a dict with 'seconds') until the energy window is long enough."""
    from device import sync

    window_s = min_window_s if min_window_s is not None else ctx.args.window_s
    execute()
    sync()
    seconds, extras = [], []
    with ctx.meter.window() as w:
        while True:
            r = execute()
            seconds.append(r["seconds"])
            extras.append(r)
            if w.elapsed() >= window_s:
                break
    win = {"executions": len(seconds), "seconds": round(w.seconds, 4), "joules": round(w.joules, 3),
           "avg_watts": round(w.avg_watts, 1), "power_samples_w": [p for _, p in w.power_samples]}
    return {"seconds": seconds, "joules": [w.joules / len(seconds)], "window": win, "extras": extras}


def point(ctx: Ctx, key: str, label: str, need_s: float, fn) -> dict | None:
    """Runs one measured point if the budget allows; records skips and errors in the document."""
    import torch

    doc = ctx.out.docs[key]
    if ctx.budget.left() < need_s:
        ctx.log("skip (budget):", label, f"needs ~{need_s:.0f}s, {ctx.budget.left():.0f}s left")
        doc["skipped"].append({"label": label, "why": f"time budget (needs ~{need_s:.0f}s)"})
        ctx.out.write(key)
        return None
    try:
        rec = fn()
    except torch.cuda.OutOfMemoryError as e:
        torch.cuda.empty_cache()
        ctx.log("OOM", label, str(e).splitlines()[0])
        doc["skipped"].append({"label": label, "why": "CUDA out of memory"})
        ctx.out.write(key)
        return None
    except Exception:
        err = traceback.format_exc()
        ctx.log("ERROR", label, err)
        doc["errors"].append({"label": label, "traceback": err})
        ctx.out.write(key)
        return None
    if rec is None:
        return None
    doc["records"].append(rec)
    ctx.out.write(key)
    s = rec.get("seconds_median")
    ctx.log(f"{label}: {s * 1000:.1f} ms x{rec['reps']}, {rec['joules_median']:.2f} J, {rec['avg_watts']} W, "
            f"left {ctx.budget.left():.0f}s" if s else f"{label}: recorded, left {ctx.budget.left():.0f}s")
    return rec


def make(ctx: Ctx, label: str, steps: list[dict], res: dict, **extra) -> dict:
    extra["energy_windows"] = [res["window"]]
    return records.make_record(label, steps, res["seconds"], res["joules"], ctx.meter.sm_mhz(), **extra)


def prompts(model, batch: int, length: int, seed: int):
    from hf_eager import left_padded_batch, random_prompts

    return left_padded_batch(random_prompts([length] * batch, model.config.vocab_size, seed))


def gen_config(max_new_tokens: int, **kw):
    from transformers import GenerationConfig

    base = dict(max_new_tokens=max_new_tokens, min_new_tokens=max_new_tokens, do_sample=False, eos_token_id=None,
                bos_token_id=None, pad_token_id=0, use_cache=True)
    base.update(kw)
    return GenerationConfig(**base)


def generate_once(model, ids, mask, max_new_tokens: int, generate_kwargs: dict | None = None, **kw) -> dict:
    """One generate() call; `kw` are GenerationConfig fields, `generate_kwargs` other generate() arguments."""
    import torch

    from device import sync

    sync()
    t0 = time.perf_counter()
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=mask, generation_config=gen_config(max_new_tokens, **kw),
                             **(generate_kwargs or {}))
    sync()
    t1 = time.perf_counter()
    new = out.shape[1] - ids.shape[1]
    if new != max_new_tokens:
        raise RuntimeError(f"generate produced {new} new tokens, expected {max_new_tokens}")
    return {"seconds": t1 - t0}


def ar_decode_point(ctx: Ctx, key: str, model, name: str, batch: int, inp: int, out: int, kind: str = "decode") -> dict | None:
    label = f"{kind} b{batch} i{inp} o{out}"
    ids, mask = prompts(model, batch, inp, seed=1000 * batch + inp + out)

    def run():
        res = timed(ctx, lambda: generate_once(model, ids, mask, out))
        steps = ([{"kind": "prefill", "count": batch, "new_tokens": inp, "cached_tokens": 0}] if out == 1
                 else records.uniform_generate_steps(batch, inp, out))
        return make(ctx, label, steps, res, batch=batch, input_tokens=inp, output_tokens=out, model=name)

    return point(ctx, key, f"{name} {label}", 12 + 0.05 * out * max(1, batch / 16), run)


class ForwardCounter:
    def __init__(self, model):
        self.count = 0
        self.handle = model.register_forward_hook(self._hook)

    def _hook(self, *_):
        self.count += 1

    def close(self):
        self.handle.remove()


# ----------------------------------------------------------------------------------------------- speculative
def verify_point(ctx: Ctx, key: str, model, batch: int, cached: int, gamma: int):
    """One target forward of gamma + 1 tokens per sequence on `cached` cached tokens (the verification step)."""
    import torch
    from transformers import DynamicCache

    from device import DEVICE, sync

    label = f"verify b{batch} new{gamma + 1} cached{cached}"

    def run():
        ids, _ = prompts(model, batch, cached, seed=77 + batch)
        cache = DynamicCache()
        with torch.no_grad():
            model(input_ids=ids, past_key_values=cache, use_cache=True)
        cand = torch.randint(10, model.config.vocab_size, (batch, gamma + 1), device=DEVICE)

        def once():
            sync()
            t0 = time.perf_counter()
            with torch.no_grad():
                model(input_ids=cand, past_key_values=cache, use_cache=True)
            cache.crop(cached)
            sync()
            return {"seconds": time.perf_counter() - t0}

        res = timed(ctx, once)
        del cache
        torch.cuda.empty_cache()
        steps = [{"kind": "prefill", "count": batch, "new_tokens": gamma + 1, "cached_tokens": cached}]
        return make(ctx, label, steps, res, batch=batch, mechanism="speculative verification step",
                    note="the forward computes logits at every position (HF returns all of them): gamma + 1 LM-head rows per sequence")

    return point(ctx, key, f"target {label}", 10 + batch * 0.05, run)


def hf_assisted_point(ctx: Ctx, key: str, target, draft, gamma: int):
    label = f"hf assisted generation b1 i{INPUT} o{OUTPUT} gamma{gamma}"

    def run():
        ids, mask = prompts(target, 1, INPUT, seed=4242)
        dg = draft.generation_config
        dg.num_assistant_tokens = gamma
        dg.num_assistant_tokens_schedule = "constant"
        dg.assistant_confidence_threshold = 0.0
        tc, dc = ForwardCounter(target), ForwardCounter(draft)
        counts = []

        def once():
            t0c, d0c = tc.count, dc.count
            r = generate_once(target, ids, mask, OUTPUT, generate_kwargs={"assistant_model": draft},
                              num_assistant_tokens=gamma, num_assistant_tokens_schedule="constant",
                              assistant_confidence_threshold=0.0)
            counts.append((tc.count - t0c, dc.count - d0c))
            return r

        try:
            res = timed(ctx, once)
        finally:
            tc.close()
            dc.close()
        target_forwards, draft_forwards = counts[-1]
        sec = sorted(res["seconds"])[len(res["seconds"]) // 2]
        rounds = target_forwards
        return records.make_record(
            label, [{"kind": "prefill", "count": 1, "new_tokens": INPUT, "cached_tokens": 0}], res["seconds"],
            res["joules"], ctx.meter.sm_mhz(), energy_windows=[res["window"]], mechanism="speculative (HF assisted generation)",
            gamma=gamma, target_forwards=target_forwards, draft_forwards=draft_forwards, rounds=rounds,
            tokens=OUTPUT, seconds_per_round=round(sec / rounds, 6), joules_per_round=round(res["joules"][0] / rounds, 4),
            seconds_per_token=round(sec / OUTPUT, 6), joules_per_token=round(res["joules"][0] / OUTPUT, 4),
            note="random weights: the draft's guesses are (almost) never accepted, so rounds ~ tokens; this is the cost of "
                 "a round (gamma draft forwards + one verification forward + HF's per-round bookkeeping) at acceptance ~0. "
                 "`steps` lists only the first target forward; see draft_forwards/target_forwards.")

    return point(ctx, key, label, 25, run)


def manual_round_point(ctx: Ctx, key: str, target, draft, gamma: int, alpha: float):
    """The mechanism joulesim simulates, with acceptance forced by seeded draws (random weights accept nothing)."""
    import torch
    from transformers import DynamicCache

    from device import sync

    label = f"speculative loop b1 i{INPUT} o{OUTPUT} gamma{gamma} alpha{alpha}"

    def loop(seed: int) -> dict:
        rng = random.Random(seed)
        ids, _ = prompts(target, 1, INPUT, seed=99)
        tcache, dcache = DynamicCache(), DynamicCache()
        sync()
        t0 = time.perf_counter()
        with torch.no_grad():
            out = target(input_ids=ids, past_key_values=tcache, use_cache=True)
            last = out.logits[:, -1:].argmax(-1)
            draft(input_ids=ids, past_key_values=dcache, use_cache=True)
            cached, pending, generated = INPUT, 0, 1
            pending_tok = None
            accepted_list = []
            while generated < OUTPUT:
                x = last if not pending else torch.cat([pending_tok, last], dim=1)
                drafts = []
                for _ in range(gamma):
                    o = draft(input_ids=x, past_key_values=dcache, use_cache=True)
                    x = o.logits[:, -1:].argmax(-1)
                    drafts.append(x)
                o = target(input_ids=torch.cat([last] + drafts, dim=1), past_key_values=tcache, use_cache=True)
                preds = o.logits.argmax(-1)
                a = accepted_drafts(rng, alpha, gamma)
                accepted_list.append(a)
                cached, pending, tkeep, dkeep = after_round(cached, pending, a, gamma)
                tcache.crop(tkeep)
                dcache.crop(dkeep)
                pending_tok = drafts[gamma - 1] if pending else None
                last = preds[:, a:a + 1]
                generated += a + 1
        sync()
        return {"seconds": time.perf_counter() - t0, "accepted": accepted_list, "generated": generated}

    def run():
        seeds = iter(range(1, 10_000))
        res = timed(ctx, lambda: loop(next(seeds)))
        first = res["extras"][0]
        steps = decode_steps_for_rounds(INPUT, first["accepted"], gamma)
        rounds = [len(r["accepted"]) for r in res["extras"]]
        toks = [r["generated"] for r in res["extras"]]
        sec_per_round = [r["seconds"] / max(1, len(r["accepted"])) for r in res["extras"]]
        return records.make_record(
            label, [{"kind": "prefill", "count": 1, "new_tokens": INPUT, "cached_tokens": 0}] + steps["target"],
            res["seconds"], res["joules"], ctx.meter.sm_mhz(), energy_windows=[res["window"]],
            mechanism="speculative (hand-written loop, forced acceptance)", gamma=gamma, alpha=alpha,
            draft_steps=[{"kind": "prefill", "count": 1, "new_tokens": INPUT, "cached_tokens": 0}] + steps["draft"],
            steps_of_execution=0, rounds_per_execution=rounds, tokens_per_execution=toks,
            accepted_per_round_first_execution=first["accepted"],
            seconds_per_round_median=round(sorted(sec_per_round)[len(sec_per_round) // 2], 6),
            joules_per_verified_token=round(res["joules"][0] / (sum(toks) / len(toks)), 4),
            note="executions use different seeds, so their rounds differ; seconds/joules are per execution (one prompt, "
                 "64+ tokens); steps/draft_steps describe execution 0. Accepted counts are drawn, not computed: the "
                 "compute per round is the same as with trained weights.")

    return point(ctx, key, label, 25, run)


def section_speculative(ctx: Ctx, build_model) -> None:
    import torch

    k_t, k_d, k_s = f"{TARGET}-hf-eager-mechanisms", f"{DRAFT}-hf-eager-mechanisms", f"{TARGET}-hf-eager-speculative"
    target, tinfo = build_model(TARGET, attn_implementation="sdpa")
    draft, dinfo = build_model(DRAFT, attn_implementation="sdpa")
    ctx.out.doc(k_t, TARGET, "hf-eager", "the target alone: autoregressive decode and verification steps (fittable)", tinfo)
    ctx.out.doc(k_d, DRAFT, "hf-eager", "the draft alone: autoregressive decode (fittable)", dinfo)
    ctx.out.doc(k_s, TARGET, "hf-eager", f"speculative decoding with draft {DRAFT}: two models per record, NOT for the fitter",
                {"target": tinfo, "draft": dinfo})
    ctx.log("models:", tinfo, dinfo)
    ar_decode_point(ctx, k_t, target, TARGET, 1, INPUT, OUTPUT)
    ar_decode_point(ctx, k_d, draft, DRAFT, 1, INPUT, OUTPUT)
    hf_assisted_point(ctx, k_s, target, draft, GAMMA)
    for alpha in ctx.args.alpha:
        manual_round_point(ctx, k_s, target, draft, GAMMA, alpha)
    for b in ([1, 8] if ctx.args.quick else [1, 8, 32, 128]):
        verify_point(ctx, k_t, target, b, INPUT, GAMMA)
    for b in ([8] if ctx.args.quick else [8, 32, 128]):
        ar_decode_point(ctx, k_d, draft, DRAFT, b, INPUT, OUTPUT)
    for b in ([8] if ctx.args.quick else [8, 128]):
        ar_decode_point(ctx, k_t, target, TARGET, b, INPUT, OUTPUT)
    del draft
    torch.cuda.empty_cache()
    if "decoding" not in ctx.args.skip:
        section_decoding(ctx, target)
    del target
    torch.cuda.empty_cache()


# ----------------------------------------------------------------------------------------------- decoding
def section_decoding(ctx: Ctx, target) -> None:
    import torch

    key = f"{TARGET}-hf-eager-decoding"
    ctx.out.doc(key, TARGET, "hf-eager", "decoding strategies (beam search, top-p sampling): NOT for the fitter; compare "
                "with the greedy records of the same shapes in the -mechanisms file")
    for b in [1, 8]:
        ids, mask = prompts(target, b, INPUT, seed=500 + b)
        w = 4
        label = f"beam{w} b{b} i{INPUT} o{OUTPUT}"

        def beam(ids=ids, mask=mask, b=b, w=w, label=label):
            res = timed(ctx, lambda: generate_once(target, ids, mask, OUTPUT, num_beams=w, early_stopping=False, length_penalty=1.0))
            steps = records.uniform_generate_steps(b * w, INPUT, OUTPUT)
            return make(ctx, label, steps, res, batch=b, decoding={"kind": "beam", "width": w},
                        note="steps are the b x w rows HF runs (it expands the prompt before the prefill); beam search "
                             "adds log-softmax/top-k over w x vocab per request and reorders the whole KV cache every step")

        point(ctx, key, label, 15 + 0.3 * b, beam)
        label = f"top-p b{b} i{INPUT} o{OUTPUT}"

        def sample(ids=ids, mask=mask, b=b, label=label):
            torch.manual_seed(0)
            res = timed(ctx, lambda: generate_once(target, ids, mask, OUTPUT, do_sample=True, temperature=0.7, top_p=0.9))
            return make(ctx, label, records.uniform_generate_steps(b, INPUT, OUTPUT), res, batch=b,
                        decoding={"kind": "sampling", "temperature": 0.7, "top_p": 0.9})

        point(ctx, key, label, 12, sample)


# ----------------------------------------------------------------------------------------------- moe
def moe_kernel_benchmark(ctx: Ctx, model) -> dict:
    """One OLMoE MoE block against the dense gated MLP of the same active width, by CUDA events."""
    import torch

    cfg = model.config
    layer = model.model.layers[0]
    moe = layer.mlp
    hidden = cfg.hidden_size
    active = cfg.num_experts_per_tok * cfg.intermediate_size
    dev = next(moe.parameters()).device
    dense = torch.nn.ModuleDict({
        "gate": torch.nn.Linear(hidden, active, bias=False),
        "up": torch.nn.Linear(hidden, active, bias=False),
        "down": torch.nn.Linear(active, hidden, bias=False),
    }).to(device=dev, dtype=torch.bfloat16)

    def dense_fwd(x):
        return dense["down"](torch.nn.functional.silu(dense["gate"](x)) * dense["up"](x))

    def time_it(fn, x, iters=200):
        for _ in range(10):
            fn(x)
        torch.cuda.synchronize()
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        for _ in range(iters):
            fn(x)
        e.record()
        torch.cuda.synchronize()
        return s.elapsed_time(e) / iters / 1e3

    out = {"moe_module": type(moe).__name__, "experts_implementation": getattr(cfg, "_experts_implementation", None) or
           getattr(cfg, "experts_implementation", None), "active_width": active, "points": []}
    with torch.no_grad():
        for tokens in [1, 8]:
            x = torch.randn(1, tokens, hidden, device=dev, dtype=torch.bfloat16)
            t_moe = time_it(lambda y: moe(y), x)
            t_dense = time_it(dense_fwd, x)
            out["points"].append({"tokens": tokens, "moe_block_s": round(t_moe, 8), "dense_mlp_s": round(t_dense, 8),
                                  "slowdown": round(t_moe / t_dense - 1, 4)})
    out["note"] = ("wall time per call incl. launch overhead (eager, no CUDA graphs), so at 1-8 tokens it is mostly "
                   "launches; the paper's 19.70% / 63% compare fused MoE kernels with dense GEMMs")
    del dense
    return out


def section_moe(ctx: Ctx, build_model) -> None:
    import torch

    for name in ["olmo-1b", "olmoe-1b-7b", "olmo-7b"]:
        if ctx.budget.left() < 40:
            ctx.log("skip (budget):", name)
            key = f"{name}-hf-eager-mechanisms"
            ctx.out.doc(key, name, "hf-eager", "decode and prefill at batch 1 and 8 (fittable)")
            ctx.out.docs[key]["skipped"].append({"label": name, "why": "time budget"})
            ctx.out.write(key)
            continue
        model, info = build_model(name, attn_implementation="sdpa")
        key = f"{name}-hf-eager-mechanisms"
        ctx.out.doc(key, name, "hf-eager", "decode and prefill at batch 1 and 8 (fittable)", info)
        ctx.log("model:", info)
        for b in [1, 8]:
            ar_decode_point(ctx, key, model, name, b, INPUT, OUTPUT)
        for b in [1, 8]:
            ar_decode_point(ctx, key, model, name, b, INPUT, 1, kind="prefill")
        if name == "olmoe-1b-7b" and ctx.budget.left() > 15:
            try:
                ctx.out.docs[key]["kernel_benchmarks"] = moe_kernel_benchmark(ctx, model)
                ctx.log("moe kernels:", ctx.out.docs[key]["kernel_benchmarks"])
            except Exception:
                ctx.out.docs[key]["errors"].append({"label": "moe kernel benchmark", "traceback": traceback.format_exc()})
            ctx.out.write(key)
        del model
        torch.cuda.empty_cache()


# ----------------------------------------------------------------------------------------------- compile
def section_compile(ctx: Ctx, build_model) -> None:
    import torch

    key = f"{TARGET}-hf-compile-mechanisms"
    if ctx.budget.left() < ctx.args.compile_min_s:
        ctx.out.doc(key, TARGET, "hf-compile", "torch.compile decode (fittable for hf-compile)")
        ctx.out.docs[key]["skipped"].append({"label": "torch.compile", "why": f"time budget (< {ctx.args.compile_min_s:.0f}s left)"})
        ctx.out.write(key)
        ctx.log("skip (budget): torch.compile")
        return
    model, info = build_model(TARGET, attn_implementation="sdpa")
    t0 = time.perf_counter()
    model.forward = torch.compile(model.forward, mode="default", dynamic=True)
    info["torch_compile"] = {"mode": "default", "dynamic": True, "cuda_graphs": False}
    ctx.out.doc(key, TARGET, "hf-compile", "torch.compile(mode='default', dynamic=True) on model.forward (fittable for hf-compile)", info)
    # Compile on the shapes measured next (prefill of 512 and decode), outside the energy windows.
    for b in [1, 8]:
        ids, mask = prompts(model, b, INPUT, seed=900 + b)
        generate_once(model, ids, mask, 4)
    compile_s = time.perf_counter() - t0
    ctx.out.docs[key]["stack_config"]["compile_seconds"] = round(compile_s, 1)
    ctx.log(f"torch.compile warm-up: {compile_s:.0f}s")
    for b in [1, 8]:
        ar_decode_point(ctx, key, model, TARGET, b, INPUT, OUTPUT)
    del model
    torch.cuda.empty_cache()


# ----------------------------------------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", help="output folder")
    ap.add_argument("--budget-s", type=float, default=450.0, help="stop starting new points after this many seconds")
    ap.add_argument("--window-s", type=float, default=1.5, help="energy window per point (NVML ticks ~every 100 ms)")
    ap.add_argument("--idle-s", type=float, default=5.0, help="idle-power sampling before the first point")
    ap.add_argument("--alpha", type=float, nargs="+", default=[0.7], help="forced acceptance rates of the hand-written loop")
    ap.add_argument("--skip", default="", help="comma list of sections to skip: " + ",".join(SECTIONS))
    ap.add_argument("--compile-min-s", type=float, default=150.0, help="start torch.compile only with this much budget left")
    ap.add_argument("--quick", action="store_true", help="fewer batch sizes, short windows (smoke test)")
    ap.add_argument("--self-test", action="store_true", help="check the round bookkeeping (no GPU, no torch) and exit")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.out:
        ap.error("--out is required")
    args.skip = set(s for s in args.skip.split(",") if s)
    if args.quick:
        args.window_s = min(args.window_s, 0.3)
        args.idle_s = min(args.idle_s, 1.0)

    budget = Budget(args.budget_s)
    os.makedirs(args.out, exist_ok=True)
    log = Log(os.path.join(args.out, "mechanisms.log"))

    import torch

    from device import DEVICE, sync
    from model_builder import build_model
    from nvml_meter import EnergyMeter, environment

    meter = EnergyMeter()
    env = environment(meter)
    log("environment:", env)
    with torch.no_grad():
        torch.ones(1, device=DEVICE)
    sync()
    idle = meter.idle(args.idle_s)
    idle["note"] = "no model loaded yet (CUDA context up), GPU idle, sampled before any measured point"
    common = {"api": "HF transformers generate / forward, eager unless stated, greedy unless stated, no EOS",
              "attn_implementation": "sdpa", "window_s": args.window_s, "quick": args.quick,
              "budget_s": args.budget_s, "sections": [s for s in SECTIONS if s not in args.skip]}
    outputs = Outputs(args.out, env, idle, common)
    ctx = Ctx(args, meter, log, budget, outputs)
    status = 0
    for name, fn in [("speculative", section_speculative), ("moe", section_moe), ("compile", section_compile)]:
        if name in args.skip:
            continue
        try:
            fn(ctx, build_model)
        except Exception:
            err = traceback.format_exc()
            log("ERROR in section", name, err)
            key = f"section-{name}-error"
            outputs.doc(key, TARGET, "hf-eager", f"section {name} failed")
            outputs.docs[key]["errors"].append({"label": name, "traceback": err})
            outputs.write(key)
            status = 1
        torch.cuda.empty_cache()
    if "speculative" in args.skip and "decoding" not in args.skip and budget.left() > 60:
        try:
            target, _ = build_model(TARGET, attn_implementation="sdpa")
            section_decoding(ctx, target)
            del target
        except Exception:
            log("ERROR in section decoding", traceback.format_exc())
            status = 1
    for d in outputs.docs.values():
        d["wall_seconds"] = round(time.time() - budget.t0, 1)
    outputs.write_all()
    meter.close()
    log("done:", {k: len(d["records"]) for k, d in outputs.docs.items()}, f"{time.time() - budget.t0:.0f}s")
    return status


if __name__ == "__main__":
    sys.exit(main())
