"""Type stubs: stubtest checks _native.pyi against the built module; mypy --strict
checks the package and a typed usage example, and must reject a misuse example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import kafkette

HERE = Path(__file__).parent


def run(*args: str) -> subprocess.CompletedProcess[str]:
    # mypy's cache lives in py/.mypy_cache (gitignored): warm runs take a second or two.
    env = {**os.environ, "MYPY_CACHE_DIR": str(HERE.parent / ".mypy_cache")}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, cwd=HERE, timeout=600, env=env)


def test_package_ships_stubs_and_py_typed() -> None:
    pkg = Path(kafkette.__file__).parent
    assert (pkg / "py.typed").is_file()
    assert (pkg / "_native.pyi").is_file()


def test_stubtest_native_module() -> None:
    r = run("mypy.stubtest", "kafkette._native")
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_strict_accepts_the_package_and_typed_usage() -> None:
    r = run("mypy", "--strict", "-p", "kafkette")
    assert r.returncode == 0, r.stdout + r.stderr
    r = run("mypy", "--strict", str(HERE / "typing" / "usage_ok.py"))
    assert r.returncode == 0, r.stdout + r.stderr


def test_mypy_rejects_misuse() -> None:
    bad = HERE / "typing" / "usage_bad.py"
    r = run("mypy", "--strict", str(bad))
    expected = {i + 1 for i, line in enumerate(bad.read_text().splitlines()) if "# E:" in line}
    reported = {int(m.group(1)) for m in re.finditer(r"usage_bad\.py:(\d+): error", r.stdout)}
    assert r.returncode == 1
    assert reported == expected, r.stdout
