"""Share and save: the links on the explorer, the embed code, the scenario download and load
(round trip bit for bit; every bad file answered in place, the current state kept)."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import numpy as np
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.explorer.actions import train_state
from app.explorer.share import MAX_SCENARIO_BYTES, filename, parse_scenario
from app.explorer.state import PageState, load, preset_state
from app.main import create_app
from app.settings import Settings
from engine import PRESETS, Scenario

HX = {"HX-Request": "true"}
START = preset_state("sigmoid-2-2-2")


def form_s(html: str, form: str = "nav") -> str:
    m = re.search(rf'<form id="{form}"[^>]*>\s*<input type="hidden" name="s" value="([^"]+)"', html)
    assert m, f"no form {form}"
    return unescape(m.group(1))


def value_of(html: str, id_: str) -> str:
    m = re.search(rf'<input id="{id_}"[^>]*value="([^"]*)"', html)
    assert m, id_
    return unescape(m.group(1))


def textarea(html: str, id_: str) -> str:
    m = re.search(rf'<textarea id="{id_}"[^>]*>(.*?)</textarea>', html, re.S)
    assert m, id_
    return unescape(m.group(1))


def load_error(html: str) -> str:
    m = re.search(r'<p class="field-error" id="e-load"[^>]*>([^<]*)</p>', html)
    assert m, "no message beside the load form"
    return unescape(m.group(1))


def bits(doc: Any) -> Any:
    """Every number as its exact bits (float.hex), for comparisons that leave nothing out."""
    if isinstance(doc, dict):
        return {k: bits(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [bits(v) for v in doc]
    if isinstance(doc, float):
        return doc.hex()
    return doc


def upload(
    client: TestClient,
    data: bytes,
    state: PageState = START,
    name: str = "scenario.json",
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    return client.post(
        "/share/load",
        data={"s": state.encode(), "at": "3"},
        files={"file": (name, data, "application/json")},
        headers=headers or {},
        follow_redirects=False,
    )


def paste(
    client: TestClient, text: str, state: PageState = START, headers: dict[str, str] | None = None
) -> httpx.Response:
    return client.post(
        "/share/load",
        data={"s": state.encode(), "at": "3", "text": text},
        headers=headers or {},
        follow_redirects=False,
    )


# -- the panel -------------------------------------------------------------------------------------


def test_the_explorer_offers_link_embed_code_download_and_load(client: TestClient) -> None:
    html = client.get("/explore/sigmoid-2-2-2?at=3").text
    # paths (no PUBLIC_URL): embed.js completes them with the origin the browser reached
    assert value_of(html, "share-link") == "/explore/sigmoid-2-2-2?at=3"
    code = textarea(html, "share-embed")
    assert code.startswith('<iframe src="/embed/sigmoid-2-2-2?at=3" width="100%" height="')
    assert code.endswith(
        'title="Backprop Explorer: Step-by-step example: 2-2-2 sigmoid" loading="lazy"></iframe>'
    )
    assert 'data-copy="share-link" hidden>Copy link</button>' in html  # shown by embed.js
    assert 'data-copy="share-embed" hidden>Copy embed code</button>' in html
    assert 'id="copy-status" role="status"' in html
    download = re.search(
        r'<a id="download-json" class="button small" href="([^"]+)" download>', html
    )
    assert download and unescape(download.group(1)) == f"/share/scenario.json?s={START.encode()}"
    assert 'action="/share/load" method="post" enctype="multipart/form-data"' in html
    assert '<input type="file" id="f-load-file" name="file" accept=".json,application/json"' in html
    assert "/static/js/embed-host.js" in html
    # htmx fragments carry the panel too, for the new state
    frag = client.get("/explore/sigmoid-2-2-2?at=4", headers=HX).text
    assert value_of(frag, "share-link") == "/explore/sigmoid-2-2-2?at=4"


def test_the_links_follow_the_state_and_the_root_path(app: FastAPI) -> None:
    one = train_state(START, 3, 2.0)
    with TestClient(app, root_path="/bp", raise_server_exceptions=False) as c:
        html = c.get(f"/bp/explore?s={one.encode()}&at=5").text
    link = value_of(html, "share-link")
    assert link.startswith("/bp/explore?s=")
    assert load(parse_qs(urlsplit(link).query)["s"][0]).iteration == 3
    src = re.search(r'src="([^"]+)"', textarea(html, "share-embed"))
    assert src
    parts = urlsplit(unescape(src.group(1)))
    assert parts.netloc == "" and parts.path == "/bp/embed"
    assert parse_qs(parts.query)["at"] == ["5"]
    assert 'href="/bp/share/scenario.json?s=' in html and 'action="/bp/share/load"' in html


def test_embed_options_change_the_code(client: TestClient) -> None:
    s = START.encode()
    q = {"s": s, "at": "3", "panels": ["diagram", "timeline"], "readonly": "1"}
    r = client.get("/share/embed-code", params=q, headers=HX)
    assert r.status_code == 200 and "<html" not in r.text
    assert r.text.lstrip().startswith('<div class="share-item share-embed" id="share-embed-block">')
    code = textarea(r.text, "share-embed")
    assert 'src="/embed/sigmoid-2-2-2?at=3&amp;panels=diagram%2Ctimeline&amp;readonly=1"' in code
    assert 'id="eo-timeline" name="panels" value="timeline" checked' in r.text
    assert 'id="eo-step" name="panels" value="step">' in r.text
    assert 'id="eo-readonly" name="readonly" value="1" checked' in r.text
    assert '<details class="embed-options" open>' in r.text
    # without JavaScript: the whole explorer, the code for those options
    page = client.get("/share/embed-code", params=q)
    assert page.status_code == 200 and 'id="explorer"' in page.text
    assert "readonly=1" in textarea(page.text, "share-embed")
    # no panel ticked: the step controls alone
    r = client.get("/share/embed-code", params={"s": s, "at": "3"}, headers=HX)
    assert "panels=none" in textarea(r.text, "share-embed")
    # a bad option: named in the block, which keeps its form (422, swapped in place)
    bad = client.get("/share/embed-code", params={**q, "panels": "sideways"}, headers=HX)
    assert bad.status_code == 422 and 'id="e-embed-options" role="alert"' in bad.text
    assert "“sideways” is not a panel" in unescape(bad.text)


def test_the_frame_height_is_worked_out_once_per_state_and_options(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The share panel asks for it twice a page; each step of a state has the same (an 8 × 16
    network's estimate reads every one of its 4,289 steps)."""
    from app.explorer import share

    calls: list[int] = []

    def counted(*args: Any) -> int:
        calls.append(1)
        return frame_height(*args)

    frame_height = share.frame_height
    monkeypatch.setattr(share, "frame_height", counted)
    client = TestClient(create_app(settings))  # its own cache, empty
    heights = set()
    for at in (3, 4, 9):
        page = client.get("/explore/sigmoid-2-2-2", params={"at": at}).text
        heights.add(re.search(r'height="(\d+)"', textarea(page, "share-embed")).group(1))  # type: ignore[union-attr]
    assert len(calls) == 1 and len(heights) == 1
    q = {"s": START.encode(), "at": "3", "panels": ["diagram"]}
    other = client.get("/share/embed-code", params=q, headers=HX)
    assert len(calls) == 2  # other options, another height
    assert 'height="' in textarea(other.text, "share-embed")


