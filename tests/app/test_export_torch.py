"""The PyTorch script: its --json agrees with /api/step to 1e-9 relative for every preset and 30
random scenarios, and a hostile title prints as it was typed: all run in one torch process on
one worker (importing torch takes seconds, 16 s under CI's load)."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.app.export_cases import HOSTILE_TITLE, assert_close, cases, hostile, run_all

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch") is None,
    reason="PyTorch is not installed: pip install 'torch==2.13.0' (the CPU build; the dev extra)",
)
HOSTILE = "hostile"  # the script run as a user runs it, its printed text kept

CASES = cases()


@pytest.fixture(scope="module")
def torch_answers(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("torch")
    hostile_doc = hostile(client.get("/api/presets/batch-xor").json())
    args = {}
    for name, doc in [*CASES, (HOSTILE, hostile_doc)]:
        script = client.post("/api/export/torch", json=doc)
        assert script.status_code == 200, script.text
        path = folder / f"{name}.py"
        path.write_text(script.text, encoding="utf-8")
        args[name] = f"{path}::plain" if name == HOSTILE else str(path)
    return run_all(args, timeout=600)


@pytest.mark.parametrize(("name", "doc"), CASES, ids=[c[0] for c in CASES])
def test_the_torch_scripts_json_agrees_with_api_step(
    client: TestClient, torch_answers: dict[str, Any], name: str, doc: dict[str, Any]
) -> None:
    want = client.post("/api/step", json=doc).json()
    assert_close(torch_answers[name], want, 1e-9, name)


def test_a_hostile_title_prints_exactly(torch_answers: dict[str, Any]) -> None:
    assert torch_answers[HOSTILE].startswith(HOSTILE_TITLE + "\n")


def test_the_page_and_the_preset_give_the_torch_script(client: TestClient) -> None:
    r = client.get("/export/torch", params={"preset": "sigmoid-2-2-2"})
    assert r.status_code == 200
    assert "torch.nn.Linear" in r.text and "dtype=torch.float64" in r.text
    assert (
        'filename="step-by-step-example-2-2-2-sigmoid-torch.py"' in r.headers["content-disposition"]
    )
