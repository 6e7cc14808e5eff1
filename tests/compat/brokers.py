"""The brokers compatibility tests and `make bench` start: `kafkette serve` and Apache Kafka (KRaft).

Importable outside pytest (the side-by-side benchmark uses it). Everything binds 127.0.0.1.
"""


from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Optional


COMPAT = Path(__file__).resolve().parent
ROOT = COMPAT.parent.parent
JARS = COMPAT / ".jars" / "lib"
KAFKETTE_BIN = Path(os.environ.get("KAFKETTE_BIN", ROOT / "target" / "debug" / "kafkette"))
SERVING = re.compile(r"serving the Kafka protocol on (.+)$")


def java_classpath() -> str:
    """The classpath of the Apache Kafka jars (broker, tools, Java client)."""
    if not any(JARS.glob("kafka-clients-*.jar")):
        raise RuntimeError(f"Apache Kafka jars missing in {JARS}: run `make compat-jars`")
    return str(JARS / "*")


def die_with_parent() -> None:
    """Runs in the child before exec: SIGTERM it when the process that started it dies.

    Without it, a test run killed by SIGTERM (CI timeouts, Ctrl-C twice) leaves the JVM or
    `kafkette serve` running and holding its ports. Linux only; elsewhere a no-op.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"broker exited with {proc.returncode}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"broker did not listen on {port} within {timeout}s:\n{log.read_text(errors='replace')[-4000:]}")


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class KafketteServe:
    """A running `kafkette serve`."""

    def __init__(self, brokers: int = 1, config: Optional[dict[str, str]] = None) -> None:
        if not KAFKETTE_BIN.exists():
            raise RuntimeError(f"{KAFKETTE_BIN} missing: run `make compat-bin`")
        args = [str(KAFKETTE_BIN), "serve", "--listen", "127.0.0.1:0", "--brokers", str(brokers)]
        for k, v in (config or {}).items():
            args += ["--config", f"{k}={v}"]
        self.spawned_at = time.monotonic()  # the benchmark times startup from here
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=die_with_parent
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        m = SERVING.search(line)
        if not m:
            stop(self.proc)
            raise RuntimeError(f"kafkette serve did not start: {line!r}")
        self.bootstrap_servers = ",".join(a.strip() for a in m.group(1).split(","))
        # Keep draining the log so the broker never blocks on a full pipe.
        self._drain = subprocess.Popen(["cat"], stdin=self.proc.stdout, stdout=subprocess.DEVNULL)

    def stop(self) -> None:
        stop(self.proc)
        self._drain.wait()



class ApacheKafka:
    """A single-node Apache Kafka (KRaft: broker and controller in one JVM)."""

    def __init__(self, extra: Optional[dict[str, str]] = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="kafkette-apache-kafka-"))
        self.port, controller = free_port(), free_port()
        self.bootstrap_servers = f"127.0.0.1:{self.port}"
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@127.0.0.1:{controller}",
            "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{controller}",
            "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
            "log.dirs": str(self.dir / "data"),
            "offsets.topic.replication.factor": "1",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            "num.partitions": "1",
            **(extra or {}),
        }
        conf = self.dir / "server.properties"
        conf.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        cp = java_classpath()
        java = shutil.which("java") or "java"
        subprocess.run(
            [java, "-cp", cp, "kafka.tools.StorageTool", "format", "-t", "yH1FrtjGQ_eRi_lfpfoqoQ", "-c", str(conf)],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.log = self.dir / "broker.log"
        with open(self.log, "wb") as out:
            self.spawned_at = time.monotonic()  # after `StorageTool format`, a one-off setup step
            self.proc = subprocess.Popen(
                [java, "-Xms256m", "-Xmx1g", "-cp", cp, "kafka.Kafka", str(conf)],
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent,
            )
        wait_for_port(self.port, self.proc, 120, self.log)

    def stop(self) -> None:
        stop(self.proc, 60)
        shutil.rmtree(self.dir, ignore_errors=True)
