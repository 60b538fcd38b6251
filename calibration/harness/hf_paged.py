"""HF transformers continuous batching ("hf-paged"): the ContinuousBatchingManager with its default config, and a
per-step log of what each scheduler step contained and how long it took.

Step logging wraps, at class level, three methods of the batch processor and one of its input builder:
  ContinuousBatchProcessor.prepare_next_batch   scheduling + building the step's input tensors (host)
  ContinuousBatchingIOs.prepare_batch_tensors   sees the scheduled requests before their positions advance:
                                                per request, query length and tokens already cached
  ContinuousBatchProcessor._generation_step     forward + sampling; in synchronous mode it ends with a stream sync,
                                                so its wall time is the step's device time plus launch overhead
  ContinuousBatchProcessor.update_batch         host bookkeeping after the step
Nothing else in the library is changed. The same wrapper can also hold a gate so that a whole batch of requests
enters the scheduler at once (offline submission), instead of racing the background thread request by request.
"""

from __future__ import annotations

import threading
import time

import torch
from transformers import GenerationConfig

from device import memory_gib
from records import steps_from_compositions

PAD_ID = 0


def cb_overrides(args) -> dict:
    """ContinuousBatchingConfig fields set on the command line (none by default: the library's defaults)."""
    out = {}
    if getattr(args, "cb_num_blocks", None):
        out["num_blocks"] = args.cb_num_blocks
    if getattr(args, "cb_max_batch_tokens", None):
        out["max_batch_tokens"] = args.cb_max_batch_tokens
    if getattr(args, "cb_cuda_graphs", None):
        out["use_cuda_graph"] = args.cb_cuda_graphs == "on"
    if getattr(args, "cb_max_memory_percent", None):
        out["max_memory_percent"] = args.cb_max_memory_percent
    return out


def add_cb_arguments(ap) -> None:
    ap.add_argument("--cb-num-blocks", type=int, default=None,
                    help="hf-paged: override ContinuousBatchingConfig.num_blocks (default: library's choice)")
    ap.add_argument("--cb-max-batch-tokens", type=int, default=None,
                    help="hf-paged: override ContinuousBatchingConfig.max_batch_tokens (default: library's choice)")
    ap.add_argument("--cb-cuda-graphs", choices=["on", "off"], default=None,
                    help="hf-paged: ContinuousBatchingConfig.use_cuda_graph (default: library's choice, off for sdpa)")
    ap.add_argument("--cb-max-memory-percent", type=float, default=None,
                    help="hf-paged: ContinuousBatchingConfig.max_memory_percent (the KV cache's share of free memory; "
                         "CUDA graphs' private pools need what the default 0.9 leaves no room for)")


class StepLog:
    """Installs the wrappers once per process; `armed` turns recording on."""

    _installed = False

    def __init__(self):
        self.armed = False
        self.steps: list[dict] = []
        self.gate = threading.Lock()
        self._pending: dict | None = None
        self._install()

    def _install(self) -> None:
        from transformers.generation.continuous_batching import continuous_api, input_outputs

        if StepLog._installed:
            raise RuntimeError("StepLog already installed in this process")
        StepLog._installed = True
        log = self
        CBP = continuous_api.ContinuousBatchProcessor
        IOs = input_outputs.ContinuousBatchingIOs
        orig_prepare, orig_step, orig_update = CBP.prepare_next_batch, CBP._generation_step, CBP.update_batch
        orig_tensors = IOs.prepare_batch_tensors

        def prepare_next_batch(self):
            with log.gate:
                t0 = time.perf_counter()
                ok = orig_prepare(self)
                t1 = time.perf_counter()
            if ok and log.armed and log._pending is not None:
                log._pending.update(t_start=t0, prepare_s=t1 - t0)
            return ok

        def prepare_batch_tensors(self, requests_in_batch, *args, **kwargs):
            if log.armed:
                prefill, decode = [], []
                for fs in requests_in_batch:
                    st = fs.state
                    cached, q = st.position_offset, fs.query_length
                    if q == 1 and cached >= len(st.initial_tokens):
                        decode.append(cached + 1)  # context convention: cached + the new token
                    else:
                        prefill.append([q, cached])
                log._pending = {"prefill": prefill, "decode_contexts": decode,
                                "num_q_tokens": sum(fs.query_length for fs in requests_in_batch)}
            return orig_tensors(self, requests_in_batch, *args, **kwargs)

        def _generation_step(self, model):
            t0 = time.perf_counter()
            orig_step(self, model)
            t1 = time.perf_counter()
            if log.armed and log._pending is not None:
                log._pending.update(forward_s=t1 - t0, t_forward_end=t1)
            return None

        def update_batch(self):
            orig_update(self)
            t1 = time.perf_counter()
            if log.armed and log._pending is not None:
                p = log._pending
                p["update_s"] = t1 - p.get("t_forward_end", t1)
                log.steps.append(p)
                log._pending = None

        CBP.prepare_next_batch = prepare_next_batch
        CBP._generation_step = _generation_step
        CBP.update_batch = update_batch
        IOs.prepare_batch_tensors = prepare_batch_tensors

    def start(self) -> None:
        self.steps = []
        self._pending = None
        self.armed = True

    def stop(self) -> list[dict]:
        self.armed = False
        return self.steps


