"""The explorer's "Check the gradients" panel: on demand, every parameter of a small network, a
named sample within the work bound for a large one."""

from __future__ import annotations

import re

import numpy as np
from fastapi.testclient import TestClient

from app.explorer import gradcheck_panel
from app.explorer.state import loaded_state, preset_state
from engine import Scenario, gradcheck

HX = {"HX-Request": "true"}


def largest() -> Scenario:
    """The largest network and batch, with numbers short enough for the explorer's link."""
    rng = np.random.default_rng(12)
    layers = [16] * 8
    return Scenario.from_dict(
        {
            "layers": layers,
            "activations": ["tanh"] * 6 + ["sigmoid"],
            "weights": [rng.normal(0, 0.3, (16, 16)).round(2).tolist() for _ in range(7)],
            "biases": [rng.normal(0, 0.1, 16).round(2).tolist() for _ in range(7)],
            "inputs": rng.integers(0, 2, (256, 16)).astype(float).tolist(),
            "targets": rng.integers(0, 2, (256, 16)).astype(float).tolist(),
            "loss": "half_sse",
        }
    )


def test_the_explorer_offers_the_check_as_a_button(client: TestClient) -> None:
    page = client.get("/explore/sigmoid-2-2-2").text
    assert 'id="gradcheck-run"' in page
    assert 'hx-get="/explore/gradcheck"' in page
    assert 'id="gradcheck-result" aria-live="polite"></div>' in page  # nothing computed yet


def test_every_parameter_of_a_small_network_is_checked(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    r = client.get("/explore/gradcheck", params={"s": state.encode(), "at": "4"}, headers=HX)
    assert r.status_code == 200
    assert "<html" not in r.text
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>', r.text)
    # into each neuron in turn, as document 003 numbers them and the timeline steps them
    assert rows == ["w1", "w2", "w3", "w4", "b1 (h1)", "b1 (h2)", "w5", "w6", "w7", "w8"] + [
        "b2 (o1)",
        "b2 (o2)",
    ]
    worst = gradcheck(state.scenario).max_rel_error
    summary = re.search(r"Worst relative error: <strong>([^<]+)</strong>", r.text)
    assert summary is not None and summary.group(1) == gradcheck_panel.number(worst, 3)
    assert "agree" in r.text and "Every weight and bias (12)" in r.text
    assert r.text.count("0.000001</td>") == 12  # the step size on every row


def test_without_javascript_the_check_is_a_page_with_a_way_back(client: TestClient) -> None:
    s = preset_state("batch-xor").encode()
    r = client.get("/explore/gradcheck", params={"s": s, "at": "2"})
    assert r.status_code == 200 and "<html" in r.text
    assert "Back to the explorer" in r.text and "at=2" in r.text


def test_a_large_network_checks_a_named_sample_within_the_work_bound(client: TestClient) -> None:
    s = largest()
    most = gradcheck_panel.most_params(s)
    assert most * 2 * s.n_samples * s.n_params <= gradcheck_panel.WORK_BOUND
    assert most < s.n_params
    r = client.get(
        "/explore/gradcheck", params={"s": loaded_state(s).encode(), "at": "-1"}, headers=HX
    )
    assert r.status_code == 200
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th>', r.text)
    assert 14 <= len(rows) <= most
    assert f"Checked {len(rows)} of {s.n_params} parameters" in r.text
    assert "w1" in rows  # named as the page names them


def test_a_bad_link_is_a_400_naming_it(client: TestClient) -> None:
    r = client.get("/explore/gradcheck", params={"s": "1.nope"})
    assert r.status_code == 400
    assert "cannot be checked" in r.text
