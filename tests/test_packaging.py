"""The wheel a user installs: the engine, every subpackage, the magics as mfml_sym.magics, and
no generic top-level 'magics' package in their site-packages."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_wheel_contains_every_subpackage_and_maps_magics_under_mfml_sym(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    wheel = next(tmp_path.glob("mfml_sym-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "mfml_sym/magics/__init__.py" in names
    assert not any(n.startswith("magics/") for n in names)
    assert "mfml_sym/py.typed" in names
    source_packages = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "mfml_sym").rglob("__init__.py")}
    for package in source_packages:
        assert f"{package}/__init__.py" in names, f"{package} is missing from the wheel (pyproject packages list)"
    for module in (ROOT / "mfml_sym").rglob("*.py"):
        assert module.relative_to(ROOT).as_posix() in names
