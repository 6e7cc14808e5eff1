//! The 61-byte record batch header (format v2, magic 2): parsing it, validating a
//! whole batch without touching its records (the broker's zero-copy path), and
//! the in-place rewrites the broker makes on stored batches.
//!
//! Layout (all big endian), from Kafka's `DefaultRecordBatch`:
//!
//! ```text
//!  0 base_offset i64        8 batch_length i32      12 partition_leader_epoch i32
//! 16 magic i8              17 crc u32               21 attributes i16
//! 23 last_offset_delta i32 27 base_timestamp i64    35 max_timestamp i64
//! 43 producer_id i64       51 producer_epoch i16    53 base_sequence i32
//! 57 records_count i32     61 records...
//! ```
//!
//! `batch_length` counts the bytes after itself (total = 12 + batch_length); the
//! CRC-32C covers attributes (byte 21) to the end of the batch, so base offset and
//! partition leader epoch can be rewritten without recomputing it.

use super::{Compression, RecordError};

/// Fixed header length: base offset (8) .. records count (4).
pub const BATCH_HEADER_LEN: usize = 61;
/// The only record format we read and write.
pub const MAGIC_V2: i8 = 2;

pub(crate) const BASE_OFFSET_AT: usize = 0;
pub(crate) const LENGTH_AT: usize = 8;
pub(crate) const LEADER_EPOCH_AT: usize = 12;
pub(crate) const MAGIC_AT: usize = 16;
pub(crate) const CRC_AT: usize = 17;
pub(crate) const ATTRIBUTES_AT: usize = 21;
pub(crate) const LAST_OFFSET_DELTA_AT: usize = 23;
pub(crate) const BASE_TIMESTAMP_AT: usize = 27;
pub(crate) const MAX_TIMESTAMP_AT: usize = 35;
pub(crate) const PRODUCER_ID_AT: usize = 43;
pub(crate) const PRODUCER_EPOCH_AT: usize = 51;
pub(crate) const BASE_SEQUENCE_AT: usize = 53;
pub(crate) const RECORDS_COUNT_AT: usize = 57;

/// Bytes of the base offset and length fields, which `batch_length` does not count.
pub const LOG_OVERHEAD: usize = 12;

pub(crate) const ATTR_LOG_APPEND_TIME: i16 = 0x08;
pub(crate) const ATTR_TRANSACTIONAL: i16 = 0x10;
pub(crate) const ATTR_CONTROL: i16 = 0x20;
pub(crate) const ATTR_DELETE_HORIZON: i16 = 0x40;
const ATTR_KNOWN: i16 = 0x7f;

/// Smallest encoded record: length, attributes, timestamp delta, offset delta,
/// key length, value length, header count, one byte each. Lets us refuse counts
/// that claim more records than the bytes could hold before walking them.
pub(crate) const RECORD_BYTES_MIN: usize = 7;

/// Producer id, epoch and sequence of a batch written without idempotence.
pub const NO_PRODUCER_ID: i64 = -1;
pub const NO_PRODUCER_EPOCH: i16 = -1;
pub const NO_SEQUENCE: i32 = -1;
/// Partition leader epoch a producer writes; the broker overwrites it.
pub const NO_PARTITION_LEADER_EPOCH: i32 = -1;

/// How a batch's timestamps were assigned (attribute bit 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampType {
    CreateTime,
    LogAppendTime,
}

/// Parsed copy of the 61-byte header (all big endian). Cheap: just reads fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    pub base_offset: i64,
    pub batch_length: i32,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    pub crc: u32,
    pub attributes: i16,
    pub last_offset_delta: i32,
    pub base_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub records_count: i32,
}

#[inline]
pub(crate) fn be_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}
#[inline]
pub(crate) fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}
#[inline]
pub(crate) fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes(b[at..at + 2].try_into().expect("2 bytes"))
}

