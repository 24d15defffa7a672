"""Practice pages: what is not yet worked out is absent from the HTML, the question's field and
button are named, Check / help / Next change the record in the address, bad input is a 4xx
naming the parameter, never a 5xx."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.explorer.state import PageState, Scratch, preset_state, scratch_state
from app.render.formatting import flat, number
from engine import GRANULARITIES, PRESETS, Trace, trace
from engine.practice import SETS

HX = {"HX-Request": "true"}


def build_trace(state: PageState, granularity: str) -> Trace:
    return trace(state.scenario, granularity)


def page_text(html: str) -> str:
    """The page as a reader (or a screen reader) gets it: text and attribute values."""
    return unescape(html)


def values_from(state_granularity: tuple[str, str], at: int) -> tuple[set[str], set[str]]:
    """The texts of the values computed before step ``at`` and from it on (at the preset's
    precision), less the numbers a learner is given (weights, inputs, targets, η)."""
    pid, gran = state_granularity
    state = preset_state(pid)
    tr = build_trace(state, gran)
    d = state.precision
    s = state.scenario
    given = {number(x, d) for x in flat(s.to_dict()["weights"]) + flat(s.to_dict()["biases"])}
    given |= {number(x, d) for x in flat(s.to_dict()["inputs"]) + flat(s.to_dict()["targets"])}
    given.add(number(s.learning_rate, d))
    before = {number(x, d) for st in tr.steps[:at] for x in flat(st.value)}
    later = {number(x, d) for st in tr.steps[at:] for x in flat(st.value)}
    return before, {t for t in later - before - given if len(t.strip("−0.")) >= 3}


def shows(html: str, text: str) -> bool:
    """Whether ``text`` is in the page as a number of its own (not the tail of −0.0013…)."""
    return re.search(rf"(?<![\d.\u2212-]){re.escape(text)}(?!\d)", html) is not None


def state_field(html: str) -> str:
    return unescape(re.search(r'name="s" value="([^"]*)"', html).group(1))


def record_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


CASES = [(pid, g) for pid in PRESETS for g in GRANULARITIES]


@pytest.mark.parametrize(("pid", "gran"), CASES)
def test_nothing_from_the_question_on_is_in_the_html(
    client: TestClient, pid: str, gran: str
) -> None:
    state = preset_state(pid)
    n = len(build_trace(state, gran).steps)
    s = state.encode() if gran == state.granularity else None
    for at in sorted({0, 1, n // 3, n // 2, n - 1}):
        if s is None:
            from dataclasses import replace

            url = f"/practice?s={replace(state, granularity=gran).encode()}&at={at}"
        else:
            url = f"/practice/{pid}?at={at}"
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:300])
        html = page_text(r.text)
        _, hidden = values_from((pid, gran), at)
        leaked = sorted(t for t in hidden if shows(html, t))
        assert not leaked, f"{url}: values not worked out yet are in the page: {leaked[:5]}"
        assert 'id="values-table"' not in html and 'id="loss-chart"' not in html
        assert "after this update" not in html
        assert "✓ document" not in html


def test_the_question_names_its_field_and_button(client: TestClient) -> None:
    html = client.get("/practice/sigmoid-2-2-2?at=1").text
    assert re.search(r'<label for="answer-0">Your answer for outₕ₁</label>', html)
    assert re.search(r'<button type="submit" id="check"[^>]*>Check</button>', html)
    # one live region says the feedback (#announce); #feedback shows it, not spoken twice
    assert 'id="feedback"' in html and html.count("aria-live=") == 1 and 'role="status"' not in html
    assert "Net input of h1" in html  # the step before is shown, worked
    assert "0.3775" in html  # its value too
    assert "Activation of h1" in html and "σ" in html  # the title and the formula in symbols
    assert "0.593269992" not in html
    assert 'id="next-step" class="button" disabled' in html


def test_the_error_readout_waits_for_the_error_step(client: TestClient) -> None:
    tr = build_trace(preset_state("sigmoid-2-2-2"), "neuron")
    k = next(st.index for st in tr.steps if st.kind == "loss")
    loss = number(float(tr.forward.loss), 9)
    assert loss == "0.298371109"
    assert loss not in client.get(f"/practice/sigmoid-2-2-2?at={k}").text
    assert 'id="loss-readout"' not in client.get(f"/practice/sigmoid-2-2-2?at={k}").text
    revealed = client.post(
        "/practice/help",
        data={"s": preset_state("sigmoid-2-2-2").encode(), "at": k, "level": "answer"},
        follow_redirects=True,
    ).text
    assert f"E = {loss}" in revealed


def post(client: TestClient, path: str, at: int, score: str | None = None, **fields: str):  # type: ignore[no-untyped-def]
    data = {"s": preset_state("sigmoid-2-2-2").encode(), "at": str(at), **fields}
    if score is not None:
        data["score"] = score
    return client.post(path, data=data, follow_redirects=False)


def test_a_right_answer_marks_the_step_and_opens_next(client: TestClient) -> None:
    r = post(client, "/practice/check", 0, a0="0,3775")
    assert r.status_code == 303
    rec = record_of(r.headers["location"])
    assert rec["score"][0] == "1" and rec["at"] == "0"
    html = client.get(r.headers["location"]).text
    assert "Right, at the first try." in html
    assert "✓ document" in html  # the document's badge, after the answer
    assert 'id="next-step" class="button primary" href="' in html


def test_a_wrong_answer_names_the_mistake_and_counts_a_try(client: TestClient) -> None:
    r = post(client, "/practice/check", 0, a0="0.0275")
    rec = record_of(r.headers["location"])
    assert rec["tries"] == "1" and rec["score"][0] == "." and rec["a0"] == "0.0275"
    html = page_text(client.get(r.headers["location"]).text)
    feedback = re.search(r'id="feedback"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert "bias" in feedback and "b1" in feedback
    assert 'aria-invalid="true"' in html and 'value="0.0275"' in html
    right = post(client, "/practice/check", 0, score=rec["score"], tries="1", a0="0.378")
    assert record_of(right.headers["location"])["score"][0] == "2"


def test_too_few_digits_asks_for_more_and_counts_nothing(client: TestClient) -> None:
    r = post(client, "/practice/check", 0, a0="0.38")
    rec = record_of(r.headers["location"])
    assert "tries" not in rec
    assert "3 significant digits" in client.get(r.headers["location"]).text


def test_what_is_not_a_number_answers_422_in_place(client: TestClient) -> None:
    r = post(client, "/practice/check", 0, a0="zero point four")
    assert r.status_code == 422
    assert "is not a number" in unescape(r.text) and 'id="answer-0"' in r.text
    h = client.post(
        "/practice/check",
        data={"s": preset_state("sigmoid-2-2-2").encode(), "at": "0", "a0": ""},
        headers=HX,
    )
    assert h.status_code == 422 and "<html" not in h.text and h.headers["HX-Replace-Url"] == "false"


@pytest.mark.parametrize(
    ("typed", "headline", "line"),
    [
        ("1e999", "That number is beyond float64's range.",
         "Your answer is too large: beyond ±1.8e308, the largest float64"),
        ("-1e999", "That number is beyond float64's range.", "beyond ±1.8e308"),
        ("1e400", "That number is beyond float64's range.", "beyond ±1.8e308"),
        ("1e-400", "That number is beyond float64's range.", "is too small: it rounds to 0"),
        ("∞", "That number is beyond float64's range.", "Your answer “∞” is infinite"),
        ("nan", "That is not a number yet.", "Your answer “nan” is float64's mark for"),
        ("½", "That is not a number yet.", "is a fraction: type it as a decimal, e.g. 0.5"),
    ],
)  # fmt: skip
def test_an_answer_beyond_float64_or_no_number_is_named_in_place(
    client: TestClient, typed: str, headline: str, line: str
) -> None:
    """1e999 is a number, too large for float64: the page says that, beside the field, and
    counts nothing; nan, ∞ and ½ are each named for what they are (issue: learner, 3)."""
    r = post(client, "/practice/check", 0, a0=typed)
    assert r.status_code == 422
    html = unescape(r.text)
    feedback = re.search(r'id="feedback"[^>]*>(.*?)</div>', html, re.S)
    assert feedback, html
    said = " ".join(re.sub(r"<[^>]+>", " ", feedback.group(1)).split())
    assert said.startswith(headline) and line in said, said
    if headline != "That is not a number yet.":
        assert "not a number" not in said
    field = re.search(r'<input id="answer-0"[^>]*>', html).group(0)  # type: ignore[union-attr]
    assert 'aria-invalid="true"' in field and 'aria-describedby="feedback"' in field
    assert f'value="{typed}"' in field  # what was typed is kept


def test_full_width_digits_are_read_as_digits(client: TestClient) -> None:
    r = post(client, "/practice/check", 0, a0="０.３７７５")
    assert r.status_code == 303
    assert record_of(r.headers["location"])["score"][0] == "1"


def test_help_shows_the_numbers_then_the_answer(client: TestClient) -> None:
    r = post(client, "/practice/help", 1, level="numbers")
    html = client.get(r.headers["location"]).text
    assert 'id="substituted"' in html and "0.3775" in html
    assert "0.593269992" not in html  # the numbers, not the result
    assert 'id="help-numbers"' not in html
    rec = record_of(r.headers["location"])
    right = post(client, "/practice/check", 1, score=rec["score"], help="1", a0="0.5933")
    assert record_of(right.headers["location"])["score"][1] == "h"
    shown = post(client, "/practice/help", 1, level="answer")
    rec = record_of(shown.headers["location"])
    assert rec["score"][1] == "r"
    html = client.get(shown.headers["location"]).text
    assert "0.593269992" in html and "counts as not answered" in html


def test_htmx_gets_the_fragment_and_the_address(client: TestClient) -> None:
    r = client.post(
        "/practice/check",
        data={"s": preset_state("sigmoid-2-2-2").encode(), "at": "0", "a0": "0.3775"},
        headers=HX,
    )
    assert r.status_code == 200 and "<html" not in r.text and 'id="practice"' in r.text
    assert record_of(r.headers["HX-Replace-Url"])["score"][0] == "1"
    assert r.headers["Vary"].split(",")[0] == "HX-Request"  # and Accept-Encoding: compressed
    assert 'data-report="progress"' in r.text


def test_a_step_beyond_the_first_open_question_is_not_shown(client: TestClient) -> None:
    html = client.get("/practice/sigmoid-2-2-2?at=5&score=" + "." * 37).text
    assert "step 1 of 37" in html and "0.3775" not in html


def test_fading_shows_worked_steps_and_asks_the_last_of_each_phase(client: TestClient) -> None:
    html = client.get("/practice/sigmoid-2-2-2?fade=1").text
    assert "A worked step" in html and "0.3775" in html and 'id="answer-0"' not in html
    rec = record_of(
        re.search(r'id="next-step"[^>]*href="([^"]*)"', html).group(1).replace("&amp;", "&")
    )
    asked = [k for k, m in enumerate(rec["score"]) if m == "."]
    tr = build_trace(preset_state("sigmoid-2-2-2"), "neuron")
    phases = [tr.steps[k].phase for k in asked]
    assert len(asked) == 4 and phases == ["forward", "loss", "backward", "update"]
    assert all(tr.steps[k + 1].phase != tr.steps[k].phase for k in asked[:-1])


def test_the_score_at_the_end_names_the_set_and_links_the_steps_to_review(
    client: TestClient,
) -> None:
    marks = "1" * 30 + "2h" + "r" + "1" * 4
    html = client.get(f"/practice/sigmoid-2-2-2?set=doc003-iteration&at=37&score={marks}").text
    assert "Set complete" in html and "doc003-iteration" in html
    assert "36 of 37" in html
    reviews = re.search(r'<ul class="reviews" id="reviews">(.*?)</ul>', html, re.S).group(1)
    assert reviews.count("<li>") == 3 and "at=30" in reviews and "revealed" in reviews
    assert "your own record" in html


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/practice/sigmoid-2-2-2?at=37&score=" + "1" * 37, {}),  # the score
        ("/practice/sigmoid-2-2-2?at=37&score=" + "1" * 37, HX),  # the score, as htmx swaps it
        ("/embed/practice/single-neuron?at=11&score=11111111111", {}),  # a frame's score
        ("/practice/sigmoid-2-2-2?at=0", {}),  # a question
    ],
)
def test_the_own_record_sentence_is_said_once(
    client: TestClient, path: str, headers: dict[str, str]
) -> None:
    """The score page said "your own record" twice (the heading's and the score's), and a
    screen reader read both: once on every page, beside the score on the score's."""
    html = client.get(path, headers=headers).text
    assert html.count("own record") == 1, path
    if "score-total" in html:  # the score's own sentence, after the score
        assert html.index("score-total") < html.index("own record")


