"""bench/spy.py's summary of py-spy's raw samples (the recording itself needs py-spy and a
quiet machine: it is a tool, not a test)."""

from __future__ import annotations

from pathlib import Path

from bench.spy import summarise

LOOP = "thread (1): MainThread;run (uvicorn/main.py:10);send (uvicorn/h.py:524)"
POOL = "thread (2): AnyIO worker thread;run (anyio/_asyncio.py:5);step (engine/propagation.py:9)"


def test_samples_are_summed_by_thread_line_and_function(tmp_path: Path) -> None:
    raw = tmp_path / "spy.txt"
    raw.write_text(f"{LOOP} 3\n{POOL} 1\n{LOOP.replace('524', '551')} 4\n")
    out = summarise(raw).splitlines()
    assert out[0] == "8 samples"
    assert " 87.5%  event loop" in out and " 12.5%  pool threads" in out
    # a line is a function at one line; a function counts once whatever its line
    assert " 50.0%  send (uvicorn/h.py:551)" in out and " 37.5%  send (uvicorn/h.py:524)" in out
    assert " 87.5%  send (h.py)" in out and " 12.5%  step (propagation.py)" in out
