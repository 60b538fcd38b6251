"""Build a randomly initialised model of a given architecture on the GPU (bf16, sdpa attention).

The architecture comes from `models/architectures/<id>.json` (HF config numbers: num_hidden_layers, hidden_size,
intermediate_size, num_attention_heads, num_key_value_heads, head_dim, vocab_size, tie_word_embeddings,
max_position_embeddings, qkv_bias, num_experts, ...). Random weights do the same work per token as trained ones,
so no download is needed. If the JSON file is missing, a built-in table is used (llama-3.1-8b only) and the
returned `source` says so.

Generation never stops early: the model's EOS/BOS ids are cleared, so `generate` always produces exactly
`max_new_tokens` tokens and continuous batching sees `eos_token_id = -1` (disabled).
"""

from __future__ import annotations

import json
import os
import time

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

# Meta-Llama-3.1-8B config.json (the numbers that set the work per token). RoPE scaling ("llama3") only changes the
# inverse frequencies computed once, not the work, so the default RoPE is used.
BUILTIN = {
    "llama-3.1-8b": {
        "model_type": "llama",
        "num_hidden_layers": 32,
        "hidden_size": 4096,
        "intermediate_size": 14336,
        "num_attention_heads": 32,
        "num_key_value_heads": 8,
        "head_dim": 128,
        "vocab_size": 128256,
        "tie_word_embeddings": False,
        "max_position_embeddings": 131072,
        "rope_theta": 500000.0,
        "rms_norm_eps": 1e-5,
        "qkv_bias": False,
        "num_experts": 0,
        "source": "built-in table in calibration/harness/model_builder.py (meta-llama/Llama-3.1-8B config.json)",
    }
}

# Fields we pass through to the HF config when present (HF names).
_PASS_THROUGH = [
    "num_hidden_layers", "hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads",
    "head_dim", "vocab_size", "tie_word_embeddings", "max_position_embeddings", "rms_norm_eps",
    "sliding_window", "moe_intermediate_size", "num_experts_per_tok", "shared_expert_intermediate_size",
]


def load_architecture(model_id: str, arch_file: str | None = None) -> tuple[dict, str]:
    """Returns (fields, source description). Accepts the fields at the top level of the JSON or under one of
    "hf_config" / "config" / "architecture"."""
    path = arch_file or os.path.join(REPO_ROOT, "models", "architectures", f"{model_id}.json")
    if arch_file and not os.path.exists(arch_file):
        raise FileNotFoundError(arch_file)
    if os.path.exists(path):
        with open(path) as f:
            data = json.load(f)
        fields = dict(data)
        for key in ("hf_config", "config", "architecture", "moe"):
            if isinstance(data.get(key), dict):
                fields.update(data[key])
        return fields, os.path.relpath(path, REPO_ROOT)
    if model_id in BUILTIN:
        fields = dict(BUILTIN[model_id])
        return fields, f"{path} not found; fell back to " + fields["source"]
    raise FileNotFoundError(f"{path} not found and no built-in table for {model_id!r}")


def hf_config(fields: dict):
    """Turn architecture fields into a transformers config object."""
    from transformers import AutoConfig

    num_experts = int(fields.get("num_experts") or fields.get("num_local_experts") or 0)
    model_type = fields.get("hf_model_type") or fields.get("model_type")
    if not model_type:
        if num_experts > 0:
            model_type = "olmoe" if fields.get("qk_norm") else "mixtral"
        elif fields.get("qkv_bias"):
            model_type = "qwen2"
        elif fields.get("norm") == "layernorm_nonparametric":
            model_type = "olmo"
        else:
            model_type = "llama"
    kw = {k: fields[k] for k in _PASS_THROUGH if fields.get(k) is not None}
    if model_type == "llama":
        kw["attention_bias"] = bool(fields.get("qkv_bias", False))
    if num_experts > 0:
        kw["num_local_experts" if model_type == "mixtral" else "num_experts"] = num_experts
    theta = fields.get("rope_theta")
    if theta is not None:
        kw["rope_parameters"] = {"rope_type": "default", "rope_theta": float(theta)}
    # No special tokens: generation must never stop on EOS.
    kw.update(bos_token_id=None, eos_token_id=None, pad_token_id=0)
    return AutoConfig.for_model(model_type, **kw)


def build_model(model_id: str, attn_implementation: str = "sdpa", arch_file: str | None = None):
    """Returns (model, info). The model is on the GPU, bf16, eval mode, random weights."""
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    from device import DEVICE, memory_gib, sync

    fields, source = load_architecture(model_id, arch_file)
    cfg = hf_config(fields)
    t0 = time.perf_counter()
    torch.manual_seed(0)
    with torch.device(DEVICE):
        model = AutoModelForCausalLM.from_config(cfg, dtype=torch.bfloat16, attn_implementation=attn_implementation)
    model.eval()
    model.generation_config = GenerationConfig(
        do_sample=False, eos_token_id=None, bos_token_id=None, pad_token_id=0, max_new_tokens=16
    )
    sync()
    n_params = sum(p.numel() for p in model.parameters())
    info = {
        "model_id": model_id,
        "architecture_source": source,
        "hf_model_type": cfg.model_type,
        "hf_config": {k: getattr(cfg, k, None) for k in _PASS_THROUGH + ["attention_bias"] if hasattr(cfg, k)},
        "parameters": n_params,
        "dtype": "bfloat16",
        "attn_implementation": attn_implementation,
        "weights": "random (from_config, torch.manual_seed(0))",
        "build_seconds": round(time.perf_counter() - t0, 2),
        **memory_gib(),
    }
    return model, info
