//! Producer side: `BatchBuilder` encodes records into a format v2 batch.
//!
//! Each record is encoded once, at `append`, straight into one `BytesMut` that
//! already reserves the 61-byte header: its size is computed first from the
//! field lengths, so the length prefix is written before the body and nothing
//! is moved afterwards. `finish` fills the header and the CRC; with a codec it
//! compresses the records section once into a buffer that starts with the header.

use bytes::{BufMut, Bytes, BytesMut};

use super::compression::compress_into;
use super::header::*;
use super::varint::{put_varint, put_varlong, varint_len, varlong_len};
use super::{Compression, RecordHeader};

/// Initial buffer when no capacity is given: Kafka's default `batch.size`.
const DEFAULT_CAPACITY: usize = 16 * 1024;

/// Producer side. Encodes records as they are appended (one pass), compresses at finish.
#[derive(Debug, Clone)]
pub struct BatchBuilder {
    compression: Compression,
    base_timestamp: i64,
    max_timestamp: i64,
    count: i32,
    /// Header placeholder followed by the encoded records.
    buf: BytesMut,
}

/// Length prefix plus bytes of an optional field (-1 for null, one byte).
#[inline]
fn opt_len(v: Option<&[u8]>) -> usize {
    match v {
        Some(b) => varint_len(b.len() as i32) + b.len(),
        None => 1,
    }
}

#[inline]
fn put_opt(buf: &mut BytesMut, v: Option<&[u8]>) {
    match v {
        Some(b) => {
            put_varint(buf, b.len() as i32);
            buf.put_slice(b);
        }
        None => put_varint(buf, -1),
    }
}

#[inline]
fn headers_len(headers: &[RecordHeader]) -> usize {
    let mut n = varint_len(headers.len() as i32);
    for h in headers {
        n += opt_len(Some(&h.key)) + opt_len(h.value.as_deref());
    }
    n
}

impl BatchBuilder {
    pub fn new(compression: Compression, base_timestamp: i64) -> Self {
        Self::with_capacity(compression, base_timestamp, DEFAULT_CAPACITY)
    }

    /// `bytes` is the expected uncompressed batch size, header included.
    pub fn with_capacity(compression: Compression, base_timestamp: i64, bytes: usize) -> Self {
        let mut buf = BytesMut::with_capacity(bytes.max(BATCH_HEADER_LEN));
        buf.put_bytes(0, BATCH_HEADER_LEN);
        BatchBuilder { compression, base_timestamp, max_timestamp: i64::MIN, count: 0, buf }
    }

    /// Appends one record (offset delta = previous count). timestamp is absolute ms.
    pub fn append(&mut self, timestamp: i64, key: Option<&[u8]>, value: Option<&[u8]>, headers: &[RecordHeader]) {
        let ts_delta = timestamp.wrapping_sub(self.base_timestamp);
        let offset_delta = self.count;
        let body_len = 1 // attributes, unused: always 0
            + varlong_len(ts_delta)
            + varint_len(offset_delta)
            + opt_len(key)
            + opt_len(value)
            + headers_len(headers);
        let buf = &mut self.buf;
        buf.reserve(varint_len(body_len as i32) + body_len);
        put_varint(buf, body_len as i32);
        buf.put_u8(0);
        put_varlong(buf, ts_delta);
        put_varint(buf, offset_delta);
        put_opt(buf, key);
        put_opt(buf, value);
        put_varint(buf, headers.len() as i32);
        for h in headers {
            put_opt(buf, Some(&h.key));
            put_opt(buf, h.value.as_deref());
        }
        self.count += 1;
        self.max_timestamp = self.max_timestamp.max(timestamp);
    }

    /// Bytes so far, uncompressed, including the 61-byte header.
    pub fn estimated_size(&self) -> usize {
        self.buf.len()
    }

    /// Encoded size upper bound of one record (for batch.size decisions): exact
    /// except that the timestamp and offset deltas are counted at their widest.
    pub fn record_size(key: Option<&[u8]>, value: Option<&[u8]>, headers: &[RecordHeader]) -> usize {
        let body = 1 + 10 + 5 + opt_len(key) + opt_len(value) + headers_len(headers);
        varint_len(body as i32) + body
    }

    /// Number of records appended.
    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn compression(&self) -> Compression {
        self.compression
    }

