"""The worked solution printed to PDF by chromium: a page per phase, and the text (pdftotext)
holds every number of the iteration at the page's decimals."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from playwright.sync_api import Page

from app.explorer.pages import PHASE_NAMES
from app.explorer.state import preset_state
from app.render.formatting import number
from app.settings import Settings
from engine import PRESETS, trace

from .conftest import Watch

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed"),
]


def numbers_of(value: object) -> list[float]:
    if isinstance(value, list):
        return [x for v in value for x in numbers_of(v)]
    return [float(value)]  # type: ignore[arg-type]


def pdf_pages(pdf: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    return [
        subprocess.run(
            ["pdftotext", "-f", str(k), "-l", str(k), "-enc", "UTF-8", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for k in range(1, count + 1)
    ]


def flat_text(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_the_printed_worked_solution_holds_every_number(
    page: Page, watch: Watch, server: str, tmp_path: Path, preset: str
) -> None:
    page.goto(f"{server}/export/worked?preset={preset}")
    assert page.locator("button, input, select, textarea, form").count() == 0  # no controls
    state = preset_state(preset)
    few = state.scenario.n_samples <= Settings().max_trace_samples
    granularity = state.granularity if few else "layer"
    steps = trace(state.scenario, granularity).steps
    phases = [p for p in PHASE_NAMES if any(st.phase == p for st in steps)]
    for paper in ("A4", "Letter"):
        pdf = tmp_path / f"{preset}-{paper}.pdf"
        page.pdf(path=str(pdf), format=paper)
        pages = pdf_pages(pdf)
        # the network, then each phase from the top of a new page
        assert len(phases) + 1 <= len(pages) <= 6 * (len(phases) + 1), paper
        starts = [p.strip().splitlines()[0] if p.strip() else "" for p in pages]
        for k, phase in enumerate(phases, start=1):
            assert f"{k}. {PHASE_NAMES[phase]}" in starts, (paper, starts)
    text = flat_text("".join(pages))
    d = state.precision
    missing = [
        (st.quantity, number(x, d))
        for st in steps
        for x in numbers_of(st.value)
        if flat_text(number(x, d)) not in text
    ]
    assert not missing, missing[:10]
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    assert len(list(tmp_path.glob("page*.png"))) == len(pages)