def test_practise_this_from_the_explorer(client: TestClient) -> None:
    html = client.get("/explore/sigmoid-2-2-2?at=4").text
    href = unescape(re.search(r'id="practise-link"[^>]*href="([^"]*)"', html).group(1))
    r = client.get(href)
    assert r.status_code == 200 and "step 5 of 37" in r.text
    assert "Your answer for netₒ₁" in r.text


def test_a_large_matrix_asks_for_a_few_named_cells(client: TestClient) -> None:
    from dataclasses import replace

    state = replace(
        scratch_state(Scratch((2, 8, 8, 1), "sigmoid", "sigmoid", "half_sse")),
        granularity="layer",
    )
    tr = build_trace(state, "layer")
    k = next(
        st.index for st in tr.steps if st.kind == "weight_gradient" and len(flat(st.value)) > 16
    )
    marks = "1" * k + "." * (len(tr.steps) - k)
    html = client.get(f"/practice?s={state.encode()}&at={k}&score={marks}").text
    labels = re.findall(r'<label for="answer-\d+">([^<]*)</label>', html)
    assert 1 < len(labels) <= 16 and all(lb.startswith("Your answer for ∂E/∂w") for lb in labels)


def test_xor_layer_steps_ask_cell_by_cell(client: TestClient) -> None:
    html = page_text(client.get("/practice/batch-xor?set=xor-layers").text)
    labels = re.findall(r'<label for="answer-\d+">([^<]*)</label>', html)
    assert len(labels) == 8 and labels[0] == "Your answer for netₕ₁ (sample 1)"


