"""Settings from the environment: a bad value stops the start with a message naming the
variable and the rule, not a traceback."""

from __future__ import annotations

import pytest

from app.settings import Settings


@pytest.mark.parametrize(
    ("name", "value", "rule"),
    [
        ("MAX_BODY_BYTES", "1MB", "whole number"),
        ("MAX_BODY_BYTES", "0", "from 1"),
        ("MAX_BODY_BYTES", "9" * 40, "whole number"),
        ("MAX_TRAIN_ITERATIONS", "-5", "whole number"),
        ("MAX_TRAIN_ITERATIONS", "100001", "to 100,000"),
        ("TRAIN_TIME_LIMIT", "soon", "seconds"),
        ("TRAIN_TIME_LIMIT", "nan", "seconds"),
        ("TRAIN_TIME_LIMIT", "0", "over 0"),
        ("ROOT_PATH", "backprop", "must start with /"),
        ("ROOT_PATH", "//evil.example", "exactly one"),
        ("ROOT_PATH", "/bp//x", "plain path"),
        ("ROOT_PATH", "/bp x", "plain path"),
        ("ROOT_PATH", "/bp?x=1", "plain path"),
        ("FRAME_ANCESTORS", "https://a.example; script-src *", "';'"),
        ("FRAME_ANCESTORS", "https://a.example\nhttps://b.example", "line breaks"),
        ("FRAME_ANCESTORS", "a.example", "not 'self', * or an origin"),
        ("FRAME_ANCESTORS", "https://a.example/course", "not 'self', * or an origin"),
        ("FRAME_ANCESTORS", "self", "not 'self', * or an origin"),
        ("FRAME_ANCESTORS", "javascript://x", "not 'self', * or an origin"),
        ("FRAME_ANCESTORS", "https://user@a.example", "not 'self', * or an origin"),
        ("CACHE_MB", "96MB", "whole number"),
        ("CACHE_MB", "65537", "from 0 to 65,536"),
        ("PUBLIC_URL", "explorer.example.edu", "must be an origin"),
        ("PUBLIC_URL", "https://explorer.example.edu/bp", "must be an origin"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_rule(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, rule: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as e:
        Settings.from_env()
    assert str(e.value).startswith(f"{name}=") and rule in str(e.value)


def test_good_values_and_a_root_path_with_a_trailing_slash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_BODY_BYTES", "2_000_000")
    monkeypatch.setenv("MAX_TRAIN_ITERATIONS", " 500 ")
    monkeypatch.setenv("TRAIN_TIME_LIMIT", "0.5")
    monkeypatch.setenv("ROOT_PATH", "/backprop/")
    s = Settings.from_env()
    assert (s.max_body_bytes, s.max_train_iterations, s.train_time_limit) == (2_000_000, 500, 0.5)
    assert s.root_path == "/backprop"
    monkeypatch.setenv("ROOT_PATH", "")
    monkeypatch.setenv("MAX_BODY_BYTES", "")
    assert Settings.from_env().root_path == "" and Settings.from_env().max_body_bytes == 1_000_000


def test_the_container_entrypoint_stops_on_a_bad_setting_with_several_workers() -> None:
    # uvicorn's workers import the app, its parent does not: the entrypoint checks first, or
    # each worker would die and be started again without end
    import os
    import subprocess
    import sys

    from app.settings import ROOT

    env = {**os.environ, "WORKERS": "2", "PORT": "8849", "MAX_BODY_BYTES": "1MB"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "docker" / "entrypoint.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1 and "MAX_BODY_BYTES='1MB'" in done.stderr


@pytest.mark.parametrize(
    ("raw", "policy"),
    [
        (
            "https://a.example.edu, https://b.example.org",
            "https://a.example.edu https://b.example.org",
        ),
        (
            "https://a.example.edu,https://b.example.org:8443/",
            "https://a.example.edu https://b.example.org:8443",
        ),
        ("'self'  https://*.example.edu", "'self' https://*.example.edu"),
        ("*", "*"),
        (" , ", "*"),
    ],
)
def test_frame_ancestors_commas_and_spaces_both_separate(
    monkeypatch: pytest.MonkeyPatch, raw: str, policy: str
) -> None:
    monkeypatch.setenv("FRAME_ANCESTORS", raw)
    assert Settings.from_env().frame_ancestors == policy


def test_unset_variables_keep_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "FRAME_ANCESTORS",
        "MAX_BODY_BYTES",
        "ROOT_PATH",
        "PUBLIC_URL",
        "TRAIN_TIME_LIMIT",
    ):
        monkeypatch.delenv(name, raising=False)
    assert Settings.from_env() == Settings()
    monkeypatch.setenv("PUBLIC_URL", "https://explorer.example.edu/")
    assert Settings.from_env().public_url == "https://explorer.example.edu"
