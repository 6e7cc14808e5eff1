//! Property tests across the record layer: build → validate → iterate round trips
//! under every codec, corruption and truncation detection, and "never panics"
//! on arbitrary bytes fed to every reader.

use bytes::Bytes;
use proptest::prelude::*;

use super::header::{compute_crc, ATTRIBUTES_AT, CRC_AT, LAST_OFFSET_DELTA_AT, RECORDS_COUNT_AT};
use super::*;

const CODECS: [Compression; 5] =
    [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

#[derive(Debug, Clone)]
struct Spec {
    ts_delta: i64,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    headers: Vec<RecordHeader>,
}

fn opt_bytes(max: usize) -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Vec::new())),
        4 => proptest::collection::vec(any::<u8>(), 0..max).prop_map(Some),
    ]
}

fn header() -> impl Strategy<Value = RecordHeader> {
    // Keys from a small set so duplicates are common.
    (prop_oneof![Just("a"), Just("b"), Just(""), Just("trace-id")], opt_bytes(16))
        .prop_map(|(k, v)| RecordHeader { key: Bytes::from_static(k.as_bytes()), value: v.map(Bytes::from) })
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        prop_oneof![-1000i64..100_000, any::<i64>().prop_map(|t| t >> 2)],
        opt_bytes(40),
        opt_bytes(300),
        proptest::collection::vec(header(), 0..4),
    )
        .prop_map(|(ts_delta, key, value, headers)| Spec { ts_delta, key, value, headers })
}

fn codec() -> impl Strategy<Value = Compression> {
    proptest::sample::select(&CODECS[..])
}

fn build(c: Compression, base_ts: i64, specs: &[Spec], pid: i64, txn: bool) -> Bytes {
    let mut b = BatchBuilder::new(c, base_ts);
    for s in specs {
        b.append(base_ts.wrapping_add(s.ts_delta), s.key.as_deref(), s.value.as_deref(), &s.headers);
    }
    assert_eq!(b.len(), specs.len());
    b.finish(pid, if pid < 0 { -1 } else { 0 }, if pid < 0 { -1 } else { 7 }, txn)
}