def test_the_embed_has_no_site_chrome_and_reports(client: TestClient) -> None:
    r = client.get("/embed/practice/sigmoid-2-2-2?set=doc003-iteration")
    assert r.status_code == 200 and 'class="embed"' in r.text and "header" not in r.text
    assert 'data-set="doc003-iteration"' in r.text and 'action="/embed/practice/check"' in r.text
    s = client.get(f"/embed/practice?s={preset_state('batch-xor').encode()}")
    assert s.status_code == 200
    assert client.get("/embed/practice").status_code == 400
    done = client.post(
        "/embed/practice/check",
        data={
            "s": preset_state("sigmoid-2-2-2").encode(),
            "set": "doc003-iteration",
            "at": "36",
            "score": "1" * 36 + ".",
            "a0": number(build_trace(preset_state("sigmoid-2-2-2"), "neuron").steps[-1].value, 9),
        },
        headers=HX,
    )
    assert 'data-report="completed"' in done.text and 'data-score="37"' in done.text


BAD = [
    ("/practice/no-such-example", 404, "no example called"),
    ("/practice?s=garbage", 400, "cannot be opened"),
    ("/practice/sigmoid-2-2-2?at=abc", 422, "at: must be a whole number"),
    ("/practice/sigmoid-2-2-2?at=99", 422, "at: must be from"),
    ("/practice/sigmoid-2-2-2?score=xyz", 422, "score: must hold one mark per step"),
    ("/practice/sigmoid-2-2-2?score=" + "?" * 37, 422, "is not a mark"),
    ("/practice/sigmoid-2-2-2?fade=9x", 422, "fade: must be one of"),
    ("/practice/sigmoid-2-2-2?set=nope", 422, "is not a practice set"),
    ("/practice/sigmoid-2-2-2?set=xor-layers", 422, "practises the example batch-xor"),
    ("/practice/sigmoid-2-2-2?a5=1", 422, "a5: this step has 1 answer field"),
    # "²".isdigit() and 5,000 digits were a 500 (int() refuses both)
    ("/practice/sigmoid-2-2-2?a²=1", 422, "a²: this step has 1 answer field"),
    ("/practice/sigmoid-2-2-2?a" + "1" * 5000 + "=1", 422, "a11111111111: this step has 1"),
    ("/embed/practice/sigmoid-2-2-2?a²=1", 422, "a²: this step has 1 answer field"),
    ("/practice/sigmoid-2-2-2?tries=-1", 422, "tries: must be from 0"),
    ("/practice/sigmoid-2-2-2?help=7", 422, "help: must be from 0 to 1"),
    ("/embed/practice/no-such-example", 404, "no example called"),
    ("/embed/practice?s=garbage", 400, "cannot be opened"),
]


