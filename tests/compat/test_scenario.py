"""The shared scenario's partitioner is the Java client's: Apache Kafka's own murmur2 test vectors."""

import pytest

from scenario import java_partition, murmur2

# From Apache Kafka's UtilsTest.testMurmur2.
JAVA_VECTORS = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


@pytest.mark.parametrize("data,expected", JAVA_VECTORS.items())
def test_murmur2_matches_java(data, expected):
    assert murmur2(data) == expected


def test_partition_is_to_positive_modulo():
    # murmur2(b"21") is negative: toPositive masks the sign bit rather than taking abs().
    assert java_partition(b"21", 6) == (-973932308 & 0x7FFFFFFF) % 6
    assert java_partition(b"21", 6) != abs(-973932308) % 6
