"""Where the served app spends its time under load: py-spy samples the one uvicorn worker while
wrk sends one kind of request from 8 connections, and the samples are summed by thread, by the
line they were on and by every function on their stack. No target: a tool for finding the next
cut (bench/RESULTS.md, "Where the event loop's time goes").

    pip install -e '.[profile]'          # py-spy
    python -m bench.spy [step|healthz] [seconds] [--idle]

By default only the samples that hold the interpreter are kept (py-spy ``--gil``): where the
event loop's thread and the pool's threads do their work. ``--idle`` keeps every sample of every
thread, waiting ones included.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from engine import PRESETS

from . import loadgen
from .server import serve

TARGETS = {"step": "/api/step", "healthz": "/healthz"}
RATE = 500  # samples a second


def record(target: str, seconds: int, idle: bool) -> tuple[Path, float]:
    """py-spy's raw samples (collapsed stacks) of the server under load, and the load's req/s."""
    beside = Path(sys.executable).with_name("py-spy")  # the venv's, when its bin is not on PATH
    spy = str(beside) if beside.exists() else shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy is not installed: pip install -e '.[profile]'")
    body = PRESETS["sigmoid-2-2-2"].load().to_dict() if target == "step" else None
    out = Path(tempfile.mkdtemp()) / f"spy-{target}.txt"
    with serve(workers=1) as (base, pid):
        url = base + TARGETS[target]
        loadgen.run(url, body, seconds=2)  # warm: the first requests import and fill caches
        args = [spy, "record", "--pid", str(pid), "--duration", str(seconds), "--rate", str(RATE)]
        args += ["--format", "raw", "--threads", "--nonblocking", "-o", str(out)]
        args += ["--idle"] if idle else ["--gil"]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        load = loadgen.run(url, body, seconds=seconds + 1)
        proc.wait(timeout=seconds + 30)
    return out, load.rps


def _frame(raw: str) -> str:
    """``name (path/to/file.py:12)`` → ``name (file.py)``: a function, whatever its line."""
    name, _, where = raw.partition(" (")
    return f"{name} ({where.rsplit('/', 1)[-1].split(':')[0]})" if where else name


def summarise(path: Path, most: int = 25) -> str:
    threads: Counter[str] = Counter()
    lines: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    total = 0
    for row in path.read_text().splitlines():
        stack, _, count = row.rpartition(" ")
        n, frames = int(count), stack.split(";")
        total += n
        threads["event loop" if "MainThread" in frames[0] else "pool threads"] += n
        lines[frames[-1][:110]] += n
        for f in {_frame(f) for f in frames[1:]}:
            functions[f] += n
    out = [f"{total:,} samples"]
    for title, counts, k in (
        ("by thread", threads, 5),
        ("by line", lines, most),
        ("by function (inclusive)", functions, most),
    ):
        out.append(f"-- {title}")
        out += [f"{n / total:6.1%}  {name}" for name, n in counts.most_common(k)]
    return "\n".join(out)


def main(argv: list[str]) -> None:
    words = [a for a in argv if not a.startswith("--")]
    target = words[0] if words else "step"
    seconds = int(words[1]) if len(words) > 1 else 8
    path, rps = record(target, seconds, "--idle" in argv)
    print(f"{TARGETS[target]} under wrk, 8 connections: {rps:,.0f} req/s; samples in {path}")
    print(summarise(path))


if __name__ == "__main__":
    main(sys.argv[1:])
