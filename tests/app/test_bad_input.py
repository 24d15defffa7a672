"""Input that used to answer 500 (issue 12): each is now a 4xx whose message names the field and
the rule. The property-based test (test_pages_property.py) keeps the whole class out."""

from __future__ import annotations

import base64
import json
import zlib
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.explorer.codec import encode
from app.explorer.state import MAX_ITERATION, preset_state
from engine import PRESETS

START = preset_state("sigmoid-2-2-2")
S = START.encode()
POST_ACTIONS = ("edit", "architecture", "finish", "train", "replay")


def text_of(r: Any) -> str:
    return unescape(r.text)


def encode_ascii(doc: dict[str, Any]) -> str:
    """A link's ``s`` written as a client could: JSON with \\u escapes (encode() writes UTF-8,
    which cannot hold a lone surrogate at all)."""
    raw = json.dumps(doc, ensure_ascii=True, separators=(",", ":")).encode()
    return "1." + base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


# -- at ------------------------------------------------------------------------------------------

BAD_AT = ["--1", "-+1", "- 1", "1.5", "1e3", "١", "12345678901", "-", "0x1", "1_0", "²", "-²"]


def at_requests(client: TestClient, at: str) -> list[tuple[str, Any]]:
    form = {"s": S, "at": at, "iterations": "1", "op": "add_neuron:1", "order": "output_first"}
    out = [
        ("/explore/sigmoid-2-2-2", client.get("/explore/sigmoid-2-2-2", params={"at": at})),
        ("/embed/sigmoid-2-2-2", client.get("/embed/sigmoid-2-2-2", params={"at": at})),
        ("/explore?s=", client.get("/explore", params={"s": S, "at": at})),
        ("/embed?s=", client.get("/embed", params={"s": S, "at": at})),
        ("/embed/explore", client.get("/embed/explore", params={"s": S, "at": at})),
        ("/explore/view", client.get("/explore/view", params={"s": S, "at": at})),
        ("/embed/explore/view", client.get("/embed/explore/view", params={"s": S, "at": at})),
        ("/share/embed-code", client.get("/share/embed-code", params={"s": S, "at": at})),
        ("/share/load", client.post("/share/load", data={"s": S, "at": at})),
    ]
    for action in POST_ACTIONS:
        for prefix in ("", "/embed"):
            path = f"{prefix}/explore/{action}"
            out.append((path, client.post(path, data=form)))
    return out


@pytest.mark.parametrize("at", BAD_AT)
def test_a_step_number_that_is_not_one_is_named_on_every_route(client: TestClient, at: str) -> None:
    for path, r in at_requests(client, at):
        assert 400 <= r.status_code < 500, (path, r.status_code)
        assert "at: the step number" in text_of(r) and "not a whole number" in text_of(r), path


@pytest.mark.parametrize("at", ["-1", "\u22121", " 3 ", "0", "999999999", "-7"])
def test_a_step_number_with_one_sign_is_read(client: TestClient, at: str) -> None:
    for path, r in at_requests(client, at):
        if path.endswith(("/edit", "/architecture", "/replay", "/share/load")):
            continue  # their forms above are not complete edits; only `at` is tested here
        assert r.status_code in (200, 303), (path, r.status_code)


@pytest.mark.parametrize("digits", ["²", "1²", "-²", "¹²"])
def test_a_superscript_where_a_whole_number_goes_is_never_a_500(
    client: TestClient, digits: str
) -> None:
    # "²".isdigit() is True and int("²") raises: shown (the step form's step shown), the
    # embed builder's first and last steps and oEmbed's sizes answered 500
    step = {"HX-Request": "true", "HX-Trigger": "nav", "HX-Explorer-Holds": "page"}
    shown = client.get("/explore", params={"s": S, "at": "4", "shown": digits}, headers=step)
    assert shown.status_code == 200  # an unread step shown: the whole explorer
    for name in ("from_step", "to_step"):
        q = {"s": S, "at": "3", name: digits}
        r = client.get("/share/embed-code", params=q, headers={"HX-Request": "true"})
        assert r.status_code == 422, (name, r.status_code)
        assert "must be a step number from 1" in text_of(r), name
    embed = "http://testserver/embed/sigmoid-2-2-2"
    r = client.get("/oembed", params={"url": embed, "maxwidth": digits})
    assert r.status_code == 400 and "maxwidth: must be a whole number of pixels" in text_of(r)


# -- edit fields -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["x-0-0-0", "b-0-0-0", "t-0-0-0", "w-0-0-0-0", "w-0-0", "x-0", "t-1", "b-0-0-0-0"]
)
@pytest.mark.parametrize("prefix", ["", "/embed"])
def test_an_edit_field_with_the_wrong_number_of_indices(
    client: TestClient, name: str, prefix: str
) -> None:
    r = client.post(
        f"{prefix}/explore/edit", data={"s": S, "at": "1", name: "0.5", "panels": "edit"}
    )
    assert r.status_code == 422, r.status_code
    assert f"“{name}” is not a field of this network" in text_of(r)


def test_an_edit_field_with_the_right_indices_still_edits(client: TestClient) -> None:
    r = client.post(
        "/explore/edit", data={"s": S, "at": "1", "x-0-1": "0.25"}, follow_redirects=False
    )
    assert r.status_code == 303


