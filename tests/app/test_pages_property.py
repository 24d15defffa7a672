"""No 5xx from any input to any page route (issue 12), property-based.

A random ``s`` is refused by the decoder's first check and reaches nothing further. So the states
here are VALID page states (the presets and random networks from scratch, trained a little or
not, encoded with the app's own codec), and one field of the state's document is changed at a
time: the rest of the state passes every check, and the change reaches the code that reads
that field. The other query and form fields get any string. In-process (TestClient), a bounded
number of examples, derandomized: the same cases on every run.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.explorer import codec
from app.explorer.actions import ARCH_OPS, EditError, finish, train_state
from app.explorer.embed import ADDRESS_OPTIONS
from app.explorer.state import (
    INIT_KINDS,
    MAX_ITERATION,
    PageState,
    hidden_activations,
    make_scratch,
    preset_state,
    scratch_state,
)
from engine import GRANULARITIES, PRESETS, EngineError
from engine.activations import ACTIVATIONS
from engine.losses import LOSSES
from engine.scenario import UPDATE_ORDERS

# the tests together stay under a minute on a loaded 2-core machine
EXAMPLES = 50  # per test
EACH_FIELD = 8  # per field, in the test that gives each field any string
WHOLE_REPEATS = 4  # requests per example for a field that takes a whole number
MUTATIONS = 30  # changed states, each sent to every route that reads one
PROFILE = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# every field a page's forms post (the edit form's number fields by one of each shape)
FORM_FIELDS = (
    "s", "at", "iterations", "op", "order", "title", "learning_rate", "loss", "update_order",
    "update_biases", "has_update_biases", "w-0-0-0", "b-0-0", "x-0-0", "t-0-0", "act-0",
    "text", "panels", "readonly", "granularity", "precision", "sample", "decimals",
)  # fmt: skip

# -- strings a client may send ---------------------------------------------------------------------

TRICKY = (
    "", " ", "-1", "--1", "\u22121", "0", "1", "999999999", "9" * 12, "1e309", "-1e309", "nan",
    "inf", "0x10", "1_0", "١", "²", "1,5", "on", "true", "\x00", "<script>", "%",
)  # fmt: skip
# signs, digits, separators and exponents in any order: where a number's parser slips
numberish = st.from_regex(r"\A\s?[-+\u2212]{0,3}[0-9]{0,11}([.,_][0-9]{0,3})?(e[-+]?[0-9]{0,4})?\Z")
STRINGS = (st.sampled_from(TRICKY), numberish, st.text(max_size=24))
strings = st.one_of(*STRINGS)
# what each field takes when it is right: half the values drawn are these, so the fields read
# after it are reached too
VALID = {
    "at": ("-1", "0", "3", "12"),
    "iterations": ("1", "5", "100"),
    "op": tuple(f"{op}:{k}" for op in ARCH_OPS for k in (0, 1, 2)),
    "order": UPDATE_ORDERS,
    "update_order": UPDATE_ORDERS,
    "loss": tuple(LOSSES),
    "act-0": tuple(ACTIVATIONS),
    "learning_rate": ("0.5", "100", "1e-3"),
    "w-0-0-0": ("0.5", "-2", "1000000"),
    "b-0-0": ("0.1",),
    "x-0-0": ("1",),
    "t-0-0": ("0.99", "0", "1"),
    "update_biases": ("on",),
    "has_update_biases": ("1",),
    "panels": ("all", "edit,chart", "diagram,step,timeline"),
    "readonly": ("0", "1"),
    "granularity": GRANULARITIES,
    "precision": ("0", "4", "15"),
    "decimals": ("0", "4", "15"),
    "sample": ("1", "2", "4"),
    "layers": ("2,3,1", "1,1", "8,16,16,16,16,16,16,16"),
    "hidden": tuple(ACTIVATIONS),
    "output": tuple(ACTIVATIONS),
    "init": INIT_KINDS,
    "seed": ("0", "4294967295"),
}


# a whole number with signs and spaces around it: the fields that take one
signed = st.builds(
    str.__add__,
    st.sampled_from(["", "-", "--", "+", "\u2212", "- ", "-+", "\u2212-", " "]),
    st.from_regex(r"\A[0-9]{1,4} ?\Z"),
)
WHOLE = {"at", "iterations", "precision", "decimals", "sample", "seed"}


def values_for(name: str, right: int = 1) -> st.SearchStrategy[str]:
    """A value the field takes (``right`` times as often as each of the others), a number
    mangled, a tricky string or any string."""
    valid = [st.sampled_from(VALID[name])] * right if name in VALID else []
    return st.one_of(*valid, *([signed] if name in WHOLE else []), *STRINGS)


# an edit field's name: a value's letter and any number of indices (w-1-0-1 has three)
edit_names = st.builds(
    lambda head, idx: "-".join([head, *map(str, idx)]),
    st.sampled_from(["w", "b", "x", "t", "act"]),
    st.lists(st.integers(0, 3), max_size=4),
)


# -- valid page states -----------------------------------------------------------------------------


@st.composite
def scratch_states(draw: st.DrawFn) -> PageState:
    layers = draw(st.lists(st.integers(1, 4), min_size=2, max_size=4))
    hidden = draw(st.sampled_from(hidden_activations()))
    output = draw(st.sampled_from(list(ACTIVATIONS)))
    loss = draw(st.sampled_from(list(LOSSES)))
    init = draw(st.sampled_from(INIT_KINDS))
    seed = str(draw(st.integers(0, 2**32 - 1)))
    text = ",".join(str(n) for n in layers)
    try:
        spec = make_scratch(text, hidden, output, loss, init, seed)
    except EngineError:  # an output and a loss that do not go together
        spec = make_scratch(text, hidden, "sigmoid", "half_sse", init, seed)
    return scratch_state(spec)


@st.composite
def page_states(draw: st.DrawFn) -> PageState:
    state = draw(st.one_of(st.sampled_from(list(PRESETS)).map(preset_state), scratch_states()))
    state = replace(
        state,
        granularity=draw(st.sampled_from(GRANULARITIES)),
        precision=draw(st.integers(0, 15)),
        sample=draw(st.integers(0, state.scenario.n_samples - 1)),
        iteration=draw(st.sampled_from([0, 3, MAX_ITERATION - 2, MAX_ITERATION])),
    )
    progress = draw(st.sampled_from(["none", "finish", "train"]))
    try:
        if progress == "finish":
            state = finish(state)
        elif progress == "train":
            state = train_state(state, draw(st.sampled_from([1, 7, 30, 300])), 1.0)
    except EditError:  # at the iterations' limit, or diverged: the state as it was
        pass
    return state


# a few states, each rendered once and then read from the caches
STATES = [
    preset_state("sigmoid-2-2-2"),
    replace(preset_state("batch-xor"), granularity="layer", sample=3),
    train_state(preset_state("linear-2-2-1"), 5, 1.0),
]


# -- one field of a state's document changed -------------------------------------------------------

surrogates = st.text(
    alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
    min_size=1,
    max_size=2,
)
json_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([-1, 0, 1, 2**31, 2**63, 2**64, -(2**64), 10**9, 10**9 + 1, 10**400]),
    st.floats(),
    strings,
    surrogates,
)
json_values = st.recursive(
    json_leaves,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(strings, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def places(draw: st.DrawFn, doc: dict[str, Any]) -> tuple[Any, ...]:
    """A place in a JSON document, each level's keys equally likely (so the scenario's many
    labels do not crowd out the iteration): a container or a leaf, never the root."""
    where: tuple[Any, ...] = ()
    x: Any = doc
    while isinstance(x, dict | list) and x and not (where and draw(st.integers(0, 3)) == 0):
        key = draw(st.sampled_from(list(x) if isinstance(x, dict) else range(len(x))))
        where, x = (*where, key), x[key]
    return where


@st.composite
def mutated_docs(draw: st.DrawFn, doc: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(json.dumps(doc))  # a copy to change
    where = draw(places(doc))
    parent = doc
    for key in where[:-1]:
        parent = parent[key]
    how = draw(st.sampled_from(["replace", "replace", "replace", "delete", "add"]))
    if how == "delete" and isinstance(parent, dict):
        del parent[where[-1]]
    elif how == "add" and isinstance(parent, dict):
        parent[draw(strings)] = draw(json_values)
    elif how == "add" and isinstance(parent, list):
        parent.append(draw(json_values))
    else:
        parent[where[-1]] = draw(json_values)
    return doc


def encode_any(doc: dict[str, Any], numbers: bytes = b"") -> str:
    """The app's encoding of a document and its numbers; one it refuses to write (a lone
    surrogate, NaN) is written as a hostile client would: JSON with escapes and NaN."""
    try:
        return codec.encode(doc, numbers)
    except (ValueError, UnicodeEncodeError):
        raw = json.dumps(doc, separators=(",", ":"), ensure_ascii=True).encode() + b"\n" + numbers
        packed = base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")
        return f"{codec.VERSION}.{packed}"


@st.composite
def changed_links(draw: st.DrawFn, state: PageState) -> str:
    """The state's link with one field changed: of its whole document (as format 1 and a
    hostile client write it), or of its short form (the JSON, or the float64 bytes after it)."""
    form = draw(st.sampled_from(["whole", "short", "numbers"]))
    if form == "whole":
        return encode_any(draw(mutated_docs(state.to_doc())))
    doc, numbers = codec.unpack(state.encode())
    if form == "short":
        return encode_any(draw(mutated_docs(doc)), numbers)
    at = draw(st.integers(0, max(0, len(numbers) - 1)))
    cut = draw(st.sampled_from(["flip", "cut", "insert"]))
    if cut == "flip" and numbers:
        numbers = (
            numbers[:at] + bytes([numbers[at] ^ draw(st.integers(1, 255))]) + numbers[at + 1 :]
        )
    elif cut == "cut":
        numbers = numbers[:at]
    else:
        numbers = numbers[:at] + draw(st.binary(min_size=1, max_size=16)) + numbers[at:]
    return encode_any(doc, numbers)


# -- the requests ----------------------------------------------------------------------------------


def page_routes(route_table: list[Any]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, fields) of every page route: the query parameters a GET declares (an
    embed's options too), every form field for a POST."""
    out = []
    for r in route_table:
        if r.is_api:
            continue
        for method in sorted(r.methods - {"HEAD"}):
            if method == "POST":
                fields = FORM_FIELDS
            else:
                declared = [p.name for p in r.route.dependant.query_params]
                extra = ADDRESS_OPTIONS if r.path.startswith("/embed") else ("panels", "readonly")
                fields = tuple(dict.fromkeys([*declared, *extra]))
            out.append((method, r.path, fields))
    return out