def test_the_builder_offers_every_option_and_says_what_comes_from_the_view(
    client: TestClient,
) -> None:
    s = START.encode()
    q = {
        "s": s,
        "at": "20",
        "panels": ["diagram", "step"],
        "hide": ["error", "open"],
        "phases": ["backward"],
        "from_step": "13",
        "to_step": "29",
        "caption": "Week 3 <b>",
        "preview": "400",
    }
    r = client.get("/share/embed-code", params=q, headers=HX)
    assert r.status_code == 200
    found = re.search(r'src="([^"]+)"', textarea(r.text, "share-embed"))
    assert found
    src = urlsplit(unescape(found.group(1)))  # the snippet's own escaping
    query = parse_qs(src.query)
    assert query["from"] == ["12"] and query["to"] == ["28"]  # steps 13-29 are at 12-28
    assert query["phases"] == ["backward"] and query["hide"] == ["error,open"]
    assert query["caption"] == ["Week 3 <b>"] and query["at"] == ["20"]
    assert "From the current view: step 21" in unescape(r.text)
    assert 'id="eo-hide-error" name="hide" value="error" checked' in r.text
    assert 'id="eo-phase-backward" name="phases" value="backward" checked' in r.text
    assert 'value="13"' in r.text and 'value="29"' in r.text
    # the live preview: the frame at the chosen width, the snippet's height
    frame = re.search(
        r'<iframe id="embed-live-frame" src="([^"]+)" width="(\d+)" height="(\d+)"', r.text
    )
    assert frame and frame.group(2) == "400"
    assert f'height="{frame.group(3)}"' in textarea(r.text, "share-embed")
    # a lock outside the iteration is named
    bad = client.get("/share/embed-code", params={**q, "to_step": "99"}, headers=HX)
    assert bad.status_code == 422 and "past the last step" in unescape(bad.text)