@pytest.mark.parametrize(("url", "status", "message"), BAD)
def test_a_bad_address_is_a_4xx_that_says_why(
    client: TestClient, url: str, status: int, message: str
) -> None:
    r = client.get(url)
    assert r.status_code == status, r.text[:300]
    assert message in unescape(r.text)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"s": "x"},
        {"s": preset_state("single-neuron").encode(), "at": "1e9"},
        {"s": preset_state("single-neuron").encode(), "level": "everything"},
        {"s": preset_state("single-neuron").encode(), "a0": "1" * 5000},
        {"s": preset_state("single-neuron").encode(), "a0": "1e999999"},
        {"s": preset_state("single-neuron").encode(), "a0": "nan"},
        {"s": preset_state("single-neuron").encode(), "score": "1" * 11, "at": "11"},
        {"s": preset_state("single-neuron").encode(), "a0": "0.5", "a²": "1"},
        {"s": preset_state("single-neuron").encode(), "a0": "0.5", "a" + "9" * 5000: "1"},
        {"s": preset_state("single-neuron").encode(), "0e-99999999": "1", "a0": "0e-99999999"},
    ],
)
@pytest.mark.parametrize("path", ["/practice/check", "/practice/help", "/embed/practice/help"])
def test_a_bad_post_is_never_a_5xx(client: TestClient, path: str, data: dict[str, str]) -> None:
    r = client.post(path, data=data, follow_redirects=False)
    assert r.status_code < 500, r.text[:300]


