"""The brokers the compatibility tests start answer Metadata, as kcat (librdkafka, Debian) sees it."""

import subprocess


def kcat_brokers(bootstrap: str) -> str:
    out = subprocess.run(["kcat", "-b", bootstrap, "-L", "-m", "10"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_kafkette_serve_three_nodes(kafkette_serve):
    bootstrap = kafkette_serve(brokers=3)
    listing = kcat_brokers(bootstrap)
    assert " 3 brokers:" in listing
    for addr in bootstrap.split(","):
        assert addr in listing


def test_apache_kafka(apache_kafka):
    listing = kcat_brokers(apache_kafka)
    assert " 1 brokers:" in listing
    assert apache_kafka in listing


def test_kafkette_target_one_broker(kafkette_target):
    """Both kafkette targets, `kafkette serve` and an in-process Cluster listening on TCP."""
    listing = kcat_brokers(kafkette_target)
    assert " 1 brokers:" in listing
    assert kafkette_target in listing
