"""Shared fixtures: the bundled data built once per session, small helpers to run the real `bdp`."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publisher.config import load_settings

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def run_bdp(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run the real command line in a child process, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "publisher", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=600)


def tree_digest(path: Path) -> dict[str, str]:
    """Every file below `path` with the SHA-256 of its bytes: to show an output was not touched."""
    return {str(p.relative_to(path)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def settings():
    return load_settings({}, environ={})


@pytest.fixture(scope="session")
def built(tmp_path_factory, settings) -> Path:
    """The bundled data/ built once into a temporary OUT."""
    from publisher.build.pipeline import build

    out = tmp_path_factory.mktemp("bundled") / "out"
    build(settings, DATA, out, workers=2)
    return out


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of the bundled data, for tests that break a record."""
    target = tmp_path / "data"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("links"))
    return target
