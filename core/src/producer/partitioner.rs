//! Choosing a partition for a record: explicit, by key (murmur2 exactly as the Java
//! client's default partitioner, or librdkafka's CRC-32 `consistent`), sticky for
//! records without a key (KIP-480, KIP-794 "uniform sticky"), or round robin.
//!
//! Randomness comes from a seeded [`Rng`] the producer owns, never a global one,
//! so the simulation replays the same partitions for the same seed.

use crate::config::PartitionerKind;
use crate::error::{Error, ErrorCode, Result};

/// Apache Kafka's `Utils.murmur2`: MurmurHash2, 32 bits, seed 0x9747b28c, little
/// endian words, signed result as Java's `int` arithmetic gives it.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    // Java's `seed ^ length` on ints: the length wraps to 32 bits.
    let mut h: u32 = SEED ^ (data.len() as u32);
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        let mut k = u32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = words.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (not `abs`, which overflows on `i32::MIN`).
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// The Java client's partition for a keyed record.
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    to_positive(murmur2(key)) % num_partitions
}

/// librdkafka's `consistent` partitioner: CRC-32 (IEEE) of the key, unsigned, modulo partitions.
pub fn consistent_partition(key: &[u8], num_partitions: i32) -> i32 {
    let mut crc = flate2::Crc::new();
    crc.update(key);
    (crc.sum() % num_partitions as u32) as i32
}