@st.composite
def path_of(draw: st.DrawFn, template: str) -> str:
    """A route's path with each {parameter} a preset's id or any string."""
    out = template
    while "{" in out:
        head, _, rest = out.partition("{")
        _, _, tail = rest.partition("}")
        value = draw(st.one_of(st.sampled_from(list(PRESETS)), strings))
        out = head + quote(value, safe="") + tail
    return out


def send(client: TestClient, method: str, path: str, fields: dict[str, str]) -> Any:
    if method == "GET":
        return client.get(path, params=fields, follow_redirects=False)
    return client.post(path, data=fields, follow_redirects=False)


def check(r: Any, method: str, path: str, fields: dict[str, str]) -> None:
    shown = {k: v[:80] for k, v in fields.items()}
    assert r.status_code < 500, (r.status_code, method, path, shown)


# what the actions' forms post beside the state, each right: the changed state is what is read
ACTION_FIELDS = {
    "iterations": "5",
    "op": "add_neuron:1",
    "order": "output_first",
    "learning_rate": "0.25",
    "granularity": "layer",
    "precision": "3",
    "sample": "1",
}


@settings(PROFILE, max_examples=MUTATIONS)
@given(data=st.data())
def test_one_changed_field_of_a_valid_state_on_every_page_route(
    client: TestClient, route_table: list[Any], data: st.DataObject
) -> None:
    """Each example's state goes to every page route that reads a state, GET and POST."""
    state = data.draw(page_states())
    s = data.draw(changed_links(state))
    at = data.draw(st.sampled_from(["", "-1", "0", "3", "40"]))
    for method, template, names in page_routes(route_table):
        if "s" not in names:
            continue
        fields = {"s": s, "at": at}
        if method == "POST":
            fields.update(ACTION_FIELDS)
        elif template.startswith("/explore/view"):
            fields.update({k: ACTION_FIELDS[k] for k in ("granularity", "precision", "sample")})
        check(send(client, method, template, fields), method, template, fields)