# -- lone surrogates -------------------------------------------------------------------------------


def surrogate_docs() -> dict[str, dict[str, Any]]:
    title = START.to_doc()
    title["scenario"]["title"] = "a \ud800 b"
    label = START.to_doc()
    label["scenario"]["labels"] = START.scenario.labels.to_dict()
    label["scenario"]["labels"]["neurons"][1][0] = "\udc00"
    key = START.to_doc()
    key["scenario"]["\ud83d"] = 1
    return {"scenario.title": title, "scenario.labels.neurons[1][0]": label, "a key": key}


@pytest.mark.parametrize("where", list(surrogate_docs()))
@pytest.mark.parametrize("path", ["/explore", "/embed", "/share/scenario.json"])
def test_a_lone_surrogate_in_a_link(client: TestClient, where: str, path: str) -> None:
    s = encode_ascii(surrogate_docs()[where])
    r = client.get(path, params={"s": s})
    assert r.status_code == 400, r.status_code
    assert "lone surrogate" in text_of(r) and where in text_of(r)
    r = client.post("/explore/finish", data={"s": s})
    assert r.status_code == 400 and "lone surrogate" in text_of(r)


def test_a_surrogate_pair_is_a_character(client: TestClient) -> None:
    doc = START.to_doc()
    doc["scenario"]["title"] = "Emoji \U0001f600"
    r = client.get("/explore", params={"s": encode_ascii(doc)})
    assert r.status_code == 200 and "Emoji \U0001f600" in r.text


def pasted(title: str) -> str:
    sc = PRESETS["sigmoid-2-2-2"].load().to_dict()
    sc["title"] = title
    return json.dumps(sc)  # ensure_ascii: "\ud800" as an escape, as a client may write it


def test_a_lone_surrogate_in_a_pasted_or_uploaded_scenario(client: TestClient) -> None:
    text = pasted("\ud800")
    assert "\\ud800" in text
    r = client.post("/share/load", data={"s": S, "text": text})
    assert r.status_code == 422
    assert "lone surrogate (\\ud800)" in text_of(r) and "in title" in text_of(r)
    r = client.post("/share/load", data={"s": S}, files={"file": ("s.json", text.encode())})
    assert r.status_code == 422 and "lone surrogate" in text_of(r)
    r = client.post("/share/load", data={"s": S, "text": pasted("fine")}, follow_redirects=False)
    assert r.status_code == 303


def test_a_surrogate_typed_into_a_form_is_replaced_not_kept(client: TestClient) -> None:
    body = f"s={S}&at=1&title=%ED%A0%80".encode()  # UTF-8's bytes for U+D800: not UTF-8
    r = client.post(
        "/explore/edit", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert r.status_code == 200 and "\ufffd" in r.text


# -- iterations ------------------------------------------------------------------------------------


def with_doc(**changes: Any) -> str:
    doc = START.to_doc()
    doc.update(changes)
    return encode(doc)


def test_a_history_iteration_beyond_the_limit(client: TestClient) -> None:
    """2**64 used to reach np.linspace once the history was full, on Finish or Train."""
    history = [[k, 0.3] for k in range(100)] + [[2**64, 0.2]]
    s = with_doc(history=history)
    for r in (
        client.get("/explore", params={"s": s}),
        client.post("/explore/finish", data={"s": s}),
        client.post("/explore/train", data={"s": s, "iterations": "10"}),
    ):
        assert r.status_code == 400 and "history" in text_of(r)


def test_a_training_summary_beyond_the_limit(client: TestClient) -> None:
    s = with_doc(trained={"run": 10**30, "asked": 10**30, "stopped": "iterations"})
    r = client.get("/explore", params={"s": s})
    assert r.status_code == 400 and "training summary" in text_of(r)


def test_finish_at_the_last_iteration_a_link_holds_is_refused(client: TestClient) -> None:
    r = client.post("/explore/finish", data={"s": with_doc(iteration=MAX_ITERATION)})
    assert r.status_code == 422 and f"{MAX_ITERATION:,} iterations" in text_of(r)


def test_finish_just_below_the_limit_opens_the_page_it_redirects_to(client: TestClient) -> None:
    r = client.post(
        "/explore/finish", data={"s": with_doc(iteration=MAX_ITERATION - 1)}, follow_redirects=False
    )
    assert r.status_code == 303
    assert client.get(r.headers["location"]).status_code == 200


@pytest.mark.parametrize("prefix", ["", "/embed"])
def test_training_past_the_limit_is_refused_and_up_to_it_opens(
    client: TestClient, prefix: str
) -> None:
    s = with_doc(iteration=MAX_ITERATION - 5)
    form = {"s": s, "iterations": "6", "panels": "chart"}
    r = client.post(f"{prefix}/explore/train", data=form)
    assert r.status_code == 422 and "iterations: at most 5 more" in text_of(r)
    r = client.post(
        f"{prefix}/explore/train", data={**form, "iterations": "5"}, follow_redirects=False
    )
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200
    assert f"{MAX_ITERATION + 1:,}" in page.text  # "Start of iteration 1,000,000,001"
