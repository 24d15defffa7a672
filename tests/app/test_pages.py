"""The HTML pages: every micro-step renders, htmx gets fragments, edits answer 422 in place,
damaged links get a readable message, user text stays escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.explorer.actions import finish
from app.explorer.codec import encode
from app.explorer.state import (
    PageState,
    load,
    make_scratch,
    preset_state,
    scratch_state,
)
from engine import PRESETS, Scenario, trace

HX = {"HX-Request": "true"}


def explore_url(state: PageState, at: int = -1) -> str:
    return f"/explore?s={state.encode()}&at={at}"


def section(html: str, start: str, end: str) -> str:
    i = html.index(start)
    return html[i : html.index(end, i) + len(end)]


def field_error(html: str, name: str) -> str:
    m = re.search(rf'id="e-{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert m, f"no error beside {name}"
    return unescape(m.group(1))


def hidden_s(html: str, form: str = "nav") -> str:
    m = re.search(rf'<form id="{form}"[^>]*>\s*<input type="hidden" name="s" value="([^"]+)"', html)
    assert m
    return unescape(m.group(1))


# -- every step of every preset --------------------------------------------------------------------


@pytest.mark.parametrize("preset", list(PRESETS))
@pytest.mark.parametrize("granularity", ["neuron", "layer"])
def test_every_micro_step_renders(client: TestClient, preset: str, granularity: str) -> None:
    state = replace(preset_state(preset), granularity=granularity)
    steps = trace(state.scenario, granularity).steps
    for at in range(-1, len(steps)):
        r = client.get(explore_url(state, at))
        assert r.status_code == 200, (preset, granularity, at)
        html = r.text
        assert 'id="step-title"' in html
        if at >= 0:
            step = steps[at]
            assert f"step {at + 1} of {len(steps)}" in html
            assert re.search(r'<h2 id="step-title">([^<]*)</h2>', html).group(
                1
            ) == step.title.replace("'", "&#39;")
            assert 'aria-current="step"' in html
        assert "nan" not in re.sub(r"<[^>]+>", "", html).lower().split()


def test_the_preset_url_and_the_cursor(client: TestClient) -> None:
    r = client.get("/explore/sigmoid-2-2-2?at=3")
    assert r.status_code == 200 and "step 4 of 37" in r.text
    assert client.get("/explore/sigmoid-2-2-2?at=999").text.count("step 37 of 37") >= 1  # clamped
    assert "not started" in client.get("/explore/sigmoid-2-2-2").text
    assert client.get("/explore/sigmoid-2-2-2?at=-1").status_code == 200


def test_documents_numbers_at_their_steps(client: TestClient) -> None:
    expect = {
        0: "0.3775",
        1: "0.593269992",
        10: "0.298371109",
        15: "0.082167041",
        29: "0.35891648",
        33: "0.149780716",
    }
    for at, text in expect.items():
        html = client.get(f"/explore/sigmoid-2-2-2?at={at}").text
        assert f'<span class="result-value pos">{text}</span>' in html
        assert "as the document prints" in html  # the printed figure is reproduced: a ✓ badge


def test_a_printed_figure_that_differs_shows_its_note(client: TestClient) -> None:
    one = replace(finish(preset_state("sigmoid-2-2-2")), precision=10)
    html = client.get(explore_url(one, 10)).text  # the E step after one iteration
    note = unescape(section(html, 'class="figure-note differs"', "</p>"))
    assert "0.291027924" in note and "0.2910277737" in note and "output first" in note
    # the output-first order reproduces the printed figure
    of = replace(
        preset_state("sigmoid-2-2-2"),
        scenario=Scenario.from_dict(
            {**PRESETS["sigmoid-2-2-2"].scenario, "update_order": "output_first"}
        ),
    )
    html = client.get(explore_url(finish(of), 10)).text
    assert 'class="figure-note ok"' in html and "0.291027924" in html


def test_layer_granularity_matches_figures_through_covers(client: TestClient) -> None:
    st = replace(preset_state("sigmoid-2-2-2"), granularity="layer")
    html = client.get(explore_url(st, 8)).text  # ∇W2 covers ∂E/∂w5
    # the figure's name as MathML (issue 14: no formula text outside <math>)
    assert '<math alttext="∂E/∂w5">' in html
    assert "</math> = 0.082167041, as the document prints" in unescape(html)
    lin = preset_state("linear-2-2-1")
    html = unescape(client.get(explore_url(lin, len(trace(lin.scenario, "layer").steps) - 2)).text)
    assert '<math alttext="η · ∂E/∂w5">' in html
    assert "</math>: The document prints -0.0478" in html


# -- htmx fragments --------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/explore/sigmoid-2-2-2?at=5", "/explore/batch-xor"])
def test_htmx_gets_a_fragment(client: TestClient, url: str) -> None:
    full = client.get(url)
    frag = client.get(url, headers=HX)
    assert full.status_code == frag.status_code == 200
    assert "<html" in full.text and "<html" not in frag.text
    assert full.headers["vary"] == frag.headers["vary"]  # and Accept-Encoding: compressed
    assert full.headers["vary"].split(",")[0] == "HX-Request"
    assert frag.text.lstrip().startswith('<div id="explorer"') or 'id="explorer"' in frag.text[:400]
    # the live region's text is swapped into it (innerHTML): the region stays, and says the step
    assert 'hx-swap-oob="innerHTML"' in frag.text and 'id="announce"' in frag.text
    assert frag.headers["hx-push-url"] == url.replace("?at=-1", "")
    # a history restore asks for the whole page
    restore = client.get(url, headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_ids_and_hx_attributes(client: TestClient) -> None:
    html = client.get("/explore/sigmoid-2-2-2?at=5").text
    for needle in [
        'id="explorer"',
        'id="diagram-svg"',
        'id="diagram-svg-narrow"',
        'id="step-panel"',
        'id="timeline"',
        'id="loss-chart"',
        'id="values-table"',
        'id="loss-readout"',
        'id="announce"',
        '<form id="nav" action="/explore" method="get" hx-get="/explore" hx-target="#explorer" '
        'hx-swap="outerHTML" hx-replace-url="true" hx-headers=\'{"HX-Explorer-Holds": "page"}\' '
        'hx-include="#explorer-at">',
        'form="nav" name="at" value="4" id="prev-step"',
        'form="nav" name="at" value="6" id="next-step"',
        'id="next-phase"',
        'formaction="/explore/finish" id="finish"',
        'id="reset" class="button quiet" href="/explore/sigmoid-2-2-2" '
        'hx-get="/explore/sigmoid-2-2-2"',
        'id="edit-form" action="/explore/edit" method="post" hx-post="/explore/edit"',
        'hx-trigger="change, submit"',
        'id="train-form" class="train-form" action="/explore/train" method="post" '
        'hx-post="/explore/train"',
        'id="view" class="view-form" action="/explore/view" method="get" hx-get="/explore/view"',
        'aria-keyshortcuts="ArrowRight"',
        'aria-keyshortcuts="ArrowLeft"',
        'formaction="/explore/architecture" name="op" value="add_neuron:1"',
        'id="f-w-1-0-0"',
        'id="f-b-0-0"',
        'id="f-x-0-0"',
        'id="f-t-0-1"',
        'id="f-learning_rate"',
        'id="f-loss"',
        'id="f-act-1"',
        'id="f-update_biases"',
        'id="f-update_order"',
        "/static/js/htmx-2.0.11.min.js",
        "/static/js/explorer.js",
        '"includeIndicatorStyles": false',
        '"allowEval": false',
        '"code": "^(400|404|422)$", "swap": true',
    ]:
        assert needle in html, needle
    # the CSP: no inline script, no style attribute or element
    assert not re.search(r"<script(?![^>]*\ssrc=)", html)
    assert " style=" not in html and "<style" not in html
    assert not re.search(r"\son[a-z]+=", html)
    # every button and link has an accessible name
    for m in re.finditer(r"<button\b[^>]*>(.*?)</button>", html, re.S):
        assert re.sub(r"<[^>]+>", "", m.group(1)).strip() or "aria-label=" in m.group(0)


def test_the_timeline_is_grouped_by_phase(client: TestClient) -> None:
    html = client.get("/explore/sigmoid-2-2-2?at=12").text
    groups = re.findall(r'<div class="tl-group (\w+)', section(html, 'id="timeline"', "</nav>"))
    assert groups == ["forward", "loss", "backward", "update"]
    assert len(re.findall(r'class="tl-step[ "]', html)) == 37


def test_the_timeline_marks_the_cursor(client: TestClient) -> None:
    """Steps before the cursor are done, the cursor's step is current (and the only one)."""
    for at in (-1, 0, 12, 36):
        tl = section(client.get(f"/explore/sigmoid-2-2-2?at={at}").text, 'id="timeline"', "</nav>")
        marks = re.findall(r'id="tl-(?:\d+|start)" class="tl-(?:step|start)( current| done)?"', tl)
        assert marks[0] == (" current" if at < 0 else "")  # Start
        assert marks[1:] == [" done"] * max(at, 0) + [" current"] * (at >= 0) + [""] * (36 - at)
        assert tl.count('aria-current="step"') == 1
        current = re.search(r'<button [^>]*aria-current="step"[^>]*>', tl)
        assert current is not None and f'value="{at}"' in current.group(0)