def step_summary(steps: list[dict], t0: float) -> dict:
    """Compressed step list (records format) plus per-step timings relative to t0."""
    comps = [{"prefill": s["prefill"], "decode_contexts": s["decode_contexts"]} for s in steps]
    return {
        "steps": steps_from_compositions(comps),
        "step_count": len(steps),
        "step_timings": {
            "columns": ["t_start_s", "prepare_s", "forward_s", "update_s", "q_tokens", "prefill_chunks", "decode_n"],
            "rows": [[round(s.get("t_start", t0) - t0, 5), round(s.get("prepare_s", 0), 6),
                      round(s.get("forward_s", 0), 6), round(s.get("update_s", 0), 6), s["num_q_tokens"],
                      len(s["prefill"]), len(s["decode_contexts"])] for s in steps],
        },
    }


class PagedServer:
    """A running ContinuousBatchingManager with the library's default ContinuousBatchingConfig."""

    def __init__(self, model, step_log: StepLog, cb_overrides: dict | None = None):
        self.model = model
        self.log = step_log
        gen_cfg = GenerationConfig(do_sample=False, eos_token_id=None, bos_token_id=None, pad_token_id=PAD_ID,
                                   max_new_tokens=16)
        cb_config = None
        if cb_overrides:  # harness tests on small machines, and the CUDA-graph runs (graphs on, memory share)
            from transformers.generation.configuration_utils import ContinuousBatchingConfig

            cb_config = ContinuousBatchingConfig(**cb_overrides)
        self.cb_overrides = cb_overrides or {}
        self.manager = model.init_continuous_batching(generation_config=gen_cfg, continuous_batching_config=cb_config)
        self.manager.start()
        deadline = time.time() + 120
        while self.manager.batch_processor is None and time.time() < deadline:
            if not self.manager.is_running():
                err = self.manager.background_thread_status.fatal_error
                raise RuntimeError(f"continuous batching thread died at start: {err!r}")
            time.sleep(0.05)
        if self.manager.batch_processor is None:
            raise RuntimeError("continuous batching processor did not start")
        self._counter = 0

    def resolved_config(self) -> dict:
        """What the default config resolved to for this model on this GPU."""
        m = self.manager
        cfg = m.continuous_batching_config
        bp = m.batch_processor
        cache = bp.cache
        out = {
            "api": "model.init_continuous_batching(generation_config) + manager.start() (default ContinuousBatchingConfig)",
            "config_overrides": self.cb_overrides,
            "attn_implementation_during_cb": self.model.config._attn_implementation,
            "scheduler": type(bp.scheduler).__name__,
            "safety_margin": bp.scheduler.safety_margin,
            "block_size": cache.block_size,
            "num_blocks": cache.num_blocks,
            "kv_cache_tokens": cache.num_pages,
            "max_batch_tokens": cache.max_batch_tokens,
            "max_requests_per_batch": cfg.max_requests_per_batch,
            "max_blocks_per_request (decode fast path, 0 = off)": cache.max_blocks_per_request,
            "use_cuda_graph (varlen, decode)": list(cfg.use_cuda_graph) if cfg.use_cuda_graph is not None else None,
            "use_async_batching": cfg.use_async_batching,
            "varlen_compile_config": None if cfg.varlen_compile_config is None else str(cfg.varlen_compile_config),
            "decode_compile_config": None if cfg.decode_compile_config is None else str(cfg.decode_compile_config),
            "max_memory_percent": cfg.max_memory_percent,
            "allow_block_sharing": cfg.allow_block_sharing,
            "use_prefix_sharing": cache.use_prefix_sharing,
            "cpu_offload_space_gib": cfg.cpu_offload_space,
            "logit_processing": bool(m.logit_processor.do_processing),
            "kv_cache_gib": round(sum(t.numel() * t.element_size() for t in cache.key_cache + cache.value_cache)
                                  / 2**30, 2),
            **memory_gib(),
        }
        io = bp.inputs_and_outputs
        if getattr(io, "attention_mask", None):
            out["attention_mask_buffer_shape"] = [list(t.shape) for t in io.attention_mask.values()]
        return out

    def _new_id(self) -> str:
        self._counter += 1
        return f"r{self._counter}"

    def run(self, prompts: list[list[int]], max_new_tokens: list[int], arrivals_s: list[float] | None = None,
            log_steps: bool = True) -> dict:
        """Serve a list of requests. arrivals_s=None: all submitted at t=0 through the gate (they enter the scheduler
        together). Otherwise each request is submitted at its arrival time after t0. Returns per-request times
        (seconds from t0), t0/t_end (perf_counter) and the step log."""
        m = self.manager
        n = len(prompts)
        ids = [self._new_id() for _ in range(n)]
        submit = [0.0] * n
        if log_steps:
            self.log.start()
        if arrivals_s is None:
            with self.log.gate:
                t0 = time.perf_counter()
                for i in range(n):
                    m.add_request(prompts[i], request_id=ids[i], max_new_tokens=max_new_tokens[i],
                                  record_timestamps=True)
                    submit[i] = time.perf_counter() - t0
        else:
            order = sorted(range(n), key=lambda i: arrivals_s[i])
            t0 = time.perf_counter()
            for i in order:
                delay = t0 + arrivals_s[i] - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                m.add_request(prompts[i], request_id=ids[i], max_new_tokens=max_new_tokens[i],
                              record_timestamps=True)
                submit[i] = time.perf_counter() - t0
        results = {}
        deadline = time.time() + 600
        while len(results) < n:
            r = m.get_result(timeout=1.0)
            if r is not None and r.is_finished():
                results[r.request_id] = r
            elif r is None and not m.is_running():
                raise RuntimeError("continuous batching thread stopped")
            if time.time() > deadline:
                raise TimeoutError(f"only {len(results)}/{n} requests finished")
        t_end = time.perf_counter()
        steps = self.log.stop() if log_steps else []
        reqs = []
        for i, rid in enumerate(ids):
            r = results[rid]
            if r.error:
                raise RuntimeError(f"request {rid} failed: {r.error}")
            if len(r.generated_tokens) != max_new_tokens[i]:
                raise RuntimeError(f"request {rid}: {len(r.generated_tokens)} tokens, expected {max_new_tokens[i]}")
            ts = r.timestamps or []
            reqs.append({
                "submitted_s": round(submit[i], 6),
                "admitted_s": round(r.lifespan[0] - t0, 6) if r.lifespan[0] > 0 else None,
                "first_token_s": round(ts[0] - t0, 6) if ts else None,
                "finish_s": round(r.lifespan[1] - t0, 6),
            })
        t_last = max(r["finish_s"] for r in reqs)
        return {"t0": t0, "t_end": t_end, "last_finish_s": t_last, "requests": reqs, "raw_steps": steps}

    def close(self) -> None:
        self.manager.stop(block=True, timeout=30)
        self.manager.destroy()
