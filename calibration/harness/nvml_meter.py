"""GPU energy and power through NVML, plus the environment record.

The NVML total-energy counter (nvmlDeviceGetTotalEnergyConsumption, millijoules since driver load) only moves
about every 100 ms, so any energy figure taken from it needs a window of a couple of seconds to be accurate to a
few per cent: callers repeat short work until the window is >= 2 s and divide. A background thread samples the
power reading (nvmlDeviceGetPowerUsage) so each measured point can also keep its power trace.

Reads only: this module never changes clocks, power limits or any other device setting.
"""

from __future__ import annotations

import datetime
import os
import platform
import socket
import statistics
import sys
import threading
import time

import pynvml


class EnergyMeter:
    """One GPU's energy counter and power sampler. Use `window()` to measure a stretch of work."""

    def __init__(self, device_index: int = 0, sample_period_s: float = 0.1):
        pynvml.nvmlInit()
        self.handle = pynvml.nvmlDeviceGetHandleByIndex(device_index)
        self.sample_period_s = sample_period_s
        self._samples: list[tuple[float, float]] = []  # (perf_counter seconds, watts)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_loop, name="nvml-power-sampler", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ raw readings
    def energy_j(self) -> float:
        """Total energy counter in joules (monotonic, ticks about every 100 ms)."""
        return pynvml.nvmlDeviceGetTotalEnergyConsumption(self.handle) / 1000.0

    def power_w(self) -> float:
        return pynvml.nvmlDeviceGetPowerUsage(self.handle) / 1000.0

    def sm_mhz(self) -> int:
        return pynvml.nvmlDeviceGetClockInfo(self.handle, pynvml.NVML_CLOCK_SM)

    def mem_mhz(self) -> int:
        return pynvml.nvmlDeviceGetClockInfo(self.handle, pynvml.NVML_CLOCK_MEM)

    def temperature_c(self) -> int:
        return pynvml.nvmlDeviceGetTemperature(self.handle, pynvml.NVML_TEMPERATURE_GPU)

    # ------------------------------------------------------------------ power sampler
    def _sample_loop(self) -> None:
        while not self._stop.is_set():
            try:
                w = self.power_w()
                with self._lock:
                    self._samples.append((time.perf_counter(), w))
                    if len(self._samples) > 200_000:
                        del self._samples[:100_000]
            except pynvml.NVMLError:
                pass
            self._stop.wait(self.sample_period_s)

    def power_samples(self, t0: float, t1: float) -> list[tuple[float, float]]:
        """Power samples (seconds from t0, watts) taken between perf_counter times t0 and t1."""
        with self._lock:
            return [(round(t - t0, 3), round(w, 1)) for t, w in self._samples if t0 <= t <= t1]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1)

    # ------------------------------------------------------------------ windows
    def window(self) -> "Window":
        return Window(self)

    def idle(self, seconds: float = 10.0) -> dict:
        """Idle power over `seconds` (nothing running on the GPU from this process): the median of the sampled power
        readings, and the counter's average over the window as a cross-check."""
        with self.window() as w:
            time.sleep(seconds)
        watts = [p for _, p in w.power_samples]
        return {
            "watts_median": round(statistics.median(watts), 2) if watts else None,
            "watts_min": min(watts) if watts else None,
            "watts_max": max(watts) if watts else None,
            "watts_counter_average": round(w.joules / w.seconds, 2),
            "seconds": round(w.seconds, 3),
            "watts_samples": watts,
            "sample_period_s": self.sample_period_s,
            "sm_mhz": self.sm_mhz(),
        }


class Window:
    """Context manager: wall time and NVML energy between enter and exit (the caller synchronizes the GPU)."""

    def __init__(self, meter: EnergyMeter):
        self.meter = meter
        self.seconds = 0.0
        self.joules = 0.0
        self.power_samples: list[tuple[float, float]] = []

    def __enter__(self) -> "Window":
        self.e0 = self.meter.energy_j()
        self.t0 = time.perf_counter()
        return self

    def elapsed(self) -> float:
        return time.perf_counter() - self.t0

    def __exit__(self, *exc) -> None:
        self.t1 = time.perf_counter()
        self.e1 = self.meter.energy_j()
        self.seconds = self.t1 - self.t0
        self.joules = self.e1 - self.e0
        self.power_samples = self.meter.power_samples(self.t0, self.t1)

    @property
    def avg_watts(self) -> float:
        return self.joules / self.seconds if self.seconds > 0 else 0.0


