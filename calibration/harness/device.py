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


def apply_cudnn_sdp(choice: str) -> dict:
    """--cudnn-sdp default|on|off: leave torch's choice of attention kernels alone (default) or switch cuDNN attention
    on/off. Returns what to record."""
    if DEVICE != "cuda":
        return {"cudnn_sdp": choice}
    before = torch.backends.cuda.cudnn_sdp_enabled()
    if choice in ("on", "off"):
        torch.backends.cuda.enable_cudnn_sdp(choice == "on")
    return {"cudnn_sdp": choice, "cudnn_sdp_enabled_default": before,
            "cudnn_sdp_enabled": torch.backends.cuda.cudnn_sdp_enabled(),
            "flash_sdp_enabled": torch.backends.cuda.flash_sdp_enabled(),
            "mem_efficient_sdp_enabled": torch.backends.cuda.mem_efficient_sdp_enabled()}