def test_a_long_timeline_shows_a_window_around_the_cursor(client: TestClient) -> None:
    r = client.get("/explore/new?layers=2,8,8,1&hidden=tanh&output=sigmoid&loss=half_sse")
    n = int(re.search(r'data-steps="(\d+)"', r.text).group(1))  # type: ignore[union-attr]
    assert n > 80
    tl = section(r.text, 'id="timeline"', "</nav>")  # not started: the first step of each phase
    assert len(re.findall(r'class="tl-step[ "]', tl)) == 4
    assert tl.count("more</li>") == 4
    s = unescape(re.search(r'name="s" value="([^"]+)"', r.text).group(1))  # type: ignore[union-attr]
    at = 100
    page = client.get("/explore", params={"s": s, "at": str(at)}, headers=HX).text
    tl = section(page, 'id="timeline"', "</nav>")
    shown = [int(k) for k in re.findall(r'id="tl-(\d+)"', tl)]
    group = section(tl, '<div class="tl-group backward current">', "</div>")
    window = [int(k) for k in re.findall(r'id="tl-(\d+)"', group)]
    assert set(range(at - 12, at + 13)) <= set(window)  # the cursor's neighbours, both sides
    assert all(abs(k - at) <= 12 for k in window[1:-1])  # and the phase's first and last step
    assert window == sorted(window)
    assert group.count('<li class="tl-gap" aria-hidden="true">…</li>') == 2
    assert "more</li>" not in group and tl.count("more</li>") == 3
    assert re.search(rf'id="tl-{at}" class="tl-step current"[^>]*aria-current="step"', tl)
    assert all(f'id="tl-{k}" class="tl-step done"' in tl for k in shown if k < at)


