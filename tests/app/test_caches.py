"""The pages' one cache: held by each app, bounded in bytes by an honest estimate, and what is
too large is used once and not kept."""

from __future__ import annotations

import gc
import tracemalloc
from dataclasses import replace

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.caches import DerivedCache, TraceBundle, deep_size
from app.explorer.state import make_scratch, preset_state, scratch_scenario
from app.main import create_app
from app.settings import Settings
from engine import PRESETS, Scenario, trace


def _scenario(layers: str, samples: int) -> Scenario:
    s = scratch_scenario(make_scratch(layers, "tanh", "sigmoid", "half_sse", "random", "3"))
    rng = np.random.default_rng(5)
    doc = s.to_dict()
    doc["inputs"] = rng.uniform(-1, 1, (samples, s.layers[0])).tolist()
    doc["targets"] = rng.uniform(0.1, 0.9, (samples, s.layers[-1])).tolist()
    return Scenario.from_dict(doc)


def test_every_app_starts_with_an_empty_cache_of_its_own() -> None:
    one, two = create_app(Settings()), create_app(Settings())
    with TestClient(one) as c:
        assert c.get("/explore/sigmoid-2-2-2?at=3").status_code == 200
    # the trace's bundle, and the page's parts kept for the next step's answer (partial.py)
    assert len(one.state.derived) == 2 and one.state.derived.nbytes > 0
    assert len(two.state.derived) == 0


def test_an_app_with_no_cache_keeps_nothing_and_answers_the_same() -> None:
    # CACHE_MB=0: what the cache buys is measured against it (python -m bench.render)
    kept, bare = create_app(Settings()), create_app(Settings(cache_mb=0))
    with TestClient(kept) as a, TestClient(bare) as b:
        for at in (3, 4, 3):
            assert (
                a.get(f"/explore/sigmoid-2-2-2?at={at}").text
                == b.get(f"/explore/sigmoid-2-2-2?at={at}").text
            )
    assert len(bare.state.derived) == 0 and bare.state.derived.nbytes == 0
    assert len(kept.state.derived) > 0


@pytest.mark.parametrize(("layers", "samples"), [("2,2,2", 1), ("4,8,8,4", 64), ("8,16,16,8", 256)])
def test_a_traces_estimated_size_is_near_what_it_holds(layers: str, samples: int) -> None:
    s = _scenario(layers, samples)
    trace(s, "layer")  # what the first trace of a shape leaves behind is not the trace's
    gc.collect()
    tracemalloc.start()
    tr = trace(s, "layer")
    held, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert 0.6 * held <= deep_size(tr) <= 2.0 * held, (deep_size(tr), held)


def test_the_cache_keeps_what_fits_in_its_bytes_newest_first() -> None:
    traces = {pid: trace(PRESETS[pid].load(), "neuron") for pid in PRESETS}
    sizes = {pid: deep_size(tr) for pid, tr in traces.items()}
    budget = sum(sizes.values()) - min(sizes.values()) // 2  # not all of them
    cache = DerivedCache(max_bytes=budget)
    for pid, tr in traces.items():
        assert cache.bundle(pid, lambda tr=tr: tr).trace is tr
        assert cache.nbytes <= budget
    assert 0 < len(cache) < len(traces)
    last = list(traces)[-1]
    assert cache.bundle(last, lambda: pytest.fail("made again")).trace is traces[last]


def test_a_bundle_is_weighed_again_as_it_grows_and_large_pieces_are_not_kept() -> None:
    tr = trace(PRESETS["sigmoid-2-2-2"].load(), "neuron")
    cache = DerivedCache(max_bytes=10 * deep_size(tr), max_piece_bytes=10_000)
    bundle = cache.bundle("a", lambda: tr)
    before = cache.nbytes
    made: list[str] = []

    def piece(n: int) -> str:
        made.append("x")
        return "x" * n

    assert bundle.derived("small", lambda: piece(1000)) == "x" * 1000
    assert bundle.derived("small", lambda: piece(1000)) == "x" * 1000
    assert len(made) == 1 and cache.nbytes >= before + 1000
    bundle.derived("large", lambda: piece(20_000))
    bundle.derived("large", lambda: piece(20_000))
    assert len(made) == 3  # made for each request, never kept
    grown = cache.nbytes
    while cache.nbytes >= grown:  # grows past the entry bound: the bundle leaves the cache
        bundle.derived(len(made), lambda: piece(9000))
        if len(cache) == 0:
            break
    assert len(cache) == 0 and cache.nbytes == 0


def test_a_trace_larger_than_an_entry_may_be_is_used_once_and_not_kept() -> None:
    tr = trace(PRESETS["batch-xor"].load(), "neuron")
    cache = DerivedCache(max_bytes=10 * deep_size(tr), max_entry_bytes=deep_size(tr) // 2)
    assert cache.bundle("k", lambda: tr).trace is tr
    assert len(cache) == 0


def test_a_bundle_alone_keeps_its_pieces() -> None:
    bundle = TraceBundle(trace(PRESETS["single-neuron"].load(), "neuron"))
    assert bundle.derived("k", lambda: [1, 2]) is bundle.derived("k", lambda: [3])


def test_a_link_read_again_is_the_same_state_and_a_refusal_is_not_kept() -> None:
    app = create_app(Settings())
    with TestClient(app) as c:
        st = preset_state("batch-xor")
        s = replace(st, precision=4).encode()
        for at in (0, 1):
            assert c.get("/explore", params={"s": s, "at": at}).status_code == 200
        kept = len(app.state.derived)
        assert c.get("/explore", params={"s": s[:40]}).status_code == 400
        assert len(app.state.derived) == kept
