"""Practice in a frame takes the explorer embed's options (issue 15): a lock to some steps (only
they are asked; the server refuses any other), hidden parts absent from the HTML (and the
hidden "Ask" control's request refused), a caption, the panels; the progress and completion
messages as before."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.explorer.state import preset_state
from app.render.formatting import number
from engine import trace

HX = {"HX-Request": "true"}
PRESET = "sigmoid-2-2-2"
LOCKED = f"/embed/practice/{PRESET}?from=12&to=14"
STEPS = trace(preset_state(PRESET).scenario).steps
N = len(STEPS)


def hidden(html: str, name: str) -> list[str]:
    return [unescape(v) for v in re.findall(rf'name="{name}" value="([^"]*)"', html)]


def query_of(href: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(unescape(href)).query).items()}


def href(html: str, element_id: str) -> str:
    m = re.search(rf'<a id="{element_id}"[^>]*href="([^"]*)"', html)
    assert m, f"no link #{element_id}"
    return unescape(m.group(1))


def check(client: TestClient, html: str, answer: str) -> str:
    """Posts the page's answer form as a learner would (its hidden fields and ``answer``)."""
    form = re.search(r'<form id="answer-form".*?</form>', html, re.S)
    assert form, "no question on this page"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(0)))
    data = {k: unescape(v) for k, v in fields.items()} | {"a0": answer}
    r = client.post("/embed/practice/check", data=data, headers=HX)
    assert r.status_code == 200, r.text
    return r.text


def test_a_locked_frame_opens_at_its_first_step_and_asks_only_its_steps(
    client: TestClient,
) -> None:
    html = client.get(LOCKED).text
    assert f"step 13 of {N}" in html
    assert hidden(html, "score")[0] == "w" * 12 + "..." + "w" * (N - 15)
    assert 'id="prev-step" class="button" disabled' in html  # nothing before its first step
    # the options ride along in every form and link
    assert hidden(html, "from") == ["12"] * len(hidden(html, "s"))
    links = re.findall(r'<a [^>]*href="(/embed/[^"]*)"', html)  # the timeline's (not "Open in")
    assert links and all(query_of(h).get("to") == "14" for h in links)


def test_answering_a_locked_frames_questions_reports_progress_then_completion(
    client: TestClient,
) -> None:
    html = client.get(LOCKED).text
    reports = []
    for k in (12, 13, 14):
        html = check(client, html, number(STEPS[k].value, 9))
        reports.append(re.search(r'data-report="(\w*)"', html).group(1))
        following = query_of(href(html, "next-step"))
        assert following["at"] == str(k + 1 if k < 14 else N)  # → stays inside, then the score
        html = client.get(href(html, "next-step"), headers=HX).text
    assert reports == ["progress", "progress", "completed"]
    assert 'data-score="3" data-max="3"' in html and "Iteration finished" in html
    assert 'id="next-iteration"' not in html  # a locked frame offers no Finish
    assert query_of(href(html, "prev-step"))["at"] == "14"


def test_a_locked_frame_refuses_a_step_outside_it_whatever_is_crafted(
    client: TestClient,
) -> None:
    assert client.get(LOCKED + "&at=3").status_code == 403
    assert client.get(LOCKED + "&at=15", headers=HX).status_code == 403
    page = client.get(LOCKED).text
    data = {"s": hidden(page, "s")[0], "from": "12", "to": "14", "at": "20", "a0": "1"}
    refused = client.post("/embed/practice/check", data=data)
    assert refused.status_code == 403 and "outside the steps" in unescape(refused.text)
    # a score that marks a step outside the lock as a question: it is shown worked
    crafted = client.get(LOCKED + "&at=12&score=" + "." * N).text
    assert hidden(crafted, "score")[0] == "w" * 12 + "..." + "w" * (N - 15)


def test_a_phase_lock_opens_at_the_phases_first_step(client: TestClient) -> None:
    html = client.get(f"/embed/practice/{PRESET}?phases=backward").text
    first = next(st.index for st in STEPS if st.phase == "backward")
    assert f"step {first + 1} of {N}" in html
    outside = next(st.index for st in STEPS if st.phase == "update")
    assert client.get(f"/embed/practice/{PRESET}?phases=backward&at={outside}").status_code == 403


def test_hidden_parts_are_absent_and_the_hidden_ask_control_is_refused(
    client: TestClient,
) -> None:
    options = "hide=error,view,open,badges,reset"
    full = client.get(f"/embed/practice/{PRESET}?at=11&score={'1' * 11}{'.' * (N - 11)}").text
    assert all(part in full for part in ('id="loss-readout"', 'id="fade-form"', "Open in"))
    html = client.get(f"/embed/practice/{PRESET}?{options}&at=11&score={'1' * 11}{'.' * (N - 11)}")
    text = html.text
    assert html.status_code == 200
    assert all(p not in text for p in ('id="loss-readout"', 'id="fade-form"', "Open in"))
    end = client.get(f"/embed/practice/{PRESET}?{options}&at={N}&score={'1' * N}").text
    assert 'id="again"' not in end and "Iteration finished" in end
    refade = client.get(f"/embed/practice/{PRESET}?{options}&fade=1&refade=1")
    assert refade.status_code == 403 and "does not offer" in refade.text


def test_a_caption_is_plain_text_and_panels_leave_out_the_diagram_and_timeline(
    client: TestClient,
) -> None:
    html = client.get(f"/embed/practice/{PRESET}?caption=Try%20<b>this</b>&panels=step").text
    assert '<p class="embed-caption" id="embed-caption">Try &lt;b&gt;this&lt;/b&gt;</p>' in html
    assert 'id="diagram"' not in html and 'id="timeline"' not in html
    assert 'id="answer-form"' in html  # the question is always shown


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("from=5&to=2", 400, "from: 5 is after to=2"),
        ("to=99", 400, "to: 99 is past the last step"),
        ("hide=nope", 400, "“nope” is not a part"),
        ("phases=sideways", 400, "is not a phase"),
        ("caption=" + "x" * 201, 400, "caption: at most 200"),
    ],
)
def test_bad_options_are_named(client: TestClient, query: str, status: int, message: str) -> None:
    r = client.get(f"/embed/practice/{PRESET}?{query}")
    assert r.status_code == status and message in unescape(r.text)


def test_the_snippet_builder_offers_practice_with_the_same_options(client: TestClient) -> None:
    s = preset_state(PRESET).encode()
    query = {"s": s, "at": "3", "kind": "practice", "from_step": "13", "to_step": "15"}
    panels = [("panels", p) for p in ("diagram", "step", "timeline")]  # as the form sends them
    params = [*query.items(), *panels, ("caption", "Deltas")]
    r = client.get("/share/embed-code", params=params, headers=HX)
    assert r.status_code == 200
    snippet = unescape(re.search(r'<textarea id="share-embed"[^>]*>([^<]*)<', r.text).group(1))
    src = unescape(re.search(r'src="([^"]*)"', snippet).group(1))
    assert src == f"/embed/practice/{PRESET}?from=12&to=14&caption=Deltas"
    assert 'id="eo-kind-practice" name="kind" value="practice" checked' in r.text
    frame = client.get(src).text
    assert f"step 13 of {N}" in frame and 'id="embed-caption">Deltas<' in frame
    explorer = client.get("/share/embed-code", params=[*panels, ("s", s), ("at", "3")], headers=HX)
    assert f'id="embed-preview" href="/embed/{PRESET}?at=3"' in explorer.text