def test_the_toolbar_reaches_the_share_panel(client: TestClient) -> None:
    html = client.get("/explore/sigmoid-2-2-2?at=3").text
    assert '<a id="to-share" class="button quiet" href="#share">Share / Embed</a>' in html
    assert 'id="share"' in html
    assert 'id="to-share"' not in client.get("/embed/sigmoid-2-2-2").text


# -- download --------------------------------------------------------------------------------------


def test_download_is_the_scenario_json_as_an_attachment(client: TestClient) -> None:
    r = client.get(f"/share/scenario.json?s={START.encode()}")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.headers["content-disposition"] == (
        'attachment; filename="step-by-step-example-2-2-2-sigmoid.json"'
    )
    assert r.json() == START.scenario.to_dict()
    # the REST API takes it as it is
    api = client.post("/api/forward", json=r.json())
    assert api.status_code == 200 and api.json()["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert client.get("/share/scenario.json?s=1.damaged").status_code == 400


def test_file_names() -> None:
    assert (
        filename("Step-by-step example: 2-2-2 sigmoid") == "step-by-step-example-2-2-2-sigmoid.json"
    )
    assert filename("Réseau « XOR » ✓") == "reseau-xor.json"
    assert filename('"; rm -rf /') == "rm-rf.json"
    assert filename("") == "scenario.json" and filename("∂∂∂") == "scenario.json"


def _trained(preset: str) -> PageState:
    st = preset_state(preset)
    return train_state(st, 7, 2.0)  # floats with every bit in use


@pytest.mark.parametrize("preset", list(PRESETS))
def test_export_then_import_gives_the_same_scenario_bit_for_bit(
    client: TestClient, preset: str
) -> None:
    for state in (preset_state(preset), _trained(preset)):
        exported = client.get(f"/share/scenario.json?s={state.encode()}")
        r = upload(client, exported.content, name=filename(state.scenario.title), headers=HX)
        assert r.status_code == 200, r.text[:500]
        loaded = load(form_s(r.text))
        assert bits(loaded.scenario.to_dict()) == bits(state.scenario.to_dict())
        for a, b in zip(loaded.scenario.weights, state.scenario.weights, strict=True):
            assert np.array_equal(a.view(np.uint64), b.view(np.uint64))
        assert loaded.loaded and loaded.iteration == 0 and not loaded.edited
        assert r.headers["hx-push-url"].startswith("/explore?s=")
        assert "Loaded from a scenario file" in r.text


# -- load ------------------------------------------------------------------------------------------


def test_a_good_file_opens_the_explorer_on_it(client: TestClient) -> None:
    doc = PRESETS["linear-2-2-1"].load().to_dict()
    doc["title"] = "My own 2-2-1"
    doc["weights"][0][0][0] = 0.125
    r = upload(client, json.dumps(doc).encode())  # without JavaScript: redirect, then get
    assert r.status_code == 303
    page = client.get(r.headers["location"])
    assert page.status_code == 200 and "My own 2-2-1" in page.text
    state = load(form_s(page.text))
    assert (
        state.scenario.title == "My own 2-2-1" and float(state.scenario.weights[0][0, 0]) == 0.125
    )
    assert state.loaded and not state.figures_apply and state.iteration == 0
    assert "not started" in page.text
    # reset goes back to the file, even after training
    trained = train_state(state, 5, 2.0)
    html = client.get(f"/explore?s={trained.encode()}").text
    reset = re.search(r'<a id="reset" class="button quiet" href="([^"]+)"', html)
    assert reset
    again = load(parse_qs(urlsplit(unescape(reset.group(1))).query)["s"][0])
    assert again.iteration == 0 and bits(again.scenario.to_dict()) == bits(
        doc | {"labels": again.scenario.labels.to_dict()}
    )


def test_pasted_json_and_a_rest_body_load_too(client: TestClient) -> None:
    doc = PRESETS["batch-xor"].load().to_dict()
    r = paste(client, json.dumps(doc, indent=1), headers=HX)
    assert r.status_code == 200 and load(form_s(r.text)).scenario.n_samples == 4
    r = paste(client, json.dumps({"scenario": doc, "iterations": 5}), headers=HX)
    assert r.status_code == 200 and load(form_s(r.text)).scenario.n_samples == 4
    r = upload(client, b"\xef\xbb\xbf" + json.dumps(doc).encode(), headers=HX)  # a BOM
    assert r.status_code == 200


def _bad_cases() -> list[tuple[str, bytes, str]]:
    doc = PRESETS["sigmoid-2-2-2"].load().to_dict()
    shape = json.loads(json.dumps(doc))
    shape["weights"][1][0] = [0.4, 0.5, 0.6]
    nan = json.dumps(doc).replace("0.15", "NaN", 1)
    inf = json.dumps(doc).replace("0.15", "Infinity", 1)
    missing = {k: v for k, v in doc.items() if k != "targets"}
    act = json.loads(json.dumps(doc))
    act["activations"][0] = "softmax"
    big = json.dumps(doc).encode() + b" " * MAX_SCENARIO_BYTES
    return [
        ("not json", b"layers: [2, 2, 2]", "is not JSON: Expecting value at line 1, column 1"),
        ("cut short", json.dumps(doc).encode()[:-40], "is not JSON"),
        ("not text", bytes(range(256)) * 4, "is not text (UTF-8)"),
        ("a list", b"[1, 2, 3]", "holds a JSON list; a scenario is an object with layers"),
        ("wrong shape", json.dumps(shape).encode(), "weights[1][0]: must have 2 numbers, got 3"),
        ("NaN", nan.encode(), "weights[0][0][0]: must be a finite number (not NaN or ±Infinity)"),
        ("Infinity", inf.encode(), "weights[0][0][0]: must be a finite number"),
        ("missing", json.dumps(missing).encode(), "targets: is required"),
        (
            "softmax inside",
            json.dumps(act).encode(),
            "activations[0]: softmax is allowed on the output layer only",
        ),
        ("empty", b"  \n", "is empty"),
        ("too big", big, f"is over {MAX_SCENARIO_BYTES // 1000} kB"),
    ]


@pytest.mark.parametrize(
    ("case", "data", "message"), _bad_cases(), ids=[c[0] for c in _bad_cases()]
)
@pytest.mark.parametrize("htmx", [True, False])
def test_a_bad_file_is_answered_in_place_and_nothing_is_lost(
    client: TestClient, case: str, data: bytes, message: str, htmx: bool
) -> None:
    current = train_state(START, 2, 2.0)
    r = upload(client, data, state=current, name="mine.json", headers=HX if htmx else None)
    assert r.status_code == 422
    text = load_error(r.text)
    assert text.startswith("Not loaded: The file “mine.json”"), text
    assert message in text, text
    assert text.endswith("The explorer still shows the network you had.")
    assert form_s(r.text) == current.encode()  # the state it was showing, as it was
    assert "step 4 of 37" in r.text
    if htmx:
        assert r.headers["hx-push-url"] == "false" and "<html" not in r.text
    else:
        assert "<html" in r.text


def test_pasted_text_errors_keep_the_text_escaped(client: TestClient) -> None:
    text = '{"title": "<script>alert(1)</script>", "layers": [2, 2'
    r = paste(client, text, headers=HX)
    assert r.status_code == 422
    assert load_error(r.text).startswith("Not loaded: The pasted text is not JSON")
    assert "<script>alert" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert textarea(r.text, "f-load-text") == text  # to fix, not to type again
    r = paste(client, "", headers=HX)
    assert r.status_code == 422 and "Choose a .json file or paste" in load_error(r.text)


def test_a_script_in_the_title_is_shown_escaped(client: TestClient) -> None:
    doc = PRESETS["sigmoid-2-2-2"].load().to_dict()
    doc["title"] = '<script>alert("x")</script> & <b>bold</b>'
    r = upload(client, json.dumps(doc).encode(), headers=HX)
    assert r.status_code == 200
    assert "<script>alert" not in r.text and "<b>bold" not in r.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in r.text
    page = client.get(r.headers["hx-push-url"])
    assert "<script>alert" not in page.text and "&lt;script&gt;" in page.text
    code = textarea(page.text, "share-embed")  # the snippet escapes it too
    assert 'title="Backprop Explorer: &lt;script&gt;alert(&#34;x&#34;)' in code
    exported = client.get(f"/share/scenario.json?s={form_s(r.text)}")
    assert exported.json()["title"] == doc["title"]
    assert (
        exported.headers["content-disposition"]
        == 'attachment; filename="script-alert-x-script-b-bold-b.json"'
    )


def test_a_scenario_too_large_for_a_link_is_refused_with_a_reason(client: TestClient) -> None:
    rng = np.random.default_rng(7)
    doc = {
        "layers": [16, 16, 16],
        "activations": ["sigmoid", "sigmoid"],
        "weights": rng.uniform(-1, 1, (2, 16, 16)).tolist(),
        "biases": rng.uniform(-1, 1, (2, 16)).tolist(),
        "inputs": rng.uniform(0, 1, (200, 16)).tolist(),
        "targets": rng.uniform(0, 1, (200, 16)).tolist(),
        "loss": "half_sse",
    }
    data = json.dumps(doc).encode()
    assert len(data) < MAX_SCENARIO_BYTES
    Scenario.from_dict(doc)  # valid
    r = upload(client, data, headers=HX)
    assert r.status_code == 422
    assert "too large for the explorer's links; use the REST API" in load_error(r.text)


def test_a_body_over_the_server_limit_gets_a_readable_413(
    client: TestClient, settings: Settings
) -> None:
    ten_mb = b"{" + b" " * (10 * 1024 * 1024) + b"}"
    r = upload(client, ten_mb, headers=HX)
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["hx-push-url"] == "false"  # the address keeps the explorer's state
    assert r.text.startswith('<p class="field-error" role="alert">Not sent: it is over')
    assert f"{settings.max_body_bytes:,} bytes" in r.text
    page = upload(client, ten_mb)  # without JavaScript: a page that says so
    assert page.status_code == 413 and "<title>Too large to send" in page.text
    assert "Back button: the explorer is as you left it" in page.text
    # the API keeps its JSON error
    api = client.post("/api/step", content=ten_mb, headers={"content-type": "application/json"})
    assert api.status_code == 413 and api.json()["detail"][0]["type"] == "too_large"


def test_a_damaged_state_in_the_load_form(client: TestClient) -> None:
    r = client.post("/share/load", data={"s": "1.damaged", "text": "{}"})
    assert r.status_code == 400 and "cannot be read" in r.text


def test_parse_scenario_directly() -> None:
    s = parse_scenario(json.dumps(PRESETS["single-neuron"].load().to_dict()).encode(), "x")
    assert s.layers == PRESETS["single-neuron"].load().layers
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ValueError, match="nested too deeply|not JSON|over"):
        parse_scenario(deep, "x")
