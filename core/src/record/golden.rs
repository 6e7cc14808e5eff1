//! Golden bytes: a batch written out field by field from the format v2 spec,
//! and interop with the `kafka-protocol` crate's independent encoder/decoder.

use bytes::Bytes;

use super::*;

/// Two records, CreateTime, no compression, idempotent (pid 4242, epoch 3, seq 10).
/// The CRC was computed with a separate bit-by-bit CRC-32C (poly 0x82F63B78).
#[rustfmt::skip]
const GOLDEN: &[u8] = &[
    0, 0, 0, 0, 0, 0, 0, 0,             // base offset 0
    0, 0, 0, 0x51,                      // batch length 81
    0xff, 0xff, 0xff, 0xff,             // partition leader epoch -1
    2,                                  // magic
    0x7f, 0x6d, 0x06, 0xf8,             // crc
    0, 0,                               // attributes: none, CreateTime
    0, 0, 0, 1,                         // last offset delta 1
    0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x00, // base timestamp 1_700_000_000_000
    0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x05, // max timestamp +5
    0, 0, 0, 0, 0, 0, 0x10, 0x92,       // producer id 4242
    0, 3,                               // producer epoch 3
    0, 0, 0, 10,                        // base sequence 10
    0, 0, 0, 2,                         // records count 2
    // record 0: length 22, attrs, ts delta 0, offset delta 0, key "key", value "value",
    // 2 headers with the same key: h=1, h=2
    0x2c, 0, 0, 0, 0x06, b'k', b'e', b'y', 0x0a, b'v', b'a', b'l', b'u', b'e',
    0x04, 0x02, b'h', 0x02, b'1', 0x02, b'h', 0x02, b'2',
    // record 1: length 8, attrs, ts delta 5, offset delta 1, key null, value "v2", no headers
    0x10, 0, 0x0a, 0x02, 0x01, 0x04, b'v', b'2', 0x00,
];

fn golden_headers() -> Vec<RecordHeader> {
    vec![RecordHeader::new("h", Some("1")), RecordHeader::new("h", Some("2"))]
}

#[test]
fn golden_batch_parses() {
    let h = validate_batch(GOLDEN).unwrap();
    assert_eq!(h.total_len(), GOLDEN.len());
    assert_eq!(h.crc, 0x7f6d06f8);
    assert_eq!((h.base_offset, h.last_offset(), h.records_count), (0, 1, 2));
    assert_eq!((h.base_timestamp, h.max_timestamp), (1_700_000_000_000, 1_700_000_000_005));
    assert_eq!((h.producer_id, h.producer_epoch, h.base_sequence), (4242, 3, 10));
    assert_eq!(h.last_sequence(), 11);
    assert_eq!(h.partition_leader_epoch, -1);
    assert_eq!(h.compression(), Ok(Compression::None));
    assert!(!h.is_transactional() && !h.is_control());

    let batch = BatchIter::new(Bytes::from_static(GOLDEN)).next().unwrap().unwrap();
    let recs: Vec<Record> = batch.records().unwrap().map(Result::unwrap).collect();
    assert_eq!(
        recs,
        vec![
            Record {
                offset: 0,
                timestamp: 1_700_000_000_000,
                key: Some(Bytes::from_static(b"key")),
                value: Some(Bytes::from_static(b"value")),
                headers: golden_headers(),
            },
            Record {
                offset: 1,
                timestamp: 1_700_000_000_005,
                key: None,
                value: Some(Bytes::from_static(b"v2")),
                headers: vec![],
            },
        ]
    );
}

#[test]
fn builder_reproduces_golden_bytes() {
    let mut b = BatchBuilder::new(Compression::None, 1_700_000_000_000);
    b.append(1_700_000_000_000, Some(b"key"), Some(b"value"), &golden_headers());
    b.append(1_700_000_000_005, None, Some(b"v2"), &[]);
    assert_eq!(&b.finish(4242, 3, 10, false)[..], GOLDEN);
}

#[test]
fn kafka_protocol_crate_reads_our_batches_and_we_read_its() {
    use kafka_protocol::records::{
        Compression as KpCompression, Record as KpRecord, RecordBatchDecoder, RecordBatchEncoder, RecordEncodeOptions,
        TimestampType as KpTimestampType,
    };

    // Ours -> theirs.
    let mut theirs = Bytes::from_static(GOLDEN);
    let set = RecordBatchDecoder::decode(&mut theirs).unwrap();
    assert_eq!(set.records.len(), 2);
    assert_eq!(set.records[1].offset, 1);
    assert_eq!(set.records[1].timestamp, 1_700_000_000_005);
    assert_eq!(set.records[0].sequence, 10);
    assert_eq!(set.records[0].key.as_deref(), Some(&b"key"[..]));

    // Theirs -> ours (their header map keeps one value per key, so use distinct keys).
    let mut headers = kafka_protocol::indexmap::IndexMap::new();
    headers.insert("a".into(), Some(Bytes::from_static(b"x")));
    headers.insert("b".into(), None);
    let recs: Vec<KpRecord> = (0..3)
        .map(|i| KpRecord {
            transactional: true,
            control: false,
            delete_horizon: false,
            partition_leader_epoch: 5,
            producer_id: 77,
            producer_epoch: 2,
            timestamp_type: KpTimestampType::Creation,
            offset: 100 + i,
            sequence: 40 + i as i32,
            timestamp: 1000 + i * 10,
            key: (i != 1).then(|| Bytes::from(format!("k{i}"))),
            value: Some(Bytes::from(vec![i as u8; 50])),
            headers: headers.clone(),
        })
        .collect();
    let mut buf = bytes::BytesMut::new();
    let opts = RecordEncodeOptions { version: 2, compression: KpCompression::None };
    RecordBatchEncoder::encode(&mut buf, &recs, &opts).unwrap();
    let buf = buf.freeze();
    let h = validate_batch(&buf).unwrap();
    assert_eq!((h.base_offset, h.records_count, h.producer_id, h.base_sequence), (100, 3, 77, 40));
    assert!(h.is_transactional());
    let batch = BatchIter::new(buf).next().unwrap().unwrap();
    for (ours, theirs) in batch.records().unwrap().map(Result::unwrap).zip(&recs) {
        assert_eq!(ours.offset, theirs.offset);
        assert_eq!(ours.timestamp, theirs.timestamp);
        assert_eq!(ours.key, theirs.key);
        assert_eq!(ours.value, theirs.value);
        assert_eq!(ours.headers, vec![RecordHeader::new("a", Some("x")), RecordHeader::new("b", None::<Bytes>)]);
    }
}