# -- edits -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("w-1-0-0", "abc", "w5: “abc” is not a number: use a number from"),
        ("w-1-0-0", "nan", "w5: “nan” is not a number"),
        ("b-0-0", "1e400", "b1: “1e400” is too large: use a number from −1,000,000 to 1,000,000"),
        ("x-0-0", "-3e6", "input i1 of sample 1: “-3e6” is too small"),
        ("learning_rate", "-1", "the learning rate η: “-1” is not allowed: use 0 < η ≤ 100"),
        ("loss", "cross_entropy", "needs a softmax output layer"),
    ],
)
def test_a_bad_edit_answers_422_in_place(
    client: TestClient, field: str, value: str, words: str
) -> None:
    state = preset_state("sigmoid-2-2-2")
    before = client.get(explore_url(state, 7)).text
    for headers in (HX, {}):
        r = client.post(
            "/explore/edit", data={"s": state.encode(), "at": "7", field: value}, headers=headers
        )
        assert r.status_code == 422
        assert words in field_error(r.text, field)
        assert f'id="f-{field}"' in r.text and 'aria-invalid="true"' in r.text
        # what was typed stays in the field; the rest is as it was
        if field != "loss":
            assert re.search(
                rf'id="f-{field}" name="{field}" class="num-input invalid" '
                rf'value="{re.escape(value)}"',
                r.text,
            )
        assert section(r.text, '<svg id="diagram-svg"', "</svg>") == section(
            before, '<svg id="diagram-svg"', "</svg>"
        )
        assert section(r.text, '<section class="step-pane"', "</nav>") == section(
            before, '<section class="step-pane"', "</nav>"
        )
        assert hidden_s(r.text) == state.encode()
    assert r.headers.get("hx-push-url") is None or True
    r = client.post(
        "/explore/edit", data={"s": state.encode(), "at": "7", field: value}, headers=HX
    )
    assert r.headers["hx-push-url"] == "false" and "<html" not in r.text