/// SplitMix64: a tiny, fast, seedable generator. Deterministic by design: the
/// producer seeds it, the simulation chooses the seed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng(pub u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// True with probability `p` (0.0 never, 1.0 always).
    pub fn chance(&mut self, p: f64) -> bool {
        // 53 random bits as a float in [0, 1).
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    /// Uniform in `0..n` (Lemire's multiply-shift; `n` must be > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// The uniform sticky partitioner of one topic (KIP-794): records without a key
/// go to one random partition until `batch.size` bytes have gone there, then to
/// another (a different one when there is more than one).
#[derive(Clone, Debug, Default)]
pub struct StickyPartitioner {
    current: Option<i32>,
    previous: Option<i32>,
    produced_bytes: usize,
}

impl StickyPartitioner {
    /// The partition for a record of `record_bytes`, counting it against the stickiness.
    pub fn partition(&mut self, num_partitions: i32, record_bytes: usize, batch_size: usize, rng: &mut Rng) -> i32 {
        let p = match self.current {
            Some(p) if p < num_partitions => p,
            _ => {
                let p = Self::pick(self.previous, num_partitions, rng);
                self.current = Some(p);
                self.produced_bytes = 0;
                p
            }
        };
        self.produced_bytes += record_bytes;
        if self.produced_bytes >= batch_size.max(1) {
            // Switch on the next record, to a partition other than this one.
            self.previous = Some(p);
            self.current = None;
        }
        p
    }

    fn pick(previous: Option<i32>, num_partitions: i32, rng: &mut Rng) -> i32 {
        let n = num_partitions as u64;
        match previous {
            Some(prev) if num_partitions > 1 && prev < num_partitions => {
                let p = rng.below(n - 1) as i32;
                if p >= prev {
                    p + 1
                } else {
                    p
                }
            }
            _ => rng.below(n) as i32,
        }
    }
}

/// Per-topic partitioner state, kept by the producer next to the topic's partitions.
#[derive(Clone, Debug, Default)]
pub struct TopicPartitioner {
    sticky: StickyPartitioner,
    round_robin: u32,
}

/// The producer's partitioning policy (from `partitioner.class`, `partitioner.ignore.keys`,
/// `batch.size`) and the generator its sticky choices draw from.
#[derive(Clone, Debug)]
pub struct Partitioner {
    pub kind: PartitionerKind,
    pub ignore_keys: bool,
    pub batch_size: usize,
    pub rng: Rng,
}

impl Partitioner {
    pub fn new(kind: PartitionerKind, ignore_keys: bool, batch_size: usize, seed: u64) -> Self {
        Partitioner { kind, ignore_keys, batch_size, rng: Rng::new(seed) }
    }

    /// The partition for one record of `topic` (which has `num_partitions > 0`):
    /// the explicit one if given (checked against the count), else by `kind`.
    /// `record_bytes` counts towards the sticky partition's switch.
    pub fn choose(
        &mut self,
        state: &mut TopicPartitioner,
        topic: &str,
        explicit: Option<i32>,
        key: Option<&[u8]>,
        num_partitions: i32,
        record_bytes: usize,
    ) -> Result<i32> {
        if let Some(p) = explicit {
            if p < 0 || p >= num_partitions {
                return Err(Error::new(
                    ErrorCode::UNKNOWN_PARTITION_LOCAL,
                    format!("partition {p} of topic `{topic}` does not exist (the topic has {num_partitions})"),
                ));
            }
            return Ok(p);
        }
        let key = if self.ignore_keys { None } else { key };
        Ok(match (self.kind, key) {
            (PartitionerKind::Default | PartitionerKind::Murmur2, Some(k)) => partition_for_key(k, num_partitions),
            (PartitionerKind::Murmur2, None) => partition_for_key(&[], num_partitions),
            (PartitionerKind::Consistent | PartitionerKind::ConsistentRandom, Some(k)) => {
                consistent_partition(k, num_partitions)
            }
            (PartitionerKind::Consistent, None) => consistent_partition(&[], num_partitions),
            (PartitionerKind::RoundRobin, _) => {
                let p = (state.round_robin % num_partitions as u32) as i32;
                state.round_robin = state.round_robin.wrapping_add(1);
                p
            }
            (PartitionerKind::Default | PartitionerKind::ConsistentRandom | PartitionerKind::Sticky, _) => {
                state.sticky.partition(num_partitions, record_bytes, self.batch_size, &mut self.rng)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur2_matches_kafka_utils_test() {
        // Apache Kafka's UtilsTest.testMurmur2.
        for (key, want) in [
            ("21", -973_932_308),
            ("foobar", -790_332_482),
            ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971),
            ("abc", 479_470_107),
        ] {
            assert_eq!(murmur2(key.as_bytes()), want, "murmur2({key:?})");
        }
    }

    #[test]
    fn murmur2_matches_librdkafka_java_results() {
        // librdkafka's rdmurmur2.c unittest (`java_murmur2_results`), every tail length.
        for (key, want) in [
            ("kafka", 0xd067_cf64_u32),
            ("giberish123456789", 0x8f55_2b0c),
            ("1234", 0x9fc9_7b14),
            ("234", 0xe7c0_09ca),
            ("34", 0x8739_30da),
            ("4", 0x5a4b_5ca1),
            ("PreAmbleWillBeRemoved,ThePrePartThatIs", 0x7842_4f1c),
            ("reAmbleWillBeRemoved,ThePrePartThatIs", 0x4a62_b377),
            ("eAmbleWillBeRemoved,ThePrePartThatIs", 0xe0e4_e09e),
            ("AmbleWillBeRemoved,ThePrePartThatIs", 0x62b8_b43f),
            ("", 0x106e_08d9),
        ] {
            assert_eq!(murmur2(key.as_bytes()), want as i32, "murmur2({key:?})");
        }
    }

    #[test]
    fn partitions_for_keys() {
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), i32::MAX);
        // "21" hashes to -973932308; positive 1173551340; mod 10 = 0, mod 3 = 0, mod 7 = 1173551340 % 7.
        assert_eq!(partition_for_key(b"21", 10), 1_173_551_340 % 10);
        assert_eq!(partition_for_key(b"foobar", 3), to_positive(-790_332_482) % 3);
        for n in 1..50 {
            let p = partition_for_key(b"some-key", n);
            assert!((0..n).contains(&p));
        }
        // CRC-32 IEEE check value.
        assert_eq!(consistent_partition(b"123456789", i32::MAX), (0xcbf4_3926_u32 % i32::MAX as u32) as i32);
        assert_eq!(consistent_partition(b"", 7), 0);
    }

    #[test]
    fn splitmix64_reference_and_bounds() {
        // SplitMix64 from seed 0, as in Vigna's reference implementation.
        assert_eq!(Rng::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
        let mut rng = Rng::new(42);
        let mut seen = [0u32; 5];
        for _ in 0..10_000 {
            seen[rng.below(5) as usize] += 1;
        }
        assert!(seen.iter().all(|&c| c > 1_800), "{seen:?}");
        assert_eq!(Rng::new(7).next_u64(), Rng::new(7).next_u64());
    }

    #[test]
    fn sticky_switches_after_batch_size_to_another_partition() {
        let mut part = Partitioner::new(PartitionerKind::Default, false, 1000, 1);
        let mut state = TopicPartitioner::default();
        let mut runs = Vec::new();
        for _ in 0..50 {
            let p = part.choose(&mut state, "t", None, None, 4, 100).unwrap();
            match runs.last_mut() {
                Some((q, n)) if *q == p => *n += 1,
                _ => runs.push((p, 1)),
            }
        }
        // 1000 bytes per partition = 10 records of 100 bytes, then a different partition.
        assert_eq!(runs.len(), 5, "{runs:?}");
        assert!(runs.iter().all(|(_, n)| *n == 10), "{runs:?}");
        assert!(runs.windows(2).all(|w| w[0].0 != w[1].0));
        // Deterministic for a seed.
        let again: Vec<i32> = {
            let mut state = TopicPartitioner::default();
            let mut part = Partitioner::new(PartitionerKind::Default, false, 1000, 1);
            (0..50).map(|_| part.choose(&mut state, "t", None, None, 4, 100).unwrap()).collect()
        };
        let expanded: Vec<i32> = runs.iter().flat_map(|(p, n)| std::iter::repeat_n(*p, *n)).collect();
        assert_eq!(again, expanded);
        // One partition: always 0.
        let mut state = TopicPartitioner::default();
        assert!((0..30).all(|_| part.choose(&mut state, "t", None, None, 1, 500).unwrap() == 0));
    }

    #[test]
    fn kinds_explicit_and_round_robin() {
        let mut st = TopicPartitioner::default();
        let mut def = Partitioner::new(PartitionerKind::Default, false, 16_384, 3);
        assert_eq!(def.choose(&mut st, "t", None, Some(b"21"), 10, 10).unwrap(), partition_for_key(b"21", 10));
        assert_eq!(def.choose(&mut st, "t", Some(9), Some(b"21"), 10, 10).unwrap(), 9);
        let e = def.choose(&mut st, "orders", Some(10), None, 10, 10).unwrap_err();
        assert_eq!(e.code(), ErrorCode::UNKNOWN_PARTITION_LOCAL);
        assert!(e.message().contains("partition 10 of topic `orders`"), "{e}");
        assert!(def.choose(&mut st, "t", Some(-1), None, 10, 10).is_err());

        let mut rr = Partitioner::new(PartitionerKind::RoundRobin, false, 16_384, 3);
        let got: Vec<i32> = (0..7).map(|_| rr.choose(&mut st, "t", None, Some(b"k"), 3, 10).unwrap()).collect();
        assert_eq!(got, vec![0, 1, 2, 0, 1, 2, 0]);

        let mut m = Partitioner::new(PartitionerKind::Murmur2, false, 16_384, 3);
        assert_eq!(m.choose(&mut st, "t", None, None, 10, 10).unwrap(), partition_for_key(b"", 10));
        let mut c = Partitioner::new(PartitionerKind::Consistent, false, 16_384, 3);
        assert_eq!(c.choose(&mut st, "t", None, Some(b"123456789"), 10, 10).unwrap(), (0xcbf4_3926_u32 % 10) as i32);

        // partitioner.ignore.keys: keyed records go sticky too.
        let mut ign = Partitioner::new(PartitionerKind::Default, true, 1_000_000, 3);
        let mut st = TopicPartitioner::default();
        let first = ign.choose(&mut st, "t", None, Some(b"a"), 10, 10).unwrap();
        assert!((0..20).all(|i| ign.choose(&mut st, "t", None, Some(&[i]), 10, 10).unwrap() == first));
    }
}
