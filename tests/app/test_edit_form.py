"""The edit form and the training panel as a learner uses them: an edit changes only the field
changed, fields show the page's decimals (the exact value one click away), document 003's shared
biases, "stop when E < …", Previous from the start of an iteration, and the presentation and the
share builder reaching the routes through FastAPI's dependencies."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient

from app.explorer import pages, share
from app.explorer.actions import EditError, apply_edit, finish
from app.explorer.edit_form import exact_text, field_text
from app.explorer.state import PREVIOUS_STEP, PageState, load, preset_state, previous_state, url
from engine import trace

HX = {"HX-Request": "true"}


def form_fields(html: str, form: str = "edit-form") -> dict[str, str]:
    """What a browser posts for a form: every text field, every select's chosen option."""
    i = html.index(f'<form id="{form}"')
    body = html[i : html.index("</form>", i)]
    fields = {
        unescape(m[0]): unescape(m[1])
        for m in re.findall(r'<input[^>]*\bname="([^"]+)"[^>]*\bvalue="([^"]*)"', body)
    }
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', body, re.S):
        chosen = re.search(r'<option value="([^"]+)"\s+selected', options)
        assert chosen, name
        fields[name] = unescape(chosen.group(1))
    return fields


def state_of(location: str) -> PageState:
    """The state a redirect's address holds (a preset's own address: the preset)."""
    parts = urlsplit(location)
    query = parse_qs(parts.query)
    if "s" in query:
        return load(query["s"][0])
    return preset_state(parts.path.rsplit("/", 1)[-1])


def trained(preset: str = "sigmoid-2-2-2", decimals: int = 3) -> PageState:
    """A state after one update, shown at ``decimals``: its weights have 17 digits."""
    return replace(finish(preset_state(preset)), precision=decimals)


# -- an edit changes only the field changed --------------------------------------------------------


def test_fields_show_the_chosen_decimals_and_the_exact_values_one_click_away(
    client: TestClient,
) -> None:
    state = trained()
    html = client.get(url(state)).text
    w5 = state.scenario.weights[1][0, 0]
    shown = form_fields(html)["w-1-0-0"]
    assert shown == f"{w5:.3f}".rstrip("0") and float(shown) != w5
    exact = "".join(re.findall(r'<details class="exact-values">.*?</details>', html, re.S))
    assert f'w5 = <span class="exact-number">{exact_text(w5)}</span>' in exact
    assert float(exact_text(w5)) == w5  # reads back as the same float
    # a preset as it starts shows its own short numbers, and nothing to list
    start = client.get("/explore/sigmoid-2-2-2").text
    assert form_fields(start)["w-1-0-0"] == "0.4" and "exact-values" not in start


def test_an_edit_changes_only_the_field_the_learner_changed(client: TestClient) -> None:
    state = trained()
    fields = form_fields(client.get(url(state, 5)).text)
    fields["w-1-0-0"] = "0.5"
    r = client.post("/explore/edit", data=fields, follow_redirects=False)
    assert r.status_code == 303
    new = state_of(r.headers["location"]).scenario
    assert new.weights[1][0, 0] == 0.5
    before = state.scenario
    for layer in range(2):  # every other value exactly as it was, not rounded to 3 decimals
        changed = np.argwhere(new.weights[layer] != before.weights[layer]).tolist()
        assert changed == ([[0, 0]] if layer == 1 else [])
        assert np.array_equal(new.biases[layer], before.biases[layer])
    assert new.learning_rate == before.learning_rate
    assert np.array_equal(new.inputs, before.inputs)


def test_posting_the_form_unchanged_changes_nothing(client: TestClient) -> None:
    state = trained(decimals=2)
    fields = form_fields(client.get(url(state)).text)
    assert apply_edit(state, {k: v for k, v in fields.items() if k not in ("s", "at")}) is state


@pytest.mark.parametrize(
    ("x", "decimals", "text"),
    [(0.15, 9, "0.15"), (-0.5, 9, "-0.5"), (2.0, 9, "2"), (3.51e-5, 3, "3.51e-5"), (0.0, 3, "0")],
)
def test_field_text_reads_back_as_a_learner_typed_it(x: float, decimals: int, text: str) -> None:
    assert field_text(x, decimals) == text
    assert float(text) == pytest.approx(x, rel=10 ** -(decimals - 1))