def test_a_good_edit_changes_everything_downstream(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    r = client.post(
        "/explore/edit", data={"s": state.encode(), "at": "1", "w-0-0-0": "0.5"}, headers=HX
    )
    assert r.status_code == 200
    pushed = r.headers["hx-push-url"]
    q = parse_qs(urlsplit(pushed).query)
    new = load(q["s"][0])
    assert q["at"] == ["1"] and new.scenario.weights[0][0, 0] == 0.5 and new.edited
    assert "0.3775" not in section(r.text, '<svg id="diagram-svg"', "</svg>")  # net_h1 changed
    assert "as the document prints" not in r.text  # the document's figures no longer apply
    # without JavaScript: post, redirect, get
    nojs = client.post(
        "/explore/edit",
        data={"s": state.encode(), "at": "1", "w-0-0-0": "0.5"},
        follow_redirects=False,
    )
    assert nojs.status_code == 303 and nojs.headers["location"] == pushed
    assert client.get(pushed).status_code == 200


def test_settings_and_architecture(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    r = client.post(
        "/explore/edit",
        data={
            "s": state.encode(),
            "at": "-1",
            "update_order": "output_first",
            "has_update_biases": "1",
            "update_biases": "on",
        },
        headers=HX,
    )
    new = load(parse_qs(urlsplit(r.headers["hx-push-url"]).query)["s"][0])
    assert new.scenario.update_order == "output_first" and new.scenario.update_biases
    r = client.post(
        "/explore/architecture", data={"s": state.encode(), "op": "add_neuron:1"}, headers=HX
    )
    assert r.status_code == 200 and "2-3-2 network" in r.text
    r = client.post(
        "/explore/architecture", data={"s": state.encode(), "op": "remove_layer:0"}, headers=HX
    )
    assert r.status_code == 422 and "only a hidden layer" in field_error(r.text, "architecture")


def test_view_options(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    r = client.get(
        "/explore/view",
        params={"s": state.encode(), "at": "15", "granularity": "layer"},
        headers=HX,
    )
    q = parse_qs(urlsplit(r.headers["hx-push-url"]).query)
    assert q["at"] == ["8"] and load(q["s"][0]).granularity == "layer"  # ∂E/∂w5 → ∇W2
    r = client.get(
        "/explore/view",
        params={"s": state.encode(), "at": "3", "precision": "3"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "0.593" in client.get(r.headers["location"].replace("at=3", "at=1")).text
    r = client.get("/explore/view", params={"s": state.encode(), "at": "3", "precision": "abc"})
    assert r.status_code == 422 and "decimals" in field_error(r.text, "precision")


def test_neuron_granularity_needs_few_samples(client: TestClient) -> None:
    doc = {**PRESETS["batch-xor"].scenario}
    doc["inputs"] = doc["inputs"] * 3
    doc["targets"] = doc["targets"] * 3
    st = replace(preset_state("batch-xor"), scenario=Scenario.from_dict(doc), granularity="neuron")
    html = client.get(explore_url(st, 0)).text
    assert "Net inputs of layer 1" in html  # forced to layer by layer
    assert re.search(r'id="gran-neuron"[^>]*disabled', html)


def test_neuron_granularity_needs_a_small_enough_network(client: TestClient) -> None:
    # a second reader measured 4–12 s for the first page of the largest network, neuron by
    # neuron with 8 samples: the page grows with samples × (weights + biases)
    base = scratch_state(make_scratch("16,16,16,16", "tanh", "sigmoid", "half_sse", "random", "1"))
    doc = base.scenario.to_dict()
    html = client.get(explore_url(replace(base, granularity="neuron"), 0)).text
    button = re.search(r'<button[^>]*id="gran-neuron"[^>]*>', html)
    assert button is not None and "disabled" not in button.group(0)  # 1 × (768 + 48): offered
    doc["inputs"], doc["targets"] = doc["inputs"] * 3, doc["targets"] * 3  # 3 × (768 + 48)
    st = replace(base, scenario=Scenario.from_dict(doc), granularity="neuron")
    html = client.get(explore_url(st, 0)).text
    assert "Net inputs of layer 1" in html  # forced to layer by layer
    button = re.search(r'<button[^>]*id="gran-neuron"[^>]*>', html)
    assert button is not None and "disabled" in button.group(0)
    assert "samples × (weights + biases) at most 2,000 (this one: 2,448)" in unescape(
        button.group(0)
    )


# -- finishing and training ------------------------------------------------------------------------


def test_finish_the_iteration(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    r = client.post("/explore/finish", data={"s": state.encode(), "at": "36"}, headers=HX)
    q = parse_qs(urlsplit(r.headers["hx-push-url"]).query)
    new = load(q["s"][0])
    assert new.iteration == 1 and "at" not in q and len(new.history) == 2
    assert "Iteration 2" in r.text and "E = 0.291027774" in r.text


def test_train(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    r = client.post(
        "/explore/train", data={"s": state.encode(), "at": "3", "iterations": "10000"}, headers=HX
    )
    new = load(parse_qs(urlsplit(r.headers["hx-push-url"]).query)["s"][0])
    assert new.iteration == 10_000 and len(new.history) <= 100
    assert "Trained 10,000 iterations" in r.text and "<polyline" in r.text
    html = client.get(
        explore_url(new, 5)
    ).text  # out_o1 after 10,000 iterations: the document's note
    assert "0.015912196" in html
    r = client.post(
        "/explore/train", data={"s": state.encode(), "at": "3", "iterations": "1"}, headers=HX
    )
    assert "Trained 1 iteration." in r.text and "Loss over 1 iteration:" in r.text
    assert 'id="f-iterations" name="iterations" class="narrow" inputmode="numeric" value="1"' in (
        r.text
    )  # the number asked for stays in the field
    for bad in ("0", "abc", "100001", "-5"):
        r = client.post("/explore/train", data={"s": state.encode(), "at": "3", "iterations": bad})
        assert r.status_code == 422 and "iterations" in field_error(r.text, "iterations")


def test_train_shows_why_it_stopped(client: TestClient) -> None:
    from app.explorer.actions import apply_edit

    st = apply_edit(preset_state("linear-2-2-1"), {"learning_rate": "90"})
    r = client.post("/explore/train", data={"s": st.encode(), "iterations": "1000"}, headers=HX)
    assert r.status_code == 200
    assert "Training stopped after" in r.text and "diverged" in r.text


# -- the home page and starting from scratch -------------------------------------------------------


def test_home(client: TestClient) -> None:
    html = client.get("/").text
    for p in PRESETS.values():
        assert f'href="/explore/{p.id}"' in html and p.document in html
    assert 'href="/docs"' in html and 'action="/explore/new"' in html


def test_start_from_scratch(client: TestClient) -> None:
    r = client.get(
        "/explore/new", params={"layers": "2,3,1", "init": "fixed"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert (
        page.status_code == 200
        and "2-3-1 network" in page.text
        and "Started from scratch" in page.text
    )
    reset = re.search(r'id="reset" class="button quiet" href="([^"]+)"', page.text).group(1)
    assert unescape(reset) == r.headers["location"]
    bad = client.get("/explore/new", params={"layers": "2,abc"})
    assert bad.status_code == 422 and "layers" in field_error(bad.text, "layers")


# -- damaged links and hostile text ----------------------------------------------------------------


@pytest.mark.parametrize(
    "s",
    [
        "garbage",
        "1.",
        "1.!!!!",
        "1.eNpLKs3J0QMABhkB3w",
        "2.eNpLKs3J0QMABhkB3w",
        "1." + "A" * 64_010,
        encode({"x": 1}),
        encode({"scenario": {"layers": [2]}}),
        encode([1, 2]) if False else encode({"scenario": 5}),
    ],
)
def test_a_damaged_link_gets_a_clear_message(client: TestClient, s: str) -> None:
    for path in ("/explore", "/explore/view"):
        r = client.get(path, params={"s": s, "at": "2"})
        assert r.status_code == 400, (path, s[:20])
        assert 'role="alert"' in r.text and 'href="/"' in r.text
    r = client.post("/explore/finish", data={"s": s})
    assert r.status_code == 400
    r = client.get("/explore", params={"s": s}, headers=HX)
    assert r.status_code == 400 and r.headers["hx-retarget"] == "body"


def test_bad_cursor_and_unknown_preset(client: TestClient) -> None:
    assert client.get("/explore/sigmoid-2-2-2?at=abc").status_code == 422
    r = client.get("/explore/nope")
    assert r.status_code == 404 and "sigmoid-2-2-2" in r.text
    assert client.get("/explore", follow_redirects=False).status_code == 303


def test_script_in_a_title_or_label_is_escaped(client: TestClient) -> None:
    doc = {**PRESETS["sigmoid-2-2-2"].scenario, "title": "<script>alert(1)</script>"}
    labels = dict(doc["labels"])
    labels["neurons"] = [["<script>x", "i2"], ["h1", "<b>h2</b>"], ["o1", "o&2"]]
    labels["weights"] = [[["<img src=x>", "w3"], ["w2", "w4"]], [["w5", "w7"], ["w6", "w8"]]]
    doc["labels"] = labels
    st = replace(preset_state("sigmoid-2-2-2"), scenario=Scenario.from_dict(doc), edited=True)
    for at in (-1, 0, 4, 15, 23, 33):
        html = client.get(explore_url(st, at)).text
        assert "<script>alert" not in html and "<script>x" not in html
        assert "<b>h2</b>" not in html and "<img src=x>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    r = client.post(
        "/explore/edit", data={"s": st.encode(), "title": "<script>evil()</script>"}, headers=HX
    )
    assert (
        r.status_code == 200 and "<script>evil" not in r.text and "&lt;script&gt;evil()" in r.text
    )


def test_a_note_about_the_update_order_offers_a_replay(client: TestClient) -> None:
    one = finish(preset_state("sigmoid-2-2-2"))
    html = client.get(explore_url(one, 10)).text
    assert 'formaction="/explore/replay" name="order" value="output_first"' in html
    r = client.post(
        "/explore/replay", data={"s": one.encode(), "at": "10", "order": "output_first"}, headers=HX
    )
    assert r.status_code == 200 and 'class="figure-note ok"' in r.text and "0.291027924" in r.text
    q = parse_qs(urlsplit(r.headers["hx-push-url"]).query)
    new = load(q["s"][0])
    assert q["at"] == ["10"] and new.iteration == 1 and new.scenario.update_order == "output_first"
    assert not new.edited  # still the document's example: its figures still apply
    # and back again
    html = client.get(explore_url(new, 10)).text
    assert 'name="order" value="simultaneous"' in html
    bad = client.post("/explore/replay", data={"s": one.encode(), "order": "sideways"})
    assert bad.status_code == 422


def test_every_url_follows_the_root_path(app: FastAPI) -> None:
    # as behind a proxy that serves the app under /bp (uvicorn --root-path /bp)
    with TestClient(app, root_path="/bp", raise_server_exceptions=False) as c:
        home = c.get("/bp/").text
        assert 'href="/bp/explore/sigmoid-2-2-2"' in home and 'action="/bp/explore/new"' in home
        r = c.get("/bp/explore/sigmoid-2-2-2?at=3", headers=HX)
        assert r.headers["hx-push-url"] == "/bp/explore/sigmoid-2-2-2?at=3"
        assert 'hx-get="/bp/explore"' in r.text and 'formaction="/bp/explore/finish"' in r.text
        assert 'data-url="/bp/explore/sigmoid-2-2-2?at=3"' in r.text
        st = preset_state("sigmoid-2-2-2")
        r = c.post("/bp/explore/finish", data={"s": st.encode()}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/bp/explore?s=")


def test_css_and_scripts_load_by_paths_from_the_root_behind_a_tls_proxy(app: FastAPI) -> None:
    # a TLS proxy whose X-Forwarded-Proto the server does not trust: the request looks like http;
    # an absolute http:// asset URL would be blocked by the browser on the https page
    with TestClient(app, base_url="http://courses.example.org", root_path="/bp") as c:
        for path in ("/bp/", "/bp/explore/sigmoid-2-2-2", "/bp/embed/sigmoid-2-2-2", "/bp/docs"):
            html = c.get(path).text
            # (the oEmbed discovery link, rel="alternate", is for consumers, not an asset)
            assets = re.findall(
                r'<(?:link(?![^>]*rel="alternate")|script)[^>]* (?:href|src)="([^"]+)"', html
            )
            assert assets, path
            assert all(a.startswith(("/bp/static/", "data:")) for a in assets), (path, assets)


def test_a_layers_biases_are_shown_as_a_row_as_b_is_written(client: TestClient) -> None:
    steps = trace(PRESETS["batch-xor"].load(), "layer").steps
    for quantity in ("∇b1", "b1⁺"):
        k = next(st.index for st in steps if st.quantity == quantity)
        html = client.get(explore_url(preset_state("batch-xor"), k)).text
        result = html.split('<div class="result" id="result">', 1)[1].split("</div>", 1)[0]
        assert result.count("<mtr>") == 1 and result.count("<mtd>") == 2, quantity


def test_edited_whole_numbers_read_as_typed_and_back_exactly(client: TestClient) -> None:
    state = preset_state("sigmoid-2-2-2")
    for typed, shown in ((" 2 ", "2"), ("-0", "-0"), ("1e6", "1000000"), ("0.1", "0.1")):
        r = client.post(
            "/explore/edit", data={"s": state.encode(), "at": "1", "w-0-0-0": typed}, headers=HX
        )
        assert r.status_code == 200
        assert f'id="f-w-0-0-0" name="w-0-0-0" class="num-input" value="{shown}"' in r.text
        assert (
            float(shown)
            == load(parse_qs(urlsplit(r.headers["hx-push-url"]).query)["s"][0]).scenario.weights[0][
                0, 0
            ]
        )


def test_css_and_scripts_are_named_by_their_content(client: TestClient) -> None:
    # a browser keeps no old script or style sheet after an upgrade: the URL changes with them
    import hashlib

    from app.settings import ROOT

    html = client.get("/explore/sigmoid-2-2-2").text
    for path, version in re.findall(r'(?:href|src)="/static/([^"?]+)\?v=([0-9a-f]+)"', html):
        digest = hashlib.sha256((ROOT / "static" / path).read_bytes()).hexdigest()
        assert version == digest[:12], path
        assert client.get(f"/static/{path}?v={version}").status_code == 200
    assert html.count("?v=") >= 5


def test_a_changed_static_file_gets_a_new_name(tmp_path: Path) -> None:
    import shutil

    from app.main import create_app
    from app.settings import ROOT, Settings

    static = tmp_path / "static"
    shutil.copytree(ROOT / "static", static)
    with TestClient(create_app(Settings(static_dir=static))) as c:
        first = re.search(r'/static/css/explorer\.css\?v=(\w+)"', c.get("/").text)
        (static / "css" / "explorer.css").write_text("body { color: red; }\n")
        second = re.search(r'/static/css/explorer\.css\?v=(\w+)"', c.get("/").text)
    assert first and second and first.group(1) != second.group(1)