    pub fn base_timestamp(&self) -> i64 {
        self.base_timestamp
    }

    /// Finishes: producer id/epoch/base sequence (-1,-1,-1 when not idempotent), transactional flag.
    ///
    /// The base offset is 0 (the broker assigns it) and the partition leader epoch -1.
    /// An empty builder gives a valid batch with records count 0 and last offset delta -1.
    /// If the codec is unavailable in this build (zstd on wasm32, see
    /// `Compression::is_available`), the batch is written uncompressed rather than lost.
    pub fn finish(self, producer_id: i64, producer_epoch: i16, base_sequence: i32, transactional: bool) -> Bytes {
        self.finish_with_attributes(
            producer_id,
            producer_epoch,
            base_sequence,
            if transactional { ATTR_TRANSACTIONAL } else { 0 },
        )
    }

    pub(crate) fn finish_with_attributes(
        self,
        producer_id: i64,
        producer_epoch: i16,
        base_sequence: i32,
        extra_attributes: i16,
    ) -> Bytes {
        let BatchBuilder { compression, base_timestamp, max_timestamp, count, buf } = self;
        let max_timestamp = if count == 0 { base_timestamp } else { max_timestamp };
        let fill = |batch: &mut [u8], codec: Compression| {
            fill_header(
                batch,
                codec as i16 | extra_attributes,
                count,
                base_timestamp,
                max_timestamp,
                producer_id,
                producer_epoch,
                base_sequence,
            )
        };
        if compression != Compression::None {
            let records = &buf[BATCH_HEADER_LEN..];
            // Typical ratios on record data are 2-5x; start at half and let it grow.
            let mut out = Vec::with_capacity(BATCH_HEADER_LEN + records.len() / 2 + 64);
            out.resize(BATCH_HEADER_LEN, 0);
            if compress_into(compression, records, &mut out).is_ok() {
                fill(&mut out, compression);
                return Bytes::from(out);
            }
        }
        let mut buf = buf;
        fill(&mut buf, Compression::None);
        buf.freeze()
    }
}

