"""An instructor's frame: locked to a range of steps or phases (from, to, phases), parts hidden
(hide=), a caption. The server refuses a step, a granularity or an action outside the lock, and
a hidden part's action, whatever URL or form is crafted."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient

from app.explorer.embed_options import PARTS, EmbedOptions, OptionError
from app.explorer.state import preset_state
from engine import trace

HX = {"HX-Request": "true"}
START = preset_state("sigmoid-2-2-2")
S = START.encode()
LOCK = {"from": "12", "to": "28"}
PHASES = [st.phase for st in trace(START.scenario, "neuron").steps]  # 37 steps


def counter(html: str) -> str:
    m = re.search(r'<p class="counter" id="step-counter">(.*?)</p>', html, re.S)
    assert m
    return " ".join(m.group(1).split())


def button(html: str, id_: str) -> str:
    m = re.search(rf'<button [^>]*id="{id_}"[^>]*>', html)
    assert m, id_
    return m.group(0)


def value(html: str, id_: str) -> int:
    m = re.search(r'value="(-?\d+)"', button(html, id_))
    assert m
    return int(m.group(1))


def enabled_timeline(html: str) -> list[int]:
    timeline = r'<button type="submit" form="nav" name="at" value="(-?\d+)" id="tl-([^>]*)>'
    found = re.findall(timeline, html)
    return [int(v) for v, rest in found if " disabled" not in rest]


# -- a locked frame --------------------------------------------------------------------------------


def test_a_locked_frame_opens_at_its_first_step_and_stays_inside(client: TestClient) -> None:
    r = client.get("/embed/sigmoid-2-2-2?from=12&to=28&panels=all")
    assert r.status_code == 200
    html = r.text
    assert "step 13 of 37" in counter(html)
    assert " disabled" in button(html, "prev-step")
    assert value(html, "next-step") == 13
    assert enabled_timeline(html) == list(range(12, 29))  # Start and the rest disabled
    # no Finish, Train, editing; the granularity fixed
    for absent in ('id="finish"', 'id="train-form"', 'id="edit-form"', 'id="architecture"'):
        assert absent not in html, absent
    assert " disabled" in button(html, "gran-neuron") and " disabled" in button(html, "gran-layer")
    # the last step: → goes nowhere
    html = client.get("/embed/sigmoid-2-2-2?from=12&to=28&at=28").text
    assert "step 29 of 37" in counter(html) and " disabled" in button(html, "next-step")
    assert value(html, "prev-step") == 27
    # every form carries the lock
    for form in ("nav", "act", "view"):
        assert f'<input type="hidden" form="{form}" name="from" value="12">' in html
        assert f'<input type="hidden" form="{form}" name="to" value="28">' in html


def test_a_click_keeps_the_lock_in_the_frame_url(client: TestClient) -> None:
    r = client.get("/embed/explore", params={"s": S, "at": "13", **LOCK}, headers=HX)
    assert r.status_code == 200
    assert r.headers["hx-replace-url"] == "/embed/sigmoid-2-2-2?at=13&from=12&to=28"


@pytest.mark.parametrize("at", ["-1", "11", "29", "36"])
@pytest.mark.parametrize("headers", [{}, HX])
def test_the_server_refuses_a_step_outside_the_lock(
    client: TestClient, at: str, headers: dict[str, str]
) -> None:
    for path, params in (
        ("/embed/sigmoid-2-2-2", {"at": at, **LOCK}),
        ("/embed/explore", {"s": S, "at": at, **LOCK}),
        ("/embed", {"s": S, "at": at, **LOCK}),
        ("/embed/explore/view", {"s": S, "at": at, "precision": "3", **LOCK}),
    ):
        r = client.get(path, params=params, headers=headers)
        assert r.status_code == 403, (path, at)
        assert "locked to some steps" in unescape(r.text) and "from=12, to=28" in unescape(r.text)


@pytest.mark.parametrize("action", ["finish", "train", "edit", "architecture", "replay"])
def test_a_locked_frame_refuses_every_change(client: TestClient, action: str) -> None:
    fields = {"s": S, "at": "14", "iterations": "5", "w-0-0-0": "0.5", "op": "add_neuron:1"}
    r = client.post(f"/embed/explore/{action}", data={**fields, **LOCK}, headers=HX)
    assert r.status_code == 403
    assert "locked to a range of steps" in unescape(r.text)
    assert "step 15 of 37" in counter(r.text)  # the explorer as it was
    # the lock in the URL instead of the form: the same
    r = client.post(f"/embed/explore/{action}?from=12&to=28", data=fields)
    assert r.status_code == 403


def test_a_locked_frame_keeps_its_granularity_but_not_its_decimals(client: TestClient) -> None:
    q = {"s": S, "at": "14", **LOCK}
    r = client.get("/embed/explore/view", params={**q, "granularity": "layer"}, headers=HX)
    assert r.status_code == 403 and "granularity cannot change" in unescape(r.text)
    r = client.get("/embed/explore/view", params={**q, "precision": "4"}, headers=HX)
    assert r.status_code == 200 and "step 15 of 37" in counter(r.text)
    assert r.headers["hx-replace-url"] == "/embed/sigmoid-2-2-2?decimals=4&at=14&from=12&to=28"


def test_phases_lock_to_the_steps_of_those_phases(client: TestClient) -> None:
    backward = [i for i, p in enumerate(PHASES) if p == "backward"]
    html = client.get("/embed/sigmoid-2-2-2?phases=backward").text
    assert f"step {backward[0] + 1} of 37" in counter(html)
    assert enabled_timeline(html) == backward
    assert " disabled" in button(html, "next-phase")  # no later phase inside the lock
    # two phases apart: → from the last forward step jumps to the first update
    forward = [i for i, p in enumerate(PHASES) if p == "forward"]
    update = [i for i, p in enumerate(PHASES) if p == "update"]
    html = client.get(f"/embed/sigmoid-2-2-2?phases=update,forward&at={forward[-1]}").text
    assert value(html, "next-step") == update[0] and value(html, "next-phase") == update[0]
    # phases and a range together
    html = client.get("/embed/sigmoid-2-2-2?phases=backward,update&from=20&to=31").text
    assert enabled_timeline(html) == list(range(20, 32))
    r = client.get("/embed/sigmoid-2-2-2?phases=backward&at=5")
    assert r.status_code == 403


def test_reset_in_a_locked_frame_goes_to_its_first_step(client: TestClient) -> None:
    html = client.get("/embed/sigmoid-2-2-2?from=12&to=28&at=20").text
    m = re.search(r'<a id="reset" class="button quiet" href="([^"]+)"', html)
    assert m
    r = client.get(unescape(m.group(1)), headers=HX)
    assert r.status_code == 200 and "step 13 of 37" in counter(r.text)
    assert r.headers["hx-replace-url"] == "/embed/sigmoid-2-2-2?at=12&from=12&to=28"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("to=37", "to: 37 is past the last step; this iteration has 37 steps"),
        ("from=20&to=10", "from: 20 is after to=10"),
        ("from=x", "from: must be a step number"),
        ("phases=sideways", "phases: “sideways” is not a phase; the phases are forward, loss"),
        ("hide=sideways", "hide: “sideways” is not a part; the parts are error, preview"),
        ("from=0&to=7&phases=update", "no step of the iteration is inside them"),
        ("caption=" + "x" * 201, "caption: at most 200 characters"),
        ("caption=a%07b", "caption: plain text only"),
    ],
)
def test_a_bad_lock_hide_or_caption_is_named(client: TestClient, query: str, message: str) -> None:
    r = client.get(f"/embed/sigmoid-2-2-2?{query}")
    assert r.status_code == 400
    assert message in unescape(r.text)


def test_the_lock_counts_at_the_frame_s_granularity(client: TestClient) -> None:
    n_layer = len(trace(START.scenario, "layer").steps)
    r = client.get(f"/embed/sigmoid-2-2-2?granularity=layer&from=2&to={n_layer - 1}")
    assert r.status_code == 200 and f"step 3 of {n_layer}" in counter(r.text)
    r = client.get(f"/embed/sigmoid-2-2-2?granularity=layer&to={n_layer}")
    assert r.status_code == 400 and "at layer granularity" in unescape(r.text)


# -- hidden parts ----------------------------------------------------------------------------------

# each part, a step where it shows, and what shows it
HIDDEN = {
    "error": (0, 'id="loss-readout"'),
    "preview": (29, 'class="loss-after"'),
    "badges": (10, 'class="badge"'),
    "finish": (3, 'id="finish"'),
    "train": (3, 'id="train-form"'),
    "reset": (3, 'id="reset"'),
    "view": (3, 'id="view"'),
    "open": (3, 'id="embed-open"'),
}


def test_every_part_has_a_case() -> None:
    assert set(HIDDEN) == set(PARTS)


@pytest.mark.parametrize("part", list(HIDDEN))
@pytest.mark.parametrize("headers", [{}, HX])
def test_a_hidden_part_is_absent_from_the_html(
    client: TestClient, part: str, headers: dict[str, str]
) -> None:
    at, mark = HIDDEN[part]
    shown = client.get(f"/embed/sigmoid-2-2-2?at={at}&panels=all", headers=headers).text
    assert mark in shown, part
    hidden = client.get(f"/embed/sigmoid-2-2-2?at={at}&panels=all&hide={part}", headers=headers)
    assert hidden.status_code == 200 and mark not in hidden.text, part
    for other, (_, other_mark) in HIDDEN.items():
        if other != part and other_mark in shown and other != "preview":
            assert other_mark in hidden.text, (part, other)


@pytest.mark.parametrize(
    ("part", "method", "path", "fields"),
    [
        ("finish", "post", "/embed/explore/finish", {}),
        ("train", "post", "/embed/explore/train", {"iterations": "3"}),
        ("badges", "post", "/embed/explore/replay", {"order": "output_first"}),
        ("reset", "get", "/embed/explore/reset", {}),
        ("view", "get", "/embed/explore/view", {"precision": "3"}),
    ],
)
def test_a_hidden_action_is_refused_with_403(
    client: TestClient, part: str, method: str, path: str, fields: dict[str, str]
) -> None:
    params = {"s": S, "at": "3", "hide": part, **fields}
    for headers in ({}, HX):
        if method == "post":
            r = client.post(path, data=params, headers=headers, follow_redirects=False)
        else:
            r = client.get(path, params=params, headers=headers, follow_redirects=False)
        assert r.status_code == 403, (part, headers)
        assert "does not offer" in unescape(r.text)
        assert "step 4 of 37" in counter(r.text)
    # shown, the same request goes through
    params.pop("hide")
    r = client.post(path, data=params) if method == "post" else client.get(path, params=params)
    assert r.status_code == 200, part


# -- the caption -----------------------------------------------------------------------------------


def test_the_caption_is_plain_text_above_the_content(client: TestClient) -> None:
    caption = 'Week 3: <b>watch δ_o1</b> & "press →"'
    r = client.get("/embed/sigmoid-2-2-2", params={"caption": caption, "at": "12"})
    assert r.status_code == 200
    html = r.text
    m = re.search(r'<p class="embed-caption" id="embed-caption">([^<]*)</p>', html)
    assert m and unescape(m.group(1)) == caption
    assert "<b>watch" not in html
    assert html.index('id="embed-caption"') < html.index('id="explorer"')
    # it rides along with every click
    r = client.get("/embed/explore", params={"s": S, "at": "13", "caption": caption}, headers=HX)
    assert "caption=Week+3" in r.headers["hx-replace-url"]


def test_options_round_trip_through_their_query() -> None:
    opts = EmbedOptions(
        panels=("step",),
        readonly=True,
        start=3,
        end=9,
        phases=("forward", "loss"),
        hide=("error", "open"),
        caption="Hello",
    )
    assert EmbedOptions.from_params(opts.query()) == opts
    with pytest.raises(OptionError, match="hide"):
        EmbedOptions.from_params({"hide": "everything"})
    assert opts.locked and not EmbedOptions().locked
    assert not opts.offers("finish") and not opts.offers("edit") and opts.offers("reset")


# -- the controls in a frame sized to its content --------------------------------------------------


def test_the_step_buttons_repeat_under_the_step_panel_with_the_keyboard_cue(
    client: TestClient,
) -> None:
    html = client.get("/embed/sigmoid-2-2-2?at=5").text
    assert value(html, "prev-step-below") == 4 and value(html, "next-step-below") == 6
    assert html.index('id="step-title"') < html.index('id="next-step-below"')
    assert re.search(r'<button type="button" class="embed-cue" id="embed-cue">.*Click here', html)
    # the full explorer has its own toolbar in view (sticky) and no cue
    page = client.get("/explore/sigmoid-2-2-2?at=5").text
    assert 'id="next-step-below"' not in page and 'id="embed-cue"' not in page
    # locked: the repeated buttons stay inside the lock too
    html = client.get("/embed/sigmoid-2-2-2?from=12&to=28&at=28").text
    assert " disabled" in button(html, "next-step-below")


def test_a_preset_stepped_otherwise_gets_a_height_too(client: TestClient) -> None:
    # biases updated: more steps than the preset measured (an estimate, never an error)
    r = client.post(
        "/explore/edit",
        data={"s": S, "at": "-1", "has_update_biases": "1", "update_biases": "on"},
        headers=HX,
    )
    assert r.status_code == 200
    code = re.search(r'<textarea id="share-embed"[^>]*>(.*?)</textarea>', r.text, re.S)
    assert code and re.search(r'height="(\d{3,4})"', unescape(code.group(1)))