impl BatchHeader {
    /// Reads the header fields from the first 61 bytes of `buf`. Checks nothing
    /// but the length; see `validate_batch`.
    pub fn parse(buf: &[u8]) -> Result<BatchHeader, RecordError> {
        if buf.len() < BATCH_HEADER_LEN {
            return Err(RecordError::Truncated { need: BATCH_HEADER_LEN, have: buf.len() });
        }
        Ok(BatchHeader {
            base_offset: be_i64(buf, BASE_OFFSET_AT),
            batch_length: be_i32(buf, LENGTH_AT),
            partition_leader_epoch: be_i32(buf, LEADER_EPOCH_AT),
            magic: buf[MAGIC_AT] as i8,
            crc: be_i32(buf, CRC_AT) as u32,
            attributes: be_i16(buf, ATTRIBUTES_AT),
            last_offset_delta: be_i32(buf, LAST_OFFSET_DELTA_AT),
            base_timestamp: be_i64(buf, BASE_TIMESTAMP_AT),
            max_timestamp: be_i64(buf, MAX_TIMESTAMP_AT),
            producer_id: be_i64(buf, PRODUCER_ID_AT),
            producer_epoch: be_i16(buf, PRODUCER_EPOCH_AT),
            base_sequence: be_i32(buf, BASE_SEQUENCE_AT),
            records_count: be_i32(buf, RECORDS_COUNT_AT),
        })
    }

    /// Whole batch length in bytes: 12 + batch_length (0 for a negative batch_length).
    pub fn total_len(&self) -> usize {
        usize::try_from(self.batch_length).map(|l| l + LOG_OVERHEAD).unwrap_or(0)
    }

    /// Offset of the last record: base_offset + last_offset_delta.
    pub fn last_offset(&self) -> i64 {
        self.base_offset.wrapping_add(self.last_offset_delta as i64)
    }

    /// Offset after this batch (what the log end offset becomes once it is appended).
    pub fn next_offset(&self) -> i64 {
        self.last_offset().wrapping_add(1)
    }

    pub fn compression(&self) -> Result<Compression, RecordError> {
        Compression::from_attributes(self.attributes)
    }

    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes & ATTR_LOG_APPEND_TIME != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }

    pub fn is_transactional(&self) -> bool {
        self.attributes & ATTR_TRANSACTIONAL != 0
    }

    pub fn is_control(&self) -> bool {
        self.attributes & ATTR_CONTROL != 0
    }

    pub fn has_delete_horizon(&self) -> bool {
        self.attributes & ATTR_DELETE_HORIZON != 0
    }

    /// Whether the batch carries a producer id (idempotent or transactional).
    pub fn has_producer_id(&self) -> bool {
        self.producer_id >= 0
    }

    /// Sequence of the last record: base_sequence + last_offset_delta, wrapping
    /// past i32::MAX to 0 as Kafka's `DefaultRecordBatch.incrementSequence` does.
    /// -1 (no sequence) stays -1.
    pub fn last_sequence(&self) -> i32 {
        if self.base_sequence == NO_SEQUENCE {
            return NO_SEQUENCE;
        }
        increment_sequence(self.base_sequence, self.last_offset_delta)
    }
}

/// `seq + increment`, wrapping past i32::MAX to 0 (Kafka's sequence arithmetic).
pub fn increment_sequence(seq: i32, increment: i32) -> i32 {
    if seq > i32::MAX - increment {
        increment - (i32::MAX - seq) - 1
    } else {
        seq + increment
    }
}

/// CRC-32C (Castagnoli) as format v2 stores it: over attributes..end of batch.
#[inline]
pub(crate) fn compute_crc(batch: &[u8]) -> u32 {
    crc32c::crc32c(&batch[ATTRIBUTES_AT..])
}

