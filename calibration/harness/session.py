"""Plumbing every harness script shares: a wall-clock budget that stops new points in time, and a log that goes to
stdout and to a file as it is written (so a call cut short by the machine's limit still leaves its log)."""
import time


class Budget:
    def __init__(self, seconds: float):
        self.t0 = time.time()
        self.seconds = seconds

    def left(self) -> float:
        return self.seconds - (time.time() - self.t0)


class Log:
    def __init__(self, path: str):
        self.f = open(path, "a", buffering=1)

    def __call__(self, *parts):
        line = time.strftime("%H:%M:%S ") + " ".join(str(p) for p in parts)
        print(line, flush=True)
        self.f.write(line + "\n")
