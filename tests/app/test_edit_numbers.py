"""The edit fields under hostile numbers: every kind of number field (weight, bias, input,
target, η), with htmx and as a plain form post, on the site and in the embed's editor. A number
is read as practice reads an answer (engine.practice.answers); what is refused is said beside
the field typed in, naming it and the rule, fast, and every other field keeps what was typed."""

from __future__ import annotations

import math
import re
import time
from html import unescape

import pytest
from fastapi.testclient import TestClient

from app.explorer.actions import EditError, apply_edit
from app.explorer.state import preset_state

from .test_edit_form import form_fields

HX = {"HX-Request": "true"}
NUMBERS = {"w-0-0-0": "w1", "b-0-0": "b1", "x-0-0": "input i1", "t-0-0": "the target of o1"}
RANGE = "use a number from −1,000,000 to 1,000,000"
RATE = "the learning rate η: “{}” is not allowed: use 0 < η ≤ 100"
# typed → (what a weight, bias, input or target says; what η says; "" where it is η's rule)
REFUSED = {
    "1e999": (f"“1e999” is too large: {RANGE}", ""),
    "-1e999": (f"“-1e999” is too small: {RANGE}", ""),
    "inf": (f"“inf” is too large: {RANGE}", ""),
    "∞": (f"“∞” is too large: {RANGE}", ""),
    "nan": (f"“nan” is not a number: {RANGE}", ""),
    "1e-400": ("“1e-400” is too small: it rounds to 0 in float64", ""),
    "½": ("“½” is a fraction: type it as a decimal, e.g. 0.5",) * 2,
    "1/8": ("“1/8” is a fraction: type it as a decimal, e.g. 0.125",) * 2,
    "10³": ("“10³” has a superscript or subscript",) * 2,
    "0e999999999": ("“0e999999999” is 0 with an exponent beyond ±1000: type 0 for zero",) * 2,
    "1" * 5000: (f"“{'1' * 40}” is too long: type at most 60 characters",) * 2,
    "": (f"is empty: {RANGE}", "is empty: use 0 < η ≤ 100"),
}


def field_error(html: str, name: str) -> str:
    m = re.search(rf'id="e-{re.escape(name)}"[^>]*>([^<]*)<', html)
    assert m, f"no error beside {name}"
    return unescape(m.group(1))


def post_one(client: TestClient, base: str, name: str, typed: str, headers: dict[str, str]):
    """The page's edit form posted with ``typed`` in field ``name``; the fields posted, the
    answer and the seconds it took."""
    embed = {"panels": "diagram,step,chart,edit"} if base else {}
    page = client.get(f"{base}/sigmoid-2-2-2" if base else "/explore/sigmoid-2-2-2", params=embed)
    fields = form_fields(page.text) | embed | {name: typed}
    start = time.perf_counter()
    r = client.post(f"{base}/explore/edit", data=fields, headers=headers, follow_redirects=False)
    return fields, r, time.perf_counter() - start


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
@pytest.mark.parametrize("name", [*NUMBERS, "learning_rate"])
@pytest.mark.parametrize("typed", list(REFUSED), ids=lambda t: ascii(t[:12]))
def test_a_hostile_number_is_refused_beside_its_field_keeping_every_field(
    client: TestClient, typed: str, name: str, headers: dict[str, str]
) -> None:
    fields, r, seconds = post_one(client, "", name, typed, headers)
    assert r.status_code == 422 and seconds < 0.5
    number, rate = REFUSED[typed]
    if name == "learning_rate":
        expected = f"the learning rate η: {rate}" if rate else RATE.format(typed)
        assert field_error(r.text, name).startswith(expected)
    else:
        assert field_error(r.text, name).startswith(f"{NUMBERS[name]}") and number in field_error(
            r.text, name
        )
    assert form_fields(r.text) == fields  # what was typed stays, here and in every field
    assert "NaN" not in r.text


@pytest.mark.parametrize("headers", [HX, {}], ids=["htmx", "plain"])
@pytest.mark.parametrize("typed", ["1e-400", "½", "0e999999999", ""], ids=ascii)
def test_the_embeds_editor_refuses_them_beside_the_field(
    client: TestClient, typed: str, headers: dict[str, str]
) -> None:
    _, r, seconds = post_one(client, "/embed", "b-0-0", typed, headers)
    assert r.status_code == 422 and seconds < 0.5
    assert field_error(r.text, "b-0-0").startswith("b1: ")
    assert REFUSED[typed][0] in field_error(r.text, "b-0-0")


@pytest.mark.parametrize("name", [*NUMBERS, "learning_rate"])
@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("０．５", 0.5),  # full-width, as an input method types it
        ("0.\u200b5", 0.5),  # a zero-width space copied from a page
        ("+0.5", 0.5),
        (" 0.5 ", 0.5),
        ("1,5", 1.5),
        ("−0,25", -0.25),
        ("-0", -0.0),
    ],
    ids=ascii,
)
def test_numbers_are_read_as_practice_reads_them(name: str, typed: str, value: float) -> None:
    state = preset_state("sigmoid-2-2-2")
    if name == "learning_rate" and value <= 0:
        with pytest.raises(EditError) as e:
            apply_edit(state, {name: typed})
        assert e.value.message == RATE.format(typed.strip())
    elif name == "learning_rate":
        assert apply_edit(state, {name: typed}).scenario.learning_rate == value
    else:
        s = apply_edit(state, {name: typed}).scenario
        arrays = {"w": s.weights[0][0], "b": s.biases[0], "x": s.inputs[0], "t": s.targets[0]}
        got = float(arrays[name[0]][0])
        assert got == value and math.copysign(1, got) == math.copysign(1, value)
