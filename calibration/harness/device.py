"""Where the model runs. Always CUDA for real measurements; JOULESIM_HARNESS_DEVICE=cpu exists only so the harness
logic can be exercised on a machine without a GPU (tiny model, fake NVML), never for numbers."""

from __future__ import annotations

import os

import torch

DEVICE = os.environ.get("JOULESIM_HARNESS_DEVICE", "cuda")


def sync() -> None:
    if DEVICE == "cuda":
        torch.cuda.synchronize()


def memory_gib() -> dict:
    if DEVICE != "cuda":
        return {}
    return {"gpu_memory_allocated_gib": round(torch.cuda.memory_allocated() / 2**30, 2),
            "gpu_memory_reserved_gib": round(torch.cuda.memory_reserved() / 2**30, 2)}