def routes_taking(route_table: list[Any], name: str) -> list[tuple[str, str, bool]]:
    """(method, path, takes s) of every page route that reads the field ``name``."""
    return [(m, path, "s" in names) for m, path, names in page_routes(route_table) if name in names]


ALL_FIELDS = tuple(dict.fromkeys([*FORM_FIELDS, *ADDRESS_OPTIONS, *VALID]))


@pytest.mark.parametrize("name", ALL_FIELDS)
@settings(PROFILE, max_examples=EACH_FIELD)
@given(data=st.data())
def test_any_string_in_each_field_of_every_page_route(
    client: TestClient, route_table: list[Any], name: str, data: st.DataObject
) -> None:
    """The field any string, the others right (a valid state, a step), on a route that reads it;
    a field that takes a whole number (read by hand-written code, on many routes) more often."""
    for _ in range(WHOLE_REPEATS if name in WHOLE else 1):
        method, template, takes_s = data.draw(st.sampled_from(routes_taking(route_table, name)))
        fields = {"s": data.draw(st.sampled_from(STATES)).encode(), "at": "2"} if takes_s else {}
        fields[name] = data.draw(st.one_of(signed, *STRINGS))
        path = data.draw(path_of(template))
        check(send(client, method, path, fields), method, path, fields)


