"""The built wheel installs into a fresh virtual environment and works there."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

DIST = Path(__file__).parents[1] / "dist"


def built_wheel() -> Path:
    named = os.environ.get("KAFKETTE_WHEEL")
    if named:
        path = Path(named)
        assert path.is_file(), f"KAFKETTE_WHEEL={named} does not exist"
        return path
    wheels = sorted(DIST.glob("kafkette-*.whl"), key=lambda p: p.stat().st_mtime)
    if not wheels:
        pytest.skip("no wheel in py/dist (make test-py builds one)")
    return wheels[-1]


def test_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    wheel = built_wheel()
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-index", "--no-deps", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert pip.returncode == 0, pip.stdout + pip.stderr
    script = textwrap.dedent(
        """
        import importlib.metadata, pathlib
        import kafkette
        from kafkette import Cluster, Producer, Consumer, TopicPartition, OFFSET_BEGINNING
        pkg = pathlib.Path(kafkette.__file__).parent
        assert (pkg / "py.typed").is_file() and (pkg / "_native.pyi").is_file()
        assert "site-packages" in str(pkg), pkg
        plugins = [e.value for e in importlib.metadata.entry_points(group="pytest11") if e.name == "kafkette"]
        assert plugins == ["kafkette.pytest_plugin"], plugins
        with Cluster() as c:
            p = Producer({"bootstrap.servers": c.bootstrap_servers})
            p.produce("t", b"from the wheel")
            assert p.flush(10) == 0
            cons = Consumer({"bootstrap.servers": c.bootstrap_servers})
            cons.assign([TopicPartition("t", 0, OFFSET_BEGINNING)])
            m = cons.poll(10)
            assert m is not None and m.value() == b"from the wheel"
        print("ok")
        """
    )
    run = subprocess.run([str(python), "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stdout + run.stderr
    assert sys.executable != str(python)