def test_every_set_opens(client: TestClient) -> None:
    for ps in SETS.values():
        r = client.get(f"/practice/{ps.preset}?set={ps.id}")
        assert r.status_code == 200, (ps.id, r.text[:300])


def test_auto_fading_asks_more_in_the_next_iteration(client: TestClient) -> None:
    html = client.get("/practice/sigmoid-2-2-2?fade=auto&at=37&score=" + "w" * 37).text
    href = unescape(re.search(r'id="next-iteration" href="([^"]*)"', html).group(1))
    page = client.get(href).text
    assert "Iteration 2" in page
    nxt = unescape(re.search(r'name="score" value="([^"]*)"', page).group(1))
    start = unescape(
        re.search(
            r'name="score" value="([^"]*)"', client.get("/practice/sigmoid-2-2-2?fade=auto").text
        ).group(1)
    )
    assert start.count(".") == 4  # the last step of each phase
    assert nxt.count(".") == 8  # the last two of each phase


def test_a_long_iteration_lists_the_steps_near_the_cursor(client: TestClient) -> None:
    state = scratch_state(Scratch((4, 16, 16, 4), "sigmoid", "sigmoid", "half_sse"))
    n = len(build_trace(state, "neuron").steps)
    html = client.get(f"/practice?s={state.encode()}&at=3").text
    assert n > 500 and 'class="tl-gap"' in html
    assert html.count('class="tl-step') < 80


