"""The installed product works: a wheel built from a clean copy, installed in a fresh venv outside the checkout.

Offline and self-contained: the wheel is built with the test venv's setuptools (no build
isolation, no index); the fresh venv sees the test venv's already-installed dependencies
through a ``.pth`` line (not its ``.pth`` files, so not the checkout's editable install),
and every command runs from a folder outside the checkout, so nothing can be read from it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import httpx
import pytest

from kg_builder.server.testing import free_port

ROOT = Path(__file__).resolve().parents[1]
# What a build of the wheel reads: the package, its data folders and the project files.
SOURCES = ("pyproject.toml", "README.md", "kg_builder", "ontology", "shapes", "queries")
_JUNK = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build", "dist")


def _run(command: list[str | Path], cwd: Path, env: dict[str, str],
         timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], Path]:
    """(the fresh venv's bin folder, the environment to run it in, a working folder outside the checkout)."""
    base = tmp_path_factory.mktemp("wheel")
    assert ROOT not in base.parents
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=_JUNK)
        else:
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KG_BUILDER_", "PYTHON", "VIRTUAL_ENV"))}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    built = _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                  "-w", base / "dist", source], base, env)
    assert built.returncode == 0, built.stdout + built.stderr
    wheel = next((base / "dist").glob("kg_builder-*.whl"))

    venv = base / "venv"
    made = _run([sys.executable, "-m", "venv", "--without-pip", venv], base, env)
    assert made.returncode == 0, made.stderr
    fresh_python = venv / "bin" / "python"
    purelib = _run([fresh_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base, env)
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib.stdout.strip()) / "_test_venv_dependencies.pth").write_text("\n".join(sorted(deps)) + "\n")
    install = _run([sys.executable, "-m", "pip", "--python", fresh_python, "install", "--no-deps", "--no-index",
                    wheel], base, env)
    assert install.returncode == 0, install.stdout + install.stderr

    work = base / "work"
    work.mkdir()
    shutil.copytree(ROOT / "examples", work / "examples")
    return venv / "bin", env, work


def test_the_wheel_carries_the_data_and_runs_from_its_own_files(installed) -> None:
    bin_dir, env, work = installed
    where = _run([bin_dir / "python", "-c",
                  "import kg_builder, kg_builder.settings as s; d = s.Settings();"
                  "print(kg_builder.__file__); print(d.ontology_dir); print(d.shapes_dir); print(d.queries_dir)"],
                 work, env)
    assert where.returncode == 0, where.stderr
    lines = where.stdout.split()
    assert all(str(bin_dir.parent) in line and str(ROOT) not in line for line in lines), lines
    assert (Path(lines[1]) / "context.jsonld").is_file() and (Path(lines[1]) / "codelists").is_dir()


def test_build_validate_queries_and_serve(installed) -> None:
    bin_dir, env, work = installed
    cli = bin_dir / "kg-builder"
    build = _run([cli, "build", "examples/ctgov-json", "examples/seeds", "--store", "store", "--quiet"], work, env)
    assert build.returncode == 0, build.stdout + build.stderr
    assert "built: 8, rejected: 0" in build.stdout
    validate = _run([cli, "validate", "--store", "store"], work, env)
    assert validate.returncode == 0 and "conforms: no violations" in validate.stdout, validate.stdout
    listed = _run([cli, "queries"], work, env)
    assert listed.returncode == 0 and "trial-overview: Trial overview" in listed.stdout
    named = _run([cli, "query", "--store", "store", "--name", "trial-overview", "--param", "nct=NCT07003074",
                  "--format", "csv"], work, env)
    assert named.returncode == 0 and "PHASE3,RECRUITING" in named.stdout, named.stdout + named.stderr
    exported = _run([cli, "export", "--store", "store", "--format", "jsonld", "-o", "graph.jsonld"], work, env)
    assert exported.returncode == 0 and '"@context"' in (work / "graph.jsonld").read_text(encoding="utf-8")

    port = free_port()
    server = subprocess.Popen([str(cli), "serve", "--store", "store", "--port", str(port), "--workers", "1"],
                              cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        answer = httpx.get(url + "/queries/trial-overview", params={"nct": "NCT07003074"},
                           headers={"Accept": "application/sparql-results+json"}, timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["results"]["bindings"][0]["phase"]["value"] == "PHASE3"
        for asset in ("/static/query.js", "/static/vendor/yasgui/yasgui.min.js", "/static/vendor/MANIFEST.json"):
            assert httpx.get(url + asset, timeout=10).status_code == 200, asset  # the pages' files, vendored ones too
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
