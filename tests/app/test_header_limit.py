"""The request-head bound lets the longest link the app writes through, everywhere it is set.

A page's address comes up to three times in one request head (the request line, Referer and
htmx's HX-Current-URL), so the h11 bound must hold three links of ``MAX_LINK`` characters."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from app.explorer.codec import MAX_LINK

ROOT = Path(__file__).resolve().parents[2]
ROOM = 8_192  # the other headers a browser sends: cookies none, the rest a few hundred bytes


def _entrypoint_default() -> int:
    text = (ROOT / "docker" / "entrypoint.py").read_text()
    match = re.search(r"^MAX_HEADER_BYTES = (\d+)$", text, re.M)
    assert match, "docker/entrypoint.py names its default MAX_HEADER_BYTES"
    return int(match.group(1))


def _makefile_default() -> int:
    match = re.search(r"^MAX_HEADER_BYTES \?= (\d+)$", (ROOT / "Makefile").read_text(), re.M)
    assert match, "the Makefile names MAX_HEADER_BYTES"
    return int(match.group(1))


def _configmap() -> int:
    doc = yaml.safe_load((ROOT / "deploy" / "kubernetes" / "configmap.yaml").read_text())
    return int(doc["data"]["MAX_HEADER_BYTES"])


def test_every_server_bound_holds_three_of_the_longest_link() -> None:
    bounds = {
        "entrypoint": _entrypoint_default(),
        "Makefile": _makefile_default(),
        "ConfigMap": _configmap(),
    }
    assert len(set(bounds.values())) == 1, bounds
    assert bounds["entrypoint"] >= 3 * MAX_LINK + ROOM


def test_nginx_lines_hold_the_longest_link() -> None:
    conf = (ROOT / "deploy" / "proxy" / "nginx.conf").read_text()
    match = re.search(r"large_client_header_buffers (\d+) (\d+)k;", conf)
    assert match
    count, size = int(match.group(1)), int(match.group(2)) * 1024
    assert size > MAX_LINK + len("GET  HTTP/1.1\r\n")
    assert count * size >= 3 * MAX_LINK + ROOM
