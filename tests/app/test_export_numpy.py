"""The NumPy script: its --json agrees with /api/step to 1e-12 relative for every preset and 30
random scenarios; hostile titles and labels stay inside their strings. The scripts of the
presets and the random scenarios run in one Python process (one NumPy import, not 38: each took
~0.3 s of CPU); the hostile one runs as a user runs it, ``python script.py``."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from engine import PRESETS, get_preset, trace
from tests.app.export_cases import HOSTILE_TITLE, assert_close, cases, hostile, run_all

CASES = cases()
PLAIN = "plain-"  # a preset's script run without --json: its printed text, by "plain-" + id


@pytest.fixture(scope="module")
def numpy_answers(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case's --json answer, and each preset's printed text (by ``PLAIN + id``)."""
    folder = tmp_path_factory.mktemp("numpy")
    args = {}
    for name, doc in CASES:
        script = client.post("/api/export/numpy", json=doc)
        assert script.status_code == 200, script.text
        assert script.headers["content-type"].startswith("text/x-python")
        path = folder / f"{name}.py"
        path.write_text(script.text, encoding="utf-8")
        args[name] = str(path)
    for pid in sorted(PRESETS):
        path = folder / f"{PLAIN}{pid}.py"
        path.write_text(client.get(f"/export/numpy?preset={pid}").text, encoding="utf-8")
        args[PLAIN + pid] = f"{path}::plain"
    return run_all(args, timeout=300)


def run_script(path: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        encoding="utf-8",
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(("name", "doc"), CASES, ids=[c[0] for c in CASES])
def test_the_numpy_scripts_json_agrees_with_api_step(
    client: TestClient, numpy_answers: dict[str, Any], name: str, doc: dict[str, Any]
) -> None:
    want = client.post("/api/step", json=doc).json()
    assert_close(numpy_answers[name], want, 1e-12, name)


def test_the_script_reads_the_scenario_bit_for_bit(client: TestClient) -> None:
    doc = client.get("/api/presets/sigmoid-2-2-2").json()
    doc["weights"][0][0][0] = 0.1 + 0.2  # 0.30000000000000004
    doc["inputs"][0][0] = 5e-324
    text = client.post("/api/export/numpy", json=doc).text
    tree = ast.parse(text)
    literal = next(
        n.value
        for n in tree.body
        if isinstance(n, ast.Assign) and n.targets[0].id == "SCENARIO"  # type: ignore[attr-defined]
    )
    scenario = ast.literal_eval(literal)
    assert scenario["weights"][0][0][0] == 0.1 + 0.2
    assert scenario["inputs"][0][0] == 5e-324


def test_a_hostile_title_and_labels_cannot_leave_their_strings(
    client: TestClient, tmp_path: Path
) -> None:
    doc = hostile(client.get("/api/presets/sigmoid-2-2-2").json())
    text = client.post("/api/export/numpy", json=doc).text
    assert text.isascii() or "\u2028" not in text  # the line separator is written escaped
    path = tmp_path / "hostile.py"
    path.write_text(text, encoding="utf-8")
    printed = run_script(path)
    assert printed.startswith(HOSTILE_TITLE + "\n")
    assert "\n  =1+2\u207a = " in printed  # each label printed as written, never run
    assert json.loads(run_script(path, "--json"))["scenario"]["title"] == HOSTILE_TITLE


def test_the_page_link_and_the_preset_give_the_same_script(client: TestClient) -> None:
    from app.explorer.state import preset_state

    s = preset_state("batch-xor").encode()
    by_link = client.get("/export/numpy", params={"s": s})
    by_preset = client.get("/export/numpy", params={"preset": "batch-xor"})
    assert by_link.status_code == by_preset.status_code == 200
    assert by_link.text == by_preset.text
    assert 'filename="xor-as-one-batch-numpy.py"' in by_link.headers["content-disposition"]


@pytest.mark.parametrize(
    ("params", "status", "words"),
    [
        ({}, 400, "Give s"),
        ({"preset": "nope"}, 404, "preset: there is no example"),
        ({"s": "1.AAAA"}, 400, "s: this link cannot be read"),
        ({"s": "9.x"}, 400, "s: this link cannot be read"),
    ],
)
def test_a_bad_source_is_a_4xx_naming_it(
    client: TestClient, params: dict[str, str], status: int, words: str
) -> None:
    r = client.get("/export/numpy", params=params)
    assert r.status_code == status
    assert words in r.text


def test_a_bad_body_is_the_apis_422(client: TestClient) -> None:
    doc = client.get("/api/presets/sigmoid-2-2-2").json()
    doc["activations"] = ["sigmoid", "swish"]
    r = client.post("/api/export/numpy", json=doc)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"][:2] == ["body", "activations"]


def printed(text: str) -> list[tuple[str, Any]]:
    """The script's "  name = value" lines, in order (values read back as Python)."""
    lines = [ln.strip().split(" = ", 1) for ln in text.splitlines() if ln.startswith("  ")]
    return [(name, ast.literal_eval(value)) for name, value in lines]


@pytest.mark.parametrize("pid", sorted(PRESETS))
def test_the_script_prints_the_pages_quantities_in_the_pages_order(
    numpy_answers: dict[str, Any], pid: str
) -> None:
    """Each name once (document 003's shared b2 was printed twice with two values), the
    weights in the timeline's order (w5, w6, w7, w8, not w5, w7, w6, w8), and each number
    the one the explorer shows for that step."""
    lines = printed(numpy_answers[PLAIN + pid])
    names = [name for name, _ in lines]
    assert len(names) == len(set(names)), names
    steps = trace(get_preset(pid).load(), "neuron").steps
    shown = dict(lines)
    ours = [st for st in steps if st.quantity in shown]
    assert [name for name in names if name in {st.quantity for st in ours}] == [
        st.quantity for st in ours
    ]
    assert len(ours) > len(steps) // 2
    for st in ours:
        assert shown[st.quantity] == st.value, st.quantity