# -- document 003's shared biases ------------------------------------------------------------------


def bias_row(html: str, layer: int) -> str:
    rows = re.findall(r'<tr class="bias-row">.*?</tr>', html, re.S)
    return rows[layer]


def test_shared_biases_are_one_field_that_sets_both(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    html = client.get(url(state)).text
    row = bias_row(html, 0)
    assert 'colspan="2"' in row and 'name="b-0-0"' in row and 'name="b-0-1"' not in row
    assert 'aria-label="b1 (bias of h1 and h2)"' in row
    new = apply_edit(state, {"b-0-0": "0.4"})
    assert new.scenario.biases[0].tolist() == [0.4, 0.4]
    assert new.scenario.biases[1].tolist() == [0.6, 0.6]


def test_shared_biases_split_into_named_fields_once_updates_make_them_differ(
    client: TestClient,
) -> None:
    state = apply_edit(
        preset_state("sigmoid-2-2-2"), {"has_update_biases": "1", "update_biases": "on"}
    )
    after = finish(state)
    b = after.scenario.biases[0]
    assert b[0] != b[1]
    html = client.get(url(after)).text
    row = bias_row(html, 0)
    assert 'name="b-0-0"' in row and 'name="b-0-1"' in row and "colspan" not in row
    assert ">b1 (h1)</span>" in row and ">b1 (h2)</span>" in row
    assert "h1 and h2 share the bias b1" in html and "made their values differ" in html
    edited = apply_edit(after, {"b-0-1": "0.25"})
    assert edited.scenario.biases[0].tolist() == [b[0], 0.25]


def test_distinct_bias_labels_keep_distinct_fields(client: TestClient) -> None:
    html = client.get("/explore/batch-xor").text
    row = bias_row(html, 0)
    assert 'name="b-0-0"' in row and 'name="b-0-1"' in row and "colspan" not in row
    assert "share the bias" not in html


# -- messages in a learner's words -----------------------------------------------------------------


def test_a_rule_between_two_fields_is_said_beside_the_one_changed() -> None:
    state = apply_edit(preset_state("sigmoid-2-2-2"), {"t-0-0": "2"})
    with pytest.raises(EditError) as e:
        apply_edit(state, {"loss": "bce"})
    assert e.value.field == "loss" and "between 0 and 1" in e.value.message


def test_the_learning_rate_rule_is_said_once(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    for typed in ("0", "-1", "101", "abc", "1e400"):
        with pytest.raises(EditError) as e:
            apply_edit(state, {"learning_rate": typed})
        assert e.value.message == (
            f"the learning rate η: “{typed}” is not allowed: use 0 < η ≤ 100"
        )


# -- "stop when E < …" -----------------------------------------------------------------------------


def test_batch_xor_offers_its_stopping_criterion_and_says_what_it_did(client: TestClient) -> None:
    html = client.get("/explore/batch-xor").text
    assert form_fields(html, "train-form")["stop_below"] == "0.01"
    assert "stops sooner once the loss E falls below" in html
    r = client.post(
        "/explore/train",
        data={
            "s": preset_state("batch-xor").encode(),
            "at": "-1",
            "iterations": "100000",
            "stop_below": "0.01",
        },
    )
    assert r.status_code == 200
    notice = re.search(r'id="stopped">([^<]*)<', r.text)
    assert notice and "the loss E fell below 0.01" in unescape(notice.group(1))
    state = load(form_fields(r.text, "train-form")["s"])
    assert state.trained is not None and state.trained.stopped == "stop_below"
    assert state.history[-1][1] < 0.01 <= state.history[-2][1]  # the run ended at the crossing
    assert form_fields(r.text, "train-form")["stop_below"] == "0.01"  # offered again


def test_a_bad_stop_is_refused_beside_its_field_and_keeps_what_was_typed(
    client: TestClient,
) -> None:
    s = preset_state("batch-xor").encode()
    r = client.post(
        "/explore/train",
        data={"s": s, "at": "-1", "iterations": "500", "stop_below": "-1"},
        headers=HX,
    )
    assert r.status_code == 422
    message = re.search(r'id="e-stop_below"[^>]*>([^<]*)<', r.text)
    assert message and "use a loss above 0" in unescape(message.group(1))
    assert form_fields(r.text, "train-form") | {"s": s} == {
        "s": s,
        "at": "-1",
        "iterations": "500",
        "stop_below": "-1",
    }


# -- Previous at the start of an iteration ---------------------------------------------------------


def test_previous_at_the_start_of_iteration_2_shows_the_last_update_again(
    client: TestClient,
) -> None:
    start = preset_state("sigmoid-2-2-2")
    second = finish(start)
    assert previous_state(second) == start
    html = client.get(url(second)).text
    assert re.search(
        rf'id="prev-step"[^>]*value="{PREVIOUS_STEP}"|value="{PREVIOUS_STEP}"[^>]*id="prev-step"',
        html,
    )
    assert not re.search(r'id="prev-step"[^>]*disabled', html)
    last = len(trace(start.scenario, start.granularity).steps) - 1
    r = client.get(f"/explore?s={second.encode()}&at={PREVIOUS_STEP}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == url(start, last)
    r = client.get(f"/explore?s={second.encode()}&at={PREVIOUS_STEP}", headers=HX)
    assert r.status_code == 200 and r.headers["hx-push-url"] == url(start, last)
    assert f"step {last + 1} of {last + 1}" in r.text
    # in the embed too, the frame's address following
    r = client.get(f"/embed/explore?s={second.encode()}&at={PREVIOUS_STEP}", headers=HX)
    assert r.status_code == 200 and f"at={last}" in r.headers["hx-replace-url"]


def test_the_previous_parameters_survive_the_link_and_an_edit_forgets_them() -> None:
    second = finish(finish(preset_state("batch-xor")))
    again = load(second.encode())
    assert again == second and again.previous == second.previous
    # one iteration back, where the parameters before that are no longer kept
    assert previous_state(again) == replace(finish(preset_state("batch-xor")), previous=None)
    assert apply_edit(second, {"w-0-0-0": "0.1"}).previous is None
    assert previous_state(preset_state("batch-xor")) is None  # the first iteration: nothing before


# -- the presentation and the share builder through Depends ----------------------------------------


def test_no_route_reads_the_presentation_from_request_state() -> None:
    # the frame and the share builder's options, preview, error and kind: dependencies now
    shown = re.compile(r"request\.state(\.|\W+[\"'])(frame|embed_\w+)")
    root = Path(__file__).resolve().parents[2]
    for path in [*root.glob("app/**/*.py"), *root.glob("templates/*.html")]:
        for k, line in enumerate(path.read_text().splitlines(), 1):
            assert not shown.search(line), f"{path.name}:{k}: {line.strip()}"


def test_the_presentation_and_the_builder_are_dependencies_a_test_can_override(
    app: FastAPI, client: TestClient
) -> None:
    class Marked(pages.Presentation):
        def error(self, request: Request, message: str, status: int) -> HTMLResponse:
            return super().error(request, "marked: " + message, status)

    app.dependency_overrides[pages.site] = lambda: Marked()
    app.dependency_overrides[share.builder_of] = lambda: share.Builder(
        preview_width=1000, asked=True
    )
    try:
        r = client.get("/explore/view?s=2.damaged")
        assert r.status_code == 400 and "marked: " in r.text
        s = preset_state("sigmoid-2-2-2").encode()
        r = client.get(f"/share/embed-code?s={s}", headers=HX)
        assert "Preview the frame at 1000 px" in r.text
    finally:
        app.dependency_overrides.clear()


def test_an_error_answer_under_embed_is_the_frames_and_elsewhere_the_sites(
    client: TestClient,
) -> None:
    s = preset_state("sigmoid-2-2-2").encode()
    framed = client.put("/embed/explore/edit", data={"s": s}, headers=HX)
    assert framed.status_code == 405 and framed.headers["hx-retarget"] == "#explorer"
    site = client.put("/explore/edit", data={"s": s}, headers=HX)
    assert site.status_code == 405 and site.headers["hx-retarget"] == "body"
