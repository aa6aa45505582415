"""Settings are declared once (publisher/config.py) and documented from that declaration."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from publisher.config import SETTINGS, Settings, load_settings, settings_markdown
from publisher.errors import SettingsError
from tests.conftest import ROOT, run_bdp


def test_docs_settings_md_is_generated_from_the_dataclass():
    written = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    assert written == settings_markdown(), "regenerate it: bdp settings --markdown > docs/settings.md"
    for f in fields(Settings):
        assert f"`BDP_{f.name.upper()}`" in written


def test_every_setting_has_help_and_a_type_the_environment_can_give():
    assert [s.name for s in SETTINGS] == [f.name for f in fields(Settings)]
    for s in SETTINGS:
        assert s.help.strip(), s.name
        assert s.kind in (str, int, float, Path), (s.name, s.kind)
        assert isinstance(s.default, s.kind), (s.name, s.default)


def test_environment_values_are_coerced_to_the_declared_type_and_bad_ones_named():
    settings = load_settings(environ={"BDP_ROW_CAP": "7", "BDP_OUT": "/tmp/x", "BDP_QUERY_TIMEOUT": "2.5"})
    assert (settings.row_cap, settings.out, settings.query_timeout) == (7, Path("/tmp/x"), 2.5)
    with pytest.raises(SettingsError, match="row_cap"):
        load_settings(environ={"BDP_ROW_CAP": "many"})
    with pytest.raises(SettingsError, match="unknown setting 'rowcap'"):
        load_settings({"rowcap": 3}, environ={})


def test_settings_are_frozen_and_with_returns_a_validated_copy():
    settings = load_settings(environ={})
    with pytest.raises(AttributeError):
        settings.row_cap = 3  # type: ignore[misc]
    assert settings.with_(page_size=5).page_size == 5
    with pytest.raises(SettingsError, match="lang"):
        settings.with_(lang="de")


def test_bdp_settings_markdown_prints_the_table():
    result = run_bdp("settings", "--markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout == settings_markdown()
