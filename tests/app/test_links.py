"""Shorter links (issue 15): format 2 leaves out what the state's origin says and writes numbers
as float64; links made by format 1 still open to the same state; one maximum length."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from app.explorer import codec, link
from app.explorer.actions import apply_architecture, apply_edit, finish, train_state
from app.explorer.state import (
    PageState,
    load,
    loaded_state,
    make_scratch,
    preset_state,
    scratch_state,
    url,
)
from engine import PRESETS, Scenario

HX = {"HX-Request": "true"}

FORMAT_1 = json.loads((Path(__file__).parent / "fixtures" / "links_format1.json").read_text())
ORIGIN = "http://127.0.0.1:8000"  # what `make run` serves: a link as a learner copies it
SHORT = 1_500


@pytest.mark.parametrize("name", list(FORMAT_1))
def test_a_link_made_by_format_1_opens_to_the_same_state(name: str) -> None:
    old = FORMAT_1[name]
    assert old["s"].startswith("1.")
    state = load(old["s"])
    assert state.to_doc() == old["doc"]
    again = load(state.encode())  # and its new link holds the same
    assert again.to_doc() == old["doc"] and again.history == state.history
    assert state.encode().startswith(codec.VERSION + ".")
    assert len(state.encode()) < len(old["s"]), (len(state.encode()), len(old["s"]))


@pytest.mark.parametrize("name", list(FORMAT_1))
def test_a_format_1_link_opens_as_a_page(client: TestClient, name: str) -> None:
    r = client.get("/explore", params={"s": FORMAT_1[name]["s"], "at": "2"})
    assert r.status_code == 200
    assert f'name="s" value="{codec.VERSION}.' in r.text  # its controls carry the new format


def states() -> dict[str, PageState]:
    xor = preset_state("batch-xor")
    wide = scratch_state(make_scratch("3,5,4,2", "relu", "softmax", "cross_entropy", "fixed", "9"))
    edited = apply_edit(preset_state("sigmoid-2-2-2"), {"w-1-0-1": "-0.0", "title": "T ✓"})
    return {
        "trained 2-2-2": train_state(preset_state("sigmoid-2-2-2"), 10_000, 30.0),
        "xor, 3 iterations, layer view": replace(
            finish(finish(finish(xor))), granularity="layer", precision=15, sample=3
        ),
        "scratch softmax trained": train_state(wide, 250, 30.0),
        "preset edited then trained": train_state(edited, 40, 30.0),
        "a layer added (labels back to default)": apply_architecture(edited, "add_layer:0"),
        "loaded then trained": train_state(
            loaded_state(Scenario.from_dict({**PRESETS["linear-2-2-1"].scenario, "title": "L"})),
            7,
            30.0,
        ),
    }


def bits(x: Any) -> list[int]:
    return np.asarray(x, np.float64).view(np.int64).ravel().tolist()  # type: ignore[no-any-return]


@pytest.mark.parametrize(("name", "state"), list(states().items()))
def test_a_state_comes_back_from_its_link_bit_for_bit(name: str, state: PageState) -> None:
    back = load(state.encode())
    assert back.scenario.to_dict() == state.scenario.to_dict()
    before, after = state.scenario, back.scenario
    for a, b in zip(before.weights + before.biases, after.weights + after.biases, strict=True):
        assert bits(a) == bits(b)
    # the loss history exactly (format 1 kept 10 digits), an overflowed loss as 1e308
    assert [k for k, _ in back.history] == [k for k, _ in state.history]
    assert bits([x for _, x in back.history]) == bits(
        [x if math.isfinite(x) else 1e308 for _, x in state.history]
    )
    assert back.to_doc() == state.to_doc()


@pytest.mark.parametrize("preset_id", list(PRESETS))
def test_preset_links_are_short(preset_id: str) -> None:
    start = preset_state(preset_id)
    assert len(ORIGIN + url(start, 30)) <= 60  # /explore/<preset>?at=…
    one = finish(start)
    assert len(ORIGIN + url(one, 30)) <= 600
    trained = train_state(start, 10_000, 30.0)
    assert len(ORIGIN + url(trained, 30)) <= SHORT


def test_a_trained_2_2_2_link_from_the_page_is_at_most_1500_characters(
    client: TestClient,
) -> None:
    page = client.get("/explore/sigmoid-2-2-2")
    s = page.text.split('name="s" value="', 1)[1].split('"', 1)[0]
    r = client.post("/explore/train", data={"s": s, "iterations": "10000"}, follow_redirects=False)
    assert r.status_code == 303
    trained = r.headers["location"] + "&at=36"  # the last step, as a learner may share it
    assert len(ORIGIN + trained) <= SHORT, len(ORIGIN + trained)
    assert client.get(trained).status_code == 200


# -- the one maximum ----------------------------------------------------------------------------


def large_loaded() -> PageState:
    """A loaded 8 × 16 network: its link holds the file's numbers (a long but valid link)."""
    rng = np.random.default_rng(5)
    layers = [16] * 8
    doc = {
        "layers": layers,
        "activations": ["tanh"] * 6 + ["sigmoid"],
        "weights": [rng.uniform(-1, 1, (16, 16)).tolist() for _ in range(7)],
        "biases": [rng.uniform(-1, 1, 16).tolist() for _ in range(7)],
        "inputs": [rng.uniform(0, 1, 16).tolist()],
        "targets": [rng.uniform(0.1, 0.9, 16).tolist()],
        "loss": "half_sse",
    }
    return loaded_state(Scenario.from_dict(doc))