/// Walks everything a consumer would, discarding results: must never panic.
fn consume_all(buf: Bytes) {
    for batch in BatchIter::new(buf) {
        let Ok(batch) = batch else { continue };
        let _ = batch.verify_crc();
        let _ = batch.control_type();
        if let Ok(recs) = batch.records() {
            for r in recs {
                let _ = r;
            }
        }
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(64)
}

proptest! {
    // 64 cases keeps `cargo test` quick; set PROPTEST_CASES for a deeper run.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn round_trip_every_codec(
        c in codec(),
        base_ts in 0i64..4_000_000_000_000,
        specs in proptest::collection::vec(spec(), 0..24),
        base_offset in 0i64..i64::MAX / 2,
        txn in any::<bool>(),
    ) {
        let bytes = build(c, base_ts, &specs, 1234, txn);
        let mut stored = bytes.to_vec();
        set_base_offset(&mut stored, base_offset);
        set_partition_leader_epoch(&mut stored, 3);
        let h = validate_batch(&stored).unwrap();
        prop_assert_eq!(h.total_len(), stored.len());
        prop_assert_eq!(h.records_count as usize, specs.len());
        prop_assert_eq!(h.compression().unwrap(), c);
        prop_assert_eq!(h.is_transactional(), txn);
        prop_assert_eq!(h.base_offset, base_offset);
        if !specs.is_empty() {
            prop_assert_eq!(h.last_offset(), base_offset + specs.len() as i64 - 1);
            let max = specs.iter().map(|s| base_ts.wrapping_add(s.ts_delta)).max().unwrap();
            prop_assert_eq!(h.max_timestamp, max);
        }

        let batches: Vec<_> = BatchIter::new(Bytes::from(stored)).collect();
        prop_assert_eq!(batches.len(), 1);
        let batch = batches.into_iter().next().unwrap().unwrap();
        batch.verify_crc().unwrap();
        let recs: Vec<Record> = batch.records().unwrap().map(Result::unwrap).collect();
        prop_assert_eq!(recs.len(), specs.len());
        for (i, (r, s)) in recs.iter().zip(&specs).enumerate() {
            prop_assert_eq!(r.offset, base_offset + i as i64);
            prop_assert_eq!(r.timestamp, base_ts.wrapping_add(s.ts_delta));
            prop_assert_eq!(r.key.as_deref(), s.key.as_deref());
            prop_assert_eq!(r.value.as_deref(), s.value.as_deref());
            prop_assert_eq!(&r.headers, &s.headers);
        }
    }

    #[test]
    fn log_append_time_applies_to_every_record(
        c in codec(),
        specs in proptest::collection::vec(spec(), 1..8),
        now in 0i64..4_000_000_000_000,
    ) {
        let mut stored = build(c, 1000, &specs, -1, false).to_vec();
        set_log_append_time(&mut stored, now);
        let h = validate_batch(&stored).unwrap();
        prop_assert_eq!(h.timestamp_type(), TimestampType::LogAppendTime);
        prop_assert_eq!(h.max_timestamp, now);
        let batch = BatchIter::new(Bytes::from(stored)).next().unwrap().unwrap();
        for r in batch.records().unwrap() {
            prop_assert_eq!(r.unwrap().timestamp, now);
        }
    }

    #[test]
    fn any_change_in_crc_range_is_detected(
        c in codec(),
        specs in proptest::collection::vec(spec(), 1..6),
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
        xor in 1u8..=255,
        single_bit in any::<bool>(),
    ) {
        let good = build(c, 5000, &specs, 9, false);
        let mut bad = good.to_vec();
        // Magic, CRC and everything the CRC covers (attributes..end).
        let i = 16 + at.index(bad.len() - 16);
        bad[i] ^= if single_bit { 1 << bit } else { xor };
        prop_assert!(validate_batch(&bad).is_err(), "change at {} undetected", i);
        // The consumer's check.crcs path agrees (when the batch still frames).
        if let Some(Ok(batch)) = BatchIter::new(Bytes::from(bad)).next() {
            prop_assert!(batch.verify_crc().is_err());
        }
    }

    #[test]
    fn truncation_is_detected_and_never_panics(
        c in codec(),
        specs in proptest::collection::vec(spec(), 1..6),
        at in any::<prop::sample::Index>(),
    ) {
        let good = build(c, 5000, &specs, -1, false);
        let cut = at.index(good.len());
        let short = good.slice(..cut);
        prop_assert!(
            matches!(validate_batch(&short), Err(RecordError::Truncated { .. })),
            "cut {} of {}", cut, good.len()
        );
        prop_assert!(validate_batches(&short).is_err() || cut == 0);
        // A fetch ending mid-batch ends the iteration without an error.
        let mut it = BatchIter::new(short);
        prop_assert!(it.next().is_none());
        // Two batches where the second is cut: first comes out whole.
        let two = Bytes::from([&good[..], &good[..cut]].concat());
        let out: Vec<_> = BatchIter::new(two).collect();
        prop_assert_eq!(out.len(), 1);
        prop_assert!(out[0].is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(buf in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = BatchHeader::parse(&buf);
        let _ = validate_batch(&buf);
        let _ = validate_batches(&buf);
        consume_all(Bytes::from(buf));
    }

    /// Random bytes behind a well-formed header with a correct CRC, so the record
    /// and codec decoders themselves see garbage.
    #[test]
    fn garbage_records_behind_a_valid_header_never_panic(
        c in codec(),
        count in prop_oneof![0i32..40, any::<i32>()],
        section in proptest::collection::vec(any::<u8>(), 0..400),
        extra_attrs in prop_oneof![Just(0i16), Just(0x08), Just(0x30), any::<i16>()],
    ) {
        let mut b = BatchBuilder::new(Compression::None, 0).finish(-1, -1, -1, false).to_vec();
        b.extend_from_slice(&section);
        let len = (b.len() - LOG_OVERHEAD) as i32;
        b[8..12].copy_from_slice(&len.to_be_bytes());
        b[RECORDS_COUNT_AT..RECORDS_COUNT_AT + 4].copy_from_slice(&count.to_be_bytes());
        b[LAST_OFFSET_DELTA_AT..LAST_OFFSET_DELTA_AT + 4]
            .copy_from_slice(&count.wrapping_sub(1).to_be_bytes());
        let attrs = (c as i16) | (extra_attrs & !0x07);
        b[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attrs.to_be_bytes());
        let crc = compute_crc(&b);
        b[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
        let _ = validate_batch(&b);
        consume_all(Bytes::from(b));
    }

    /// A real batch whose records section is mutated and re-CRCed: the decoders
    /// see almost-valid input, which finds more edge cases than pure noise.
    #[test]
    fn mutated_records_never_panic(
        c in codec(),
        specs in proptest::collection::vec(spec(), 1..6),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let mut b = build(c, 0, &specs, -1, false).to_vec();
        let n = b.len() - BATCH_HEADER_LEN;
        if n > 0 {
            for (at, v) in edits {
                let i = BATCH_HEADER_LEN + at.index(n);
                b[i] = v;
            }
        }
        let crc = compute_crc(&b);
        b[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
        consume_all(Bytes::from(b));
    }
}