def _safe(fn, *args, default=None):
    try:
        return fn(*args)
    except Exception:  # NVML calls not supported on every GPU or driver
        return default


def environment(meter: EnergyMeter, command: list[str] | None = None) -> dict:
    """Everything needed to tell later whether two measurements are comparable."""
    import torch
    import transformers

    h = meter.handle
    name = pynvml.nvmlDeviceGetName(h)
    name = name.decode() if isinstance(name, bytes) else name
    driver = pynvml.nvmlSystemGetDriverVersion()
    driver = driver.decode() if isinstance(driver, bytes) else driver
    cuda_drv = _safe(pynvml.nvmlSystemGetCudaDriverVersion_v2) or _safe(pynvml.nvmlSystemGetCudaDriverVersion)
    mem = _safe(pynvml.nvmlDeviceGetMemoryInfo, h)
    limit = _safe(pynvml.nvmlDeviceGetPowerManagementLimit, h)
    enforced = _safe(pynvml.nvmlDeviceGetEnforcedPowerLimit, h)
    cmd = command if command is not None else ["python3"] + sys.argv
    return {
        "gpu_name": name,
        "gpu_count_visible": torch.cuda.device_count(),
        "gpu_memory_total_mib": round(mem.total / 2**20) if mem else None,
        "driver": driver,
        "cuda": torch.version.cuda,
        "cuda_driver_api": f"{cuda_drv // 1000}.{(cuda_drv % 1000) // 10}" if cuda_drv else None,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "python": platform.python_version(),
        "power_limit_w": limit / 1000 if limit else None,
        "power_limit_enforced_w": enforced / 1000 if enforced else None,
        "sm_clock_max_mhz": _safe(pynvml.nvmlDeviceGetMaxClockInfo, h, pynvml.NVML_CLOCK_SM),
        "mem_clock_max_mhz": _safe(pynvml.nvmlDeviceGetMaxClockInfo, h, pynvml.NVML_CLOCK_MEM),
        "sm_clock_mhz": _safe(pynvml.nvmlDeviceGetClockInfo, h, pynvml.NVML_CLOCK_SM),
        "mem_clock_mhz": _safe(pynvml.nvmlDeviceGetClockInfo, h, pynvml.NVML_CLOCK_MEM),
        "applications_sm_clock_mhz": _safe(pynvml.nvmlDeviceGetApplicationsClock, h, pynvml.NVML_CLOCK_SM),
        "temperature_c": _safe(meter.temperature_c),
        "persistence_mode": _safe(pynvml.nvmlDeviceGetPersistenceMode, h),
        "hostname": socket.gethostname(),
        "cpu": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(cmd),
        "host_probe": _host_probe(),
    }


def _host_probe() -> dict | None:
    try:
        from host_probe import host_probe

        return host_probe()
    except Exception as e:  # the probe must never cost a measurement
        return {"error": repr(e)[:300]}


def gpu_key(gpu_name: str) -> str:
    """joulesim's GPU id for an NVML device name (models/gpus/*.json); the raw name when it is not one we know."""
    n = gpu_name.upper()
    if "H200" in n:
        return "h200"
    if "H100" in n:
        return "h100-sxm" if ("SXM" in n or "HBM3" in n) else "h100-pcie"
    if "B200" in n:
        return "b200"
    if "A100" in n:
        return "a100-sxm" if "SXM" in n else "a100-pcie"
    return gpu_name


def warm_idle(meter: "EnergyMeter", seconds: float = 5.0, gap_s: float = 0.01) -> dict:
    """Power of a GPU that serving keeps awake: a tiny kernel every `gap_s` seconds, nothing else. This is what the
    GPU draws in the gaps between steps of a host-bound stack (clocks up, no work), as opposed to `idle`, the power
    after seconds of nothing (cold idle). Returns the window's average power and the sampled readings."""
    import torch

    from device import DEVICE, sync

    x = torch.ones(1, device=DEVICE)
    sync()
    with meter.window() as w:
        while w.elapsed() < seconds:
            x.add_(1.0)
            sync()
            time.sleep(gap_s)
    watts = [p for _, p in w.power_samples]
    return {
        "watts_counter_average": round(w.joules / w.seconds, 2),
        "watts_median": round(statistics.median(watts), 2) if watts else None,
        "seconds": round(w.seconds, 3),
        "gap_s": gap_s,
        "watts_samples": watts,
        "sm_mhz": meter.sm_mhz(),
        "note": "a 1-element kernel every gap_s seconds (GPU awake, no work): the floor between serving steps",
    }