/// Checks what must hold to even delimit a batch: enough bytes for magic and
/// length, magic 2, a length that covers the header and fits in `buf`.
/// Returns the total batch length.
fn check_frame(buf: &[u8]) -> Result<usize, RecordError> {
    if buf.len() <= MAGIC_AT {
        return Err(RecordError::Truncated { need: BATCH_HEADER_LEN, have: buf.len() });
    }
    // Magic before length: a v0/v1 message set is shorter than our header and
    // should get UNSUPPORTED_FOR_MESSAGE_FORMAT, not CORRUPT_MESSAGE.
    let magic = buf[MAGIC_AT] as i8;
    if magic != MAGIC_V2 {
        return Err(RecordError::BadMagic(magic));
    }
    let batch_length = be_i32(buf, LENGTH_AT);
    if batch_length < (BATCH_HEADER_LEN - LOG_OVERHEAD) as i32 {
        return Err(RecordError::BadLength(batch_length));
    }
    let total = batch_length as usize + LOG_OVERHEAD;
    if total > buf.len() {
        return Err(RecordError::Truncated { need: total, have: buf.len() });
    }
    Ok(total)
}

/// Validate one complete batch at the start of `buf` (broker side, before storing):
/// magic 2, batch_length sane and within buf, CRC-32C over attributes..end matches, attributes known,
/// records_count >= 0 and == last_offset_delta + 1 (for non-empty batches), compression known.
/// Does NOT decompress or walk the records (zero-copy broker). Returns the header.
/// Bytes after the batch are ignored; `header.total_len()` says where it ends.
pub fn validate_batch(buf: &[u8]) -> Result<BatchHeader, RecordError> {
    let total = check_frame(buf)?;
    let batch = &buf[..total];
    let header = BatchHeader::parse(batch)?;
    let actual = compute_crc(batch);
    if actual != header.crc {
        return Err(RecordError::CrcMismatch { expected: header.crc, actual });
    }
    if header.attributes & !ATTR_KNOWN != 0 {
        return Err(RecordError::BadAttributes(header.attributes));
    }
    let compression = header.compression()?;
    let count = header.records_count;
    if count < 0 {
        return Err(RecordError::BadRecord(format!("negative records count {count}")));
    }
    if count > 0 && count as i64 != header.last_offset_delta as i64 + 1 {
        return Err(RecordError::BadRecord(format!(
            "records count {count} does not match last offset delta {}",
            header.last_offset_delta
        )));
    }
    let records_len = total - BATCH_HEADER_LEN;
    if compression == Compression::None && (count as usize).saturating_mul(RECORD_BYTES_MIN) > records_len {
        return Err(RecordError::BadRecord(format!("records count {count} cannot fit in {records_len} bytes")));
    }
    Ok(header)
}

/// Validate every batch in a buffer that must contain whole batches only (a produce payload).
/// An empty buffer gives an empty list.
pub fn validate_batches(buf: &[u8]) -> Result<Vec<BatchHeader>, RecordError> {
    let mut headers = Vec::new();
    let mut rest = buf;
    while !rest.is_empty() {
        let h = validate_batch(rest)?;
        rest = &rest[h.total_len()..];
        headers.push(h);
    }
    Ok(headers)
}

/// Rewrites the base offset (outside the CRC range). Does nothing to a buffer
/// shorter than a header: callers pass validated batches.
pub fn set_base_offset(batch: &mut [u8], base_offset: i64) {
    if let Some(b) = batch.get_mut(BASE_OFFSET_AT..BASE_OFFSET_AT + 8) {
        b.copy_from_slice(&base_offset.to_be_bytes());
    }
}

/// Rewrites the partition leader epoch (outside the CRC range).
pub fn set_partition_leader_epoch(batch: &mut [u8], epoch: i32) {
    if let Some(b) = batch.get_mut(LEADER_EPOCH_AT..LEADER_EPOCH_AT + 4) {
        b.copy_from_slice(&epoch.to_be_bytes());
    }
}