@PROFILE
@given(data=st.data())
def test_a_valid_state_with_any_strings_posted_to_every_action(
    client: TestClient, route_table: list[Any], data: st.DataObject
) -> None:
    """Every form field at once, beside a valid state: what an edit form posts, each value any
    string (the edit applies them all, so a value is read whatever the others are)."""
    posts = [r for r in page_routes(route_table) if r[0] == "POST"]
    _, path, names = data.draw(st.sampled_from(posts))
    state = data.draw(page_states())
    fields = {name: data.draw(values_for(name, right=4)) for name in names if name != "s"}
    fields[data.draw(edit_names)] = data.draw(values_for("w-0-0-0"))
    fields["s"] = state.encode()
    check(send(client, "POST", path, fields), "POST", path, fields)


@settings(PROFILE, max_examples=EACH_FIELD * 3)
@given(data=st.data())
def test_any_edit_field_name_with_a_number(client: TestClient, data: st.DataObject) -> None:
    """The edit form's field names carry indices (w-1-0-1): any letter and count of them, with
    a number, reaches the code that finds the value it names."""
    path = data.draw(st.sampled_from(["/explore/edit", "/embed/explore/edit"]))
    fields = {"s": data.draw(st.sampled_from(STATES)).encode(), "at": "2", "panels": "edit"}
    fields[data.draw(edit_names)] = data.draw(values_for("w-0-0-0", right=3))
    check(send(client, "POST", path, fields), "POST", path, fields)