PARAMS = ("at", "score", "fade", "set", "help", "tries", "a0", "a1", "refade")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(PARAMS),
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(["0", "36", "37", "-1", "auto", "1", "doc003-iteration", "1" * 37]),
        ),
        max_size=5,
    ),
    st.sampled_from(["GET /practice/sigmoid-2-2-2", "POST /practice/check", "POST /practice/help"]),
)
def test_any_record_in_the_address_is_never_a_5xx(
    client: TestClient, params: dict[str, str], call: str
) -> None:
    method, path = call.split()
    if method == "GET":
        r = client.get(path, params=params, follow_redirects=False)
    else:
        data = {"s": preset_state("sigmoid-2-2-2").encode(), "level": "numbers", **params}
        r = client.post(path, data=data, follow_redirects=False)
    assert r.status_code < 500, (params, r.text[:300])


def feedback_of(html: str) -> str:
    found = re.search(r'id="feedback"[^>]*>(.*?)</div>', html, re.S)
    assert found is not None
    return page_text(found.group(1))


def test_check_with_nothing_typed_says_so_beside_the_field(client: TestClient) -> None:
    """A 422 used to come back with an empty status region: a click into silence."""
    r = post(client, "/practice/check", 0, a0="")
    assert r.status_code == 422
    assert "is empty: type a number" in feedback_of(r.text)
    assert 'aria-invalid="true"' in r.text


def test_a_cell_left_empty_is_named_among_the_typed_ones(client: TestClient) -> None:
    s = preset_state("batch-xor")
    first = trace(s.scenario, "layer").steps[0]
    typed = {f"a{k}": repr(v) for k, v in enumerate(flat(first.value))}
    typed["a3"] = ""
    r = client.post(
        "/practice/check",
        data={"s": s.encode(), "at": "0", "set": "xor-layers", **typed},
        follow_redirects=False,
    )
    assert r.status_code == 422
    said = feedback_of(r.text)
    assert "is empty" in said and said.count("is empty") == 1 and "sample 2" in said


def announced(html: str) -> str:
    found = re.search(r'<div id="announce"[^>]*>(.*?)</div>', html, re.S)
    assert found is not None
    return unescape(found.group(1))


def test_the_announcement_names_quantities_as_the_labels_do(client: TestClient) -> None:
    """The live region read "net_h1" and "b1" letter by letter with an underscore; it names
    them as the field's label does (netₕ₁), never with a raw "_"."""
    r = client.post(
        "/practice/check",
        data={"s": preset_state("sigmoid-2-2-2").encode(), "at": "0", "a0": "0.0275"},
        headers=HX,
    )
    said = announced(r.text)
    assert "bias" in said and "netₕ₁" in said and "_" not in said
    s = preset_state("batch-xor")
    typed = {f"a{k}": "0.5" for k in range(8)}
    cells = client.post(
        "/practice/check",
        data={"s": s.encode(), "at": "0", "set": "xor-layers", **typed},
        headers=HX,
    )
    said = announced(cells.text)
    assert "netₕ₁ (sample 1): " in said and "_" not in said


def test_a_square_after_a_subscript_is_announced_as_a_square(client: TestClient) -> None:
    """tanh's slope 1 − out_o1² was announced "(1 − out₍o1²₎)": the square inside the
    subscript, out sub (o1 squared). Document 003's δ_o1 with tanh's slope: 0.322828."""
    state = preset_state("sigmoid-2-2-2")
    at = next(k for k, step in enumerate(trace(state.scenario).steps) if step.quantity == "δ_o1")
    data = {"s": state.encode(), "at": str(at), "a0": "0.322828"}
    r = client.post("/practice/check", data=data, headers=HX)
    said = announced(r.text)
    assert "the slope of tanh, (1 − outₒ₁²), but outₒ₁ comes from σ" in said, said
    assert "₍" not in said


def test_the_formula_with_numbers_is_announced(client: TestClient) -> None:
    """Asking for the formula with the numbers swapped the page and said only the question
    again: a screen reader user did not hear that the help had come."""
    r = client.post(
        "/practice/help",
        data={"s": preset_state("sigmoid-2-2-2").encode(), "at": "1", "level": "numbers"},
        headers=HX,
    )
    said = announced(r.text)
    assert said.startswith("The formula with the numbers is shown")
    assert "σ(0.3775)" in said and "outₕ₁" in said