/// Marks the batch LogAppendTime with `timestamp` as its max timestamp and
/// recomputes the CRC, as Kafka's `DefaultRecordBatch.setMaxTimestamp` does when
/// a topic has `message.timestamp.type=LogAppendTime`. Readers then report
/// `timestamp` for every record. The base timestamp is left alone, as Kafka
/// leaves it: it anchors the records' deltas (and is the delete horizon when
/// that bit is set). Does nothing to a buffer shorter than a header.
pub fn set_log_append_time(batch: &mut [u8], timestamp: i64) {
    if batch.len() < BATCH_HEADER_LEN {
        return;
    }
    let attributes = be_i16(batch, ATTRIBUTES_AT) | ATTR_LOG_APPEND_TIME;
    batch[ATTRIBUTES_AT..ATTRIBUTES_AT + 2].copy_from_slice(&attributes.to_be_bytes());
    batch[MAX_TIMESTAMP_AT..MAX_TIMESTAMP_AT + 8].copy_from_slice(&timestamp.to_be_bytes());
    let crc = compute_crc(batch);
    batch[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Length of the first batch in `buf` if `buf` holds at least that whole batch;
/// `Ok(None)` when it is cut short (a fetch response may end mid-batch).
/// Checks magic and length only.
pub(crate) fn frame_len(buf: &[u8]) -> Result<Option<usize>, RecordError> {
    match check_frame(buf) {
        Ok(total) => Ok(Some(total)),
        Err(RecordError::Truncated { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal valid batch: one record (key null, value "v"), no compression.
    fn one_record_batch() -> Vec<u8> {
        // record: len=8? body = attrs 0, ts delta 0, offset delta 0, key -1, value len 1, 'v', headers 0
        let body = [0x00, 0x00, 0x00, 0x01, 0x02, b'v', 0x00];
        let mut b = Vec::new();
        b.extend_from_slice(&0i64.to_be_bytes());
        b.extend_from_slice(&0i32.to_be_bytes()); // length, patched below
        b.extend_from_slice(&(-1i32).to_be_bytes());
        b.push(2);
        b.extend_from_slice(&0u32.to_be_bytes()); // crc, patched below
        b.extend_from_slice(&0i16.to_be_bytes());
        b.extend_from_slice(&0i32.to_be_bytes());
        b.extend_from_slice(&1000i64.to_be_bytes());
        b.extend_from_slice(&1000i64.to_be_bytes());
        b.extend_from_slice(&(-1i64).to_be_bytes());
        b.extend_from_slice(&(-1i16).to_be_bytes());
        b.extend_from_slice(&(-1i32).to_be_bytes());
        b.extend_from_slice(&1i32.to_be_bytes());
        assert_eq!(b.len(), BATCH_HEADER_LEN);
        b.push(14); // zigzag(7)
        b.extend_from_slice(&body);
        let len = (b.len() - LOG_OVERHEAD) as i32;
        b[LENGTH_AT..LENGTH_AT + 4].copy_from_slice(&len.to_be_bytes());
        let crc = compute_crc(&b);
        b[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
        b
    }

    #[test]
    fn parse_and_validate() {
        let b = one_record_batch();
        let h = validate_batch(&b).unwrap();
        assert_eq!(h.total_len(), b.len());
        assert_eq!(h.records_count, 1);
        assert_eq!(h.last_offset(), 0);
        assert_eq!(h.base_timestamp, 1000);
        assert_eq!(h.compression(), Ok(Compression::None));
        assert_eq!(h.timestamp_type(), TimestampType::CreateTime);
        assert!(!h.is_transactional() && !h.is_control() && !h.has_delete_horizon());
        assert_eq!(h.last_sequence(), -1);
        let two = [b.clone(), b.clone()].concat();
        assert_eq!(validate_batches(&two).unwrap().len(), 2);
        assert_eq!(validate_batches(&[]).unwrap().len(), 0);
        assert!(validate_batches(&two[..two.len() - 1]).is_err());
    }

    #[test]
    fn rejections() {
        let good = one_record_batch();
        let mut b = good.clone();
        b[MAGIC_AT] = 1;
        assert_eq!(validate_batch(&b), Err(RecordError::BadMagic(1)));
        assert_eq!(RecordError::BadMagic(1).error_code(), crate::error::ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT);

        let mut b = good.clone();
        b[LENGTH_AT..LENGTH_AT + 4].copy_from_slice(&(-5i32).to_be_bytes());
        assert_eq!(validate_batch(&b), Err(RecordError::BadLength(-5)));

        let mut b = good.clone();
        b[ATTRIBUTES_AT + 1] ^= 0x02; // gzip bit: CRC catches it first
        assert!(matches!(validate_batch(&b), Err(RecordError::CrcMismatch { .. })));

        let patch = |f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = good.clone();
            f(&mut b);
            let crc = compute_crc(&b);
            b[CRC_AT..CRC_AT + 4].copy_from_slice(&crc.to_be_bytes());
            validate_batch(&b)
        };
        assert_eq!(patch(&|b| b[ATTRIBUTES_AT] = 0x01), Err(RecordError::BadAttributes(0x0100)));
        assert_eq!(patch(&|b| b[ATTRIBUTES_AT + 1] = 0x05), Err(RecordError::BadCompression(5)));
        assert!(matches!(
            patch(&|b| b[RECORDS_COUNT_AT..RECORDS_COUNT_AT + 4].copy_from_slice(&(-2i32).to_be_bytes())),
            Err(RecordError::BadRecord(_))
        ));
        assert!(matches!(
            patch(&|b| b[RECORDS_COUNT_AT..RECORDS_COUNT_AT + 4].copy_from_slice(&2i32.to_be_bytes())),
            Err(RecordError::BadRecord(_))
        ));
        // Count consistent with the offset delta but more records than bytes.
        assert!(matches!(
            patch(&|b| {
                b[RECORDS_COUNT_AT..RECORDS_COUNT_AT + 4].copy_from_slice(&1000i32.to_be_bytes());
                b[LAST_OFFSET_DELTA_AT..LAST_OFFSET_DELTA_AT + 4].copy_from_slice(&999i32.to_be_bytes());
            }),
            Err(RecordError::BadRecord(_))
        ));
        for cut in 0..good.len() {
            assert!(matches!(validate_batch(&good[..cut]), Err(RecordError::Truncated { .. })));
        }
    }

    #[test]
    fn rewrites_keep_crc_valid() {
        let mut b = one_record_batch();
        set_base_offset(&mut b, 42);
        set_partition_leader_epoch(&mut b, 7);
        let h = validate_batch(&b).unwrap();
        assert_eq!((h.base_offset, h.partition_leader_epoch), (42, 7));
        set_log_append_time(&mut b, 5555);
        let h = validate_batch(&b).unwrap();
        assert_eq!(h.timestamp_type(), TimestampType::LogAppendTime);
        assert_eq!((h.base_timestamp, h.max_timestamp), (1000, 5555));
        // Short buffers are left alone rather than panicking.
        let mut short = [0u8; 5];
        set_base_offset(&mut short, 1);
        set_partition_leader_epoch(&mut short, 1);
        set_log_append_time(&mut short, 1);
        assert_eq!(short, [0u8; 5]);
    }

    #[test]
    fn sequences_wrap_like_kafka() {
        assert_eq!(increment_sequence(5, 3), 8);
        assert_eq!(increment_sequence(i32::MAX, 1), 0);
        assert_eq!(increment_sequence(i32::MAX - 1, 3), 1);
        let h = BatchHeader {
            base_sequence: i32::MAX - 1,
            last_offset_delta: 4,
            ..BatchHeader::parse(&one_record_batch()).unwrap()
        };
        assert_eq!(h.last_sequence(), 2);
    }
}
