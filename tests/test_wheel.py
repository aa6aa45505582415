"""The package as a user installs it: a wheel built from the repository (offline: no build isolation) and
installed, not editable, into a fresh virtual environment outside the repository, carries the ontology,
the shapes and the canned queries; `bdp` from it builds the bundled data and serves /queries, /shapes,
/def/ontology and a document."""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
from pathlib import Path

from tests.conftest import DATA, ROOT

SEED = "trzy-filary-bank-partnerow-lokalnych"
DATA_PACKAGES = {"publisher.ontology": "ontology", "publisher.shapes": "shapes", "publisher.queries": "queries"}


def _setuptools() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_the_listed_packages_are_all_the_packages():
    from setuptools import find_packages  # here: importing setuptools costs each test process ~0.5 s

    config = _setuptools()
    assert set(config["packages"]) == set(find_packages(str(ROOT), include=["publisher*"])) | set(DATA_PACKAGES)
    assert config["package-dir"] == DATA_PACKAGES


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{args}: {done.stderr[-2000:]}"
    return done


def test_the_wheel_serves_its_own_files(tmp_path):
    source = tmp_path / "source"                 # a copy: building writes build/ and *.egg-info beside it
    for name in ("publisher", "ontology", "shapes", "queries"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index",
        "-w", str(dist), str(source), cwd=tmp_path)
    (wheel,) = dist.glob("bdp_publisher-*.whl")

    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-index", "--no-deps",
        str(wheel), cwd=tmp_path)
    # The dependencies (not the package) come from this environment, so that nothing is downloaded.
    fresh_site = Path(run(str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                          cwd=tmp_path).stdout.strip())
    (fresh_site / "_bdp_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    bdp = str(fresh / "bin" / "bdp")
    out = tmp_path / "out"
    run(bdp, "build", "--data", str(DATA), "--out", str(out), "--workers", "1", cwd=tmp_path)
    queries = run(bdp, "serve", "--out", str(out), "--get", "/queries", "--accept", "text/html", cwd=tmp_path)
    assert "cross-sector-partnerships" in queries.stdout and str(tmp_path) not in queries.stdout
    document = run(bdp, "serve", "--out", str(out), "--get", f"/doc/practice/{SEED}.ttl", cwd=tmp_path)
    assert "Trzy Filary" in document.stdout
    # Where the package's files come from, and two more of them served, in one interpreter of the fresh
    # environment (a `bdp serve --get` each would start two more): the app as `bdp serve` makes it.
    found = run(str(python), "-c", WHERE_AND_GET, str(out), cwd=tmp_path).stdout.split("\n--\n")
    where = found[0].split()
    assert all(Path(p).is_relative_to(fresh_site) for p in where), where
    shapes, ontology = found[1:]
    assert "sh:NodeShape" in shapes
    assert "owl:Ontology" in ontology


WHERE_AND_GET = """
import sys
import publisher.assets as a
from publisher.commands.support import settings_from
from publisher.web import create_app
print(a.__file__); print(a.QUERIES)
client = create_app(settings_from(out=sys.argv[1])).test_client()
for path in ("/shapes", "/def/ontology"):
    answer = client.get(path, headers={"Accept": "text/turtle"}, follow_redirects=True)
    assert answer.status_code == 200, (path, answer.status_code)
    print("--"); print(answer.get_data(as_text=True))
"""