/// Writes the header fields and then the CRC into `batch[..61]`.
#[allow(clippy::too_many_arguments)]
fn fill_header(
    batch: &mut [u8],
    attributes: i16,
    count: i32,
    base_timestamp: i64,
    max_timestamp: i64,
    producer_id: i64,
    producer_epoch: i16,
    base_sequence: i32,
) {
    let batch_length = (batch.len() - LOG_OVERHEAD) as i32;
    let h = &mut batch[..BATCH_HEADER_LEN];
    h[BASE_OFFSET_AT..BASE_OFFSET_AT + 8].copy_from_slice(&0i64.to_be_bytes());
    h[LENGTH_AT..LENGTH_AT + 4].copy_from_slice(&batch_length.to_be_bytes());
    h[LEADER_EPOCH_AT..LEADER_EPOCH_AT + 4].copy_from_slice(&NO_PARTITION_LEADER_EPOCH.to_be_bytes());
    h[MAGIC_AT] = MAGIC_V2 as u8;
    h[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    h[LAST_OFFSET_DELTA_AT..LAST_OFFSET_DELTA_AT + 4].copy_from_slice(&(count - 1).to_be_bytes());
    h[BASE_TIMESTAMP_AT..BASE_TIMESTAMP_AT + 8].copy_from_slice(&base_timestamp.to_be_bytes());
    h[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&max_timestamp.to_be_bytes());
    h[PRODUCER_ID_AT..PRODUCER_ID_AT + 8].copy_from_slice(&producer_id.to_be_bytes());
    h[PRODUCER_EPOCH_AT..PRODUCER_EPOCH_AT + 2].copy_from_slice(&producer_epoch.to_be_bytes());
    h[BASE_SEQUENCE_AT..BASE_SEQUENCE_AT + 4].copy_from_slice(&base_sequence.to_be_bytes());
    h[RECORDS_COUNT_AT..RECORDS_COUNT_AT + 4].copy_from_slice(&count.to_be_bytes());
    let crc = compute_crc(batch);
    batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{validate_batch, BatchIter};

    #[test]
    fn encodes_the_documented_layout() {
        let mut b = BatchBuilder::new(Compression::None, 1000);
        b.append(1003, Some(b"k"), Some(b"vv"), &[RecordHeader { key: Bytes::from_static(b"h"), value: None }]);
        assert_eq!(b.len(), 1);
        let bytes = b.finish(7, 1, 5, true);
        let h = validate_batch(&bytes).unwrap();
        assert_eq!(h.producer_id, 7);
        assert_eq!(h.producer_epoch, 1);
        assert_eq!(h.base_sequence, 5);
        assert!(h.is_transactional());
        assert_eq!(h.max_timestamp, 1003);
        assert_eq!(h.partition_leader_epoch, -1);
        // length 12: attrs 0, ts delta 3 (zigzag 6), offset delta 0, key 1 "k", value 2 "vv",
        // 1 header: key 1 "h", value null.
        assert_eq!(&bytes[BATCH_HEADER_LEN..], &[24, 0, 6, 0, 2, b'k', 4, b'v', b'v', 2, 2, b'h', 1]);
    }

    #[test]
    fn sizes() {
        let mut b = BatchBuilder::with_capacity(Compression::None, 0, 0);
        assert!(b.is_empty());
        assert_eq!(b.estimated_size(), BATCH_HEADER_LEN);
        let hs = [RecordHeader { key: Bytes::from_static(b"a"), value: Some(Bytes::from_static(b"b")) }];
        for i in 0..300 {
            let before = b.estimated_size();
            let v = vec![1u8; i];
            b.append(i as i64 * 1000, None, Some(&v), &hs);
            assert!(b.estimated_size() - before <= BatchBuilder::record_size(None, Some(&v), &hs));
        }
        assert_eq!(b.len(), 300);
        let n = b.estimated_size();
        let bytes = b.finish(-1, -1, -1, false);
        assert_eq!(bytes.len(), n);
    }

    #[test]
    fn empty_builder_finishes_to_a_valid_batch() {
        for c in [Compression::None, Compression::Gzip, Compression::Lz4] {
            let bytes = BatchBuilder::new(c, 77).finish(-1, -1, -1, false);
            let h = validate_batch(&bytes).unwrap();
            assert_eq!((h.records_count, h.last_offset_delta, h.max_timestamp), (0, -1, 77));
            let batch = BatchIter::new(bytes).next().unwrap().unwrap();
            assert_eq!(batch.records().unwrap().count(), 0);
        }
    }

    /// Throughput of `append` + `finish` for 100-byte values. Run in release:
    /// `cargo test --release -p kafkette record::builder::tests::append_throughput -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn append_throughput() {
        let value = [b'x'; 100];
        let key = *b"key-0001";
        for codec in [Compression::None, Compression::Lz4, Compression::Snappy, Compression::Zstd] {
            let records = 2_000_000usize;
            let per_batch = 1000; // ~110 KB batches, as with a large batch.size
            let build = || {
                let mut b = BatchBuilder::with_capacity(codec, 1_700_000_000_000, 128 * 1024);
                for i in 0..per_batch {
                    b.append(1_700_000_000_000 + i as i64, Some(&key), Some(&value), &[]);
                }
                b.finish(1, 0, 0, false)
            };
            // Timed as a producer runs: each batch is sent and freed.
            let start = std::time::Instant::now();
            for _ in 0..records / per_batch {
                std::hint::black_box(build());
            }
            let build_secs = start.elapsed().as_secs_f64();
            let batches: Vec<Bytes> = (0..records / per_batch).map(|_| build()).collect();
            let bytes_out: usize = batches.iter().map(|b| b.len()).sum();
            let start = std::time::Instant::now();
            let mut seen = 0usize;
            for bytes in batches {
                crate::record::validate_batch(&bytes).unwrap();
                for batch in crate::record::BatchIter::new(bytes) {
                    for r in batch.unwrap().records().unwrap() {
                        seen += r.unwrap().value.map_or(0, |v| v.len());
                    }
                }
            }
            let read_secs = start.elapsed().as_secs_f64();
            assert_eq!(seen, records * value.len());
            println!(
                "{:>6}: build {:.2} M records/s, validate+iterate {:.2} M records/s ({} bytes out)",
                codec.name(),
                records as f64 / build_secs / 1e6,
                records as f64 / read_secs / 1e6,
                bytes_out
            );
        }
    }
}