def test_a_change_whose_link_would_be_too_long_is_refused_with_a_way_out(
    client: TestClient,
) -> None:
    state = large_loaded()
    assert not link.link_too_long(state)
    assert len(state.encode_quoted()) > 20_000  # the file's numbers, once
    assert link.link_too_long(train_state(state, 1, 30.0))  # and the trained ones beside them
    for path in ("/explore/train", "/embed/explore/train"):
        r = client.post(
            path,
            data={"s": state.encode(), "iterations": "1", "panels": "chart"},
            follow_redirects=False,
        )
        assert r.status_code == 422, r.status_code
        text = unescape(r.text)
        assert f"a link may have at most {codec.MAX_LINK:,}" in text
        assert "Download" in text and "REST API" in text


def test_a_too_long_change_is_refused_in_place_with_the_changed_scenario_to_download(
    client: TestClient,
) -> None:
    """Not an error page: the explorer as it was, the message beside the control used (the
    train form), what was typed kept, and the changed network downloadable."""
    state = large_loaded()
    trained = train_state(state, 1, 30.0)
    r = client.post(
        "/explore/train", data={"s": state.encode(), "at": "-1", "iterations": "1"}, headers=HX
    )
    assert r.status_code == 422 and r.headers["HX-Push-Url"] == "false"
    html = unescape(r.text)
    error = re.search(r'<p class="field-error" id="e-iterations" role="alert">([^<]*)</p>', html)
    assert error and f"a link may have at most {codec.MAX_LINK:,}" in error.group(1)
    assert re.search(r'id="f-iterations" name="iterations"[^>]* value="1"', html)  # as typed
    assert f'name="s" value="{state.encode()}"' in html  # the network as it was
    assert 'form="too-long-download"' in html
    posted = re.search(r'<form id="too-long-download" action="([^"]*)" method="post"', html)
    scenario = re.search(r'<input type="hidden" name="scenario" value="([^"]*)"', r.text)
    assert posted and scenario
    download = client.post(posted.group(1), data={"scenario": unescape(scenario.group(1))})
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert Scenario.from_dict(download.json()) == trained.scenario
    bad = client.post("/share/scenario.json", data={"scenario": "{"})
    assert bad.status_code == 422 and "is not JSON" in unescape(bad.text)


def test_links_the_app_writes_stay_within_the_maximum() -> None:
    for state in states().values():
        assert len(url(state, 999)) <= codec.MAX_LINK
    assert codec.MAX_LINK < codec.MAX_ENCODED  # old links up to format 1's limit still read


# -- damaged links of format 2 -------------------------------------------------------------------


def nan_losses(n: int) -> bytes:
    return link._packed_losses([math.nan] * n).tobytes()


def parts(state: PageState) -> tuple[dict[str, Any], bytes]:
    return codec.unpack(state.encode())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d, n: (d, n[:-3]), "loss history is damaged"),
        (lambda d, n: (d, n + b"\0" * 8), "loss history is damaged"),
        (lambda d, n: (d, n[:20]), "cut short"),
        (lambda d, n: ({**d, "history_at": [0, -5, *d["history_at"][2:]]}, n), "history"),
        (lambda d, n: ({**d, "history_at": [2**40] * len(d["history_at"])}, n), "history"),
        (lambda d, n: ({**d, "changes": {"layers": [2, 99, 2]}}, n), "layers must be"),
        (lambda d, n: ({**d, "changes": []}, n), "changes to its example"),
        (lambda d, n: ({**d, "unset": ["layers"]}, n), "layers must be"),
        (lambda d, n: ({**d, "origin": {"preset": "nope"}}, n), "which example"),
        (lambda d, n: ({**d, "scenario": {}}, n), "numbers after a whole document"),
        (lambda d, n: ({**d, "history_at": [0]}, n[: 8 * 12] + nan_losses(1)), "history"),
    ],
)
def test_a_damaged_short_link_is_refused_in_words(
    client: TestClient, change: Any, message: str
) -> None:
    state = train_state(preset_state("sigmoid-2-2-2"), 300, 30.0)
    doc, numbers = change(*parts(state))
    s = codec.encode(doc, numbers)
    r = client.get("/explore", params={"s": s})
    assert r.status_code == 400, r.status_code
    assert message in unescape(r.text)
