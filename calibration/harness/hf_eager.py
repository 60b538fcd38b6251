"""HF transformers eager serving: `model.generate` on a static batch (greedy, no EOS, exact output length).

A static batch of prompts of different lengths is left-padded to the longest prompt with an attention mask, which
is how plain HF `generate` serves a batch; every sequence then runs until the batch's largest max_new_tokens.
"""

from __future__ import annotations

import time

import torch
from transformers import GenerationConfig, LogitsProcessor, LogitsProcessorList

from device import DEVICE, sync

PAD_ID = 0


def random_prompts(lengths: list[int], vocab_size: int, seed: int) -> list[list[int]]:
    """Token ids drawn from a fixed seed, avoiding the low ids (pad and other special ids)."""
    g = torch.Generator().manual_seed(seed)
    return [torch.randint(10, vocab_size, (n,), generator=g).tolist() for n in lengths]


def left_padded_batch(prompts: list[list[int]], device: str = DEVICE) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), PAD_ID, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for i, p in enumerate(prompts):
        ids[i, width - len(p):] = torch.tensor(p, dtype=torch.long)
        mask[i, width - len(p):] = 1
    return ids.to(device), mask.to(device)


class FirstTokenClock(LogitsProcessor):
    """Records when the first token's logits are ready (end of prefill): synchronizes the GPU once, at the first
    call, so the time is the device's and not the host's launch time. Later calls cost nothing."""

    def __init__(self):
        self.first_token_time: float | None = None

    def __call__(self, input_ids, scores):
        if self.first_token_time is None:
            sync()
            self.first_token_time = time.perf_counter()
        return scores


def generation_config(max_new_tokens: int) -> GenerationConfig:
    return GenerationConfig(
        max_new_tokens=max_new_tokens,
        min_new_tokens=max_new_tokens,
        do_sample=False,
        eos_token_id=None,
        bos_token_id=None,
        pad_token_id=PAD_ID,
        use_cache=True,
    )


@torch.no_grad()
def run_generate(model, input_ids: torch.Tensor, attention_mask: torch.Tensor, max_new_tokens: int,
                 clock_first_token: bool = False) -> dict:
    """One `generate` call. Returns wall seconds (GPU synchronized), the first-token time (seconds from the call's
    start, if asked) and the number of new tokens produced (checked to be exactly max_new_tokens)."""
    processors = LogitsProcessorList()
    clock = None
    if clock_first_token:
        clock = FirstTokenClock()
        processors.append(clock)
    sync()
    t0 = time.perf_counter()
    out = model.generate(input_ids=input_ids, attention_mask=attention_mask,
                         generation_config=generation_config(max_new_tokens), logits_processor=processors)
    sync()
    t1 = time.perf_counter()
    new_tokens = out.shape[1] - input_ids.shape[1]
    if new_tokens != max_new_tokens:
        raise RuntimeError(f"generate produced {new_tokens} new tokens, expected {max_new_tokens}")
    return {
        "t0": t0,
        "t1": t1,
        "seconds": t1 - t0,
        "first_token_seconds": (clock.first_token_time - t0) if clock and clock.first_token_time else None,
    }
