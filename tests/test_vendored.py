"""The browser libraries under kg_builder/server/static/vendor are what web/vendor.mjs copied from the pinned npm
packages: every file listed with its size and hash, each package with its license, the pins exact and locked."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "kg_builder" / "server" / "static" / "vendor"
MANIFEST = json.loads((VENDOR / "MANIFEST.json").read_text())
PACKAGES = {p["name"]: p for p in MANIFEST["packages"]}


def test_every_vendored_file_is_listed_and_unchanged() -> None:
    listed = {}
    for package in MANIFEST["packages"]:
        for entry in package["files"]:
            listed[entry["path"]] = entry
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.rglob("*") if p.is_file()} - {"MANIFEST.json"}
    assert on_disk == set(listed), "run `make vendor` rather than editing the vendored files"
    for path, entry in listed.items():
        data = (VENDOR / path).read_bytes()
        assert len(data) == entry["bytes"] and hashlib.sha256(data).hexdigest() == entry["sha256"], path


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_each_package_ships_its_license(name: str) -> None:
    files = {Path(f["path"]).name: VENDOR / f["path"] for f in PACKAGES[name]["files"]}
    license_text = files["LICENSE.txt"].read_text()
    assert len(license_text) > 200 and ("Permission" in license_text or "Apache License" in license_text)
    if name in ("@zazuko/yasgui", "echarts"):  # their builds bundle their dependencies: those licenses ship too
        bundled = files["THIRD-PARTY-LICENSES.txt"].read_text()
        assert bundled.count("=" * 78) >= 2 * 2


def test_pins_are_exact_and_locked() -> None:
    package = json.loads((ROOT / "web" / "package.json").read_text())
    lock = json.loads((ROOT / "web" / "package-lock.json").read_text())
    pins = package["dependencies"]
    assert set(pins) == set(PACKAGES)
    for name, version in pins.items():
        assert version[0].isdigit(), f"{name} {version}: pin an exact version"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version == PACKAGES[name]["version"]
        assert lock["packages"][f"node_modules/{name}"]["integrity"].startswith("sha512-")
