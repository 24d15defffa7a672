"""The bounds on one page request: heavy renders take a slot (a 503 when none frees in time),
and the table of every value shows one sample when all of them would be too many rows."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
from fastapi.testclient import TestClient

from app.explorer.budget import MAX_TABLE_ROWS, Busy, RenderSlots, is_heavy, table_sample
from app.explorer.state import loaded_state, preset_state, url
from app.main import create_app
from app.settings import Settings
from engine import PRESETS, Scenario


def _batch(samples: int, layers: tuple[int, ...] = (16, 16, 16)) -> Scenario:
    rng = np.random.default_rng(samples)
    pairs = list(zip(layers, layers[1:], strict=False))
    return Scenario.from_dict(
        {
            "layers": list(layers),
            "activations": ["tanh"] * (len(pairs) - 1) + ["sigmoid"],
            "weights": [rng.uniform(-1, 1, (a, b)).round(2).tolist() for a, b in pairs],
            "biases": [rng.uniform(-1, 1, b).round(2).tolist() for _, b in pairs],
            "inputs": rng.uniform(-1, 1, (samples, layers[0])).round(2).tolist(),
            "targets": rng.uniform(0.1, 0.9, (samples, layers[-1])).round(2).tolist(),
            "loss": "half_sse",
        }
    )


def test_the_documents_examples_are_light_and_show_every_sample() -> None:
    for pid in PRESETS:
        s = PRESETS[pid].load()
        assert not is_heavy(s) and table_sample(s, 0) is None


def test_a_large_batchs_table_shows_the_chosen_sample_only_and_says_so(client: TestClient) -> None:
    s = _batch(64)  # 48 neurons × 64 samples
    assert sum(s.layers) * s.n_samples > MAX_TABLE_ROWS
    state = replace(loaded_state(s), granularity="layer", sample=4)
    html = client.get(url(state, 2)).text
    table = html[html.index('id="values-table"') :]
    note = re.search(r'id="values-note">([^<]*)<', table)
    assert note and "Sample 5 of 64 only" in note.group(1) and "3,072 rows" in note.group(1)
    rows = re.findall(r"<tr><td>\d+</td><th scope=\"row\">[^<]*</th><td>(\d+)</td>", table)
    assert len(rows) == 48 and set(rows) == {"5"}


def test_a_small_batchs_table_shows_every_sample(client: TestClient) -> None:
    html = client.get("/explore/batch-xor").text
    assert 'id="values-note"' not in html


def test_a_heavy_render_waits_for_a_slot_and_answers_503_when_none_frees() -> None:
    app = create_app(Settings())
    app.state.render_slots = slots = RenderSlots(1, wait=0.05)
    heavy = replace(loaded_state(_batch(8, (16, 16, 16, 16))), granularity="layer")
    assert is_heavy(heavy.scenario)
    with TestClient(app) as c, slots.hold(heavy.scenario):
        busy = c.get(url(heavy))
        assert busy.status_code == 503 and busy.headers["retry-after"] == "30"
        assert "try again" in busy.text
        light = c.get(url(preset_state("sigmoid-2-2-2")))  # needs no slot
        assert light.status_code == 200
    with TestClient(app) as c:
        assert c.get(url(heavy)).status_code == 200  # the slot is free again


def test_slots_are_released_after_a_failed_render() -> None:
    slots = RenderSlots(1, wait=0.01)
    heavy = _batch(8, (16, 16, 16, 16))
    try:
        with slots.hold(heavy):
            raise ValueError
    except ValueError:
        pass
    with slots.hold(heavy):
        try:
            with slots.hold(heavy):
                raise AssertionError("two heavy renders at once with one slot")
        except Busy:
            pass
