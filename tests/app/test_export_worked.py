"""The worked solution (HTML for print) and its LaTeX: every step with its numbers, no controls,
and titles and labels that cannot break out (HTML escaping; LaTeX that still compiles)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.explorer.state import loaded_state, preset_state
from app.export.latex import text
from app.render.formatting import number
from engine import PRESETS, Scenario, trace
from tests.app.export_cases import HOSTILE_TITLE, cases, hostile

PDFLATEX = shutil.which("pdflatex")


def link(doc: dict[str, Any]) -> str:
    return loaded_state(Scenario.from_dict(doc)).encode()


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_handout_has_every_step_and_no_controls(client: TestClient, preset: str) -> None:
    r = client.get("/export/worked", params={"preset": preset})
    assert r.status_code == 200
    page = r.text
    assert not re.search(r"<(button|form|input|select|textarea|script)\b", page)
    state = preset_state(preset)
    steps = trace(state.scenario, state.granularity).steps
    assert page.count('<article class="worked-step">') == len(steps)
    assert page.count('class="worked-phase') == len({st.phase for st in steps})
    assert page.count("<svg") == 1 + len({st.phase for st in steps})  # the network, each phase
    for st in steps:
        assert f"Step {st.index + 1}." in page
    assert 'media="print"' not in page and "worked.css" in page


def test_a_hostile_title_and_labels_are_escaped_in_the_handout(client: TestClient) -> None:
    doc = hostile(client.get("/api/presets/sigmoid-2-2-2").json())
    page = client.get("/export/worked", params={"s": link(doc)}).text
    assert "<b>&amp;</b>" not in page and "&lt;b&gt;&amp;amp;&lt;/b&gt;" in page
    assert "<i>" not in page


def test_latex_text_escapes_every_special_and_stays_ascii() -> None:
    out = text(HOSTILE_TITLE + " é ü ß ™ 中")
    assert out.isascii()
    assert "\\end{document}" not in out and "\\textbf{" not in out
    for special in "#$%&_{}~^":
        assert (
            re.search(r"(?<!\\)" + re.escape(special), out.replace("\\ensuremath{", "")) is None
            or special in "{}"
        )
    assert "\\ensuremath{\\sigma }" in out and "e u ss TM ?" in out.replace("  ", " ")


@pytest.mark.skipif(PDFLATEX is None, reason="pdflatex is not installed (texlive-latex-base)")
@pytest.mark.parametrize(
    ("name", "doc"),
    [c for c in cases() if c[0] in PRESETS or c[0] in ("random-7", "random-22", "random-6")],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_the_latex_compiles_with_stock_pdflatex(
    client: TestClient, tmp_path: Path, name: str, doc: dict[str, Any]
) -> None:
    r = client.get("/export/worked.tex", params={"s": link(doc)})
    assert r.status_code == 200
    assert r.text.isascii()
    (tmp_path / "worked.tex").write_text(r.text)
    done = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "worked.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    pdf_text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(tmp_path / "worked.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    # the whole document came out: a title cannot end it early
    assert "Backpropagation, one iteration worked out" in pdf_text
    assert "Update" in pdf_text or "update" in pdf_text
    s = Scenario.from_dict(doc)
    loss = number(trace(s, "neuron" if s.n_samples <= 8 else "layer").forward.loss, 9)
    assert loss.replace("\u2212", "-") in pdf_text.replace("\u2212", "-")


def test_the_handouts_list_the_weights_in_the_documents_order(client: TestClient) -> None:
    """Document 003 numbers its weights into h1 first (w1 from i1, w2 from i2), as the
    timeline steps them; the tables read w1, w3, w2, w4 (row by row of the matrix)."""
    html = client.get("/export/worked", params={"preset": "sigmoid-2-2-2"}).text
    heads = re.findall(r'<tr><th scope="row">(.*?)</th>', html)
    # drawn as MathML (hidden from a reader, who hears the plain name after it)
    drawn = [h.split('<span class="visually-hidden">')[0] for h in heads if "<math" in h]
    rows = [re.sub(r"<[^>]+>", "", h) for h in drawn]
    assert rows[:8] == [f"w{k}" for k in range(1, 9)]
    tex = client.get("/export/worked.tex", params={"preset": "sigmoid-2-2-2"}).text
    found = re.findall(r"^\$\{w\}_\{\\text\{(\d)\}\}\$ & ", tex, re.M)
    assert found == [str(k) for k in range(1, 9)]


def test_the_latex_opening_has_no_space_before_its_full_stop(client: TestClient) -> None:
    tex = client.get("/export/worked.tex", params={"preset": "sigmoid-2-2-2"}).text
    assert r"(as in document \texttt{003\_c29a9bb6172bd357.txt}). Numbers rounded" in tex
    assert "\n." not in tex


def test_the_tables_write_a_name_as_its_formula_not_its_id(client: TestClient) -> None:
    """Document 002's biases are b_h1, b_h2, b_o: the tables printed "b_h1" with its raw
    underscore where every step writes b with its subscript h1."""
    html = client.get("/export/worked", params={"preset": "linear-2-2-1"}).text
    heads = re.findall(r'<tr><th scope="row">(.*?)</th>', html)
    assert heads and not any("_" in re.sub(r"<[^>]+>", "", h) for h in heads)
    assert any("<msub><mi>b</mi>" in h for h in heads)
    tex = client.get("/export/worked.tex", params={"preset": "linear-2-2-1"}).text
    rows = re.findall(r"^(.+?) & .* & \$", tex, re.M)
    assert rows and not any(r"\_" in r for r in rows), rows
    assert any(r.startswith("${b}_{") for r in rows), rows
