//! TEMPORARY: the subset of `crate::record` (specs/record-api.md) the broker uses,
//! until branch `record` is merged. Same names and signatures; deleted on merge.
#![allow(dead_code)]

use bytes::{BufMut, Bytes, BytesMut};

use crate::error::ErrorCode;

pub const BATCH_HEADER_LEN: usize = 61;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimestampType {
    CreateTime,
    LogAppendTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordError {
    Truncated { need: usize, have: usize },
    BadLength(i32),
    BadMagic(i8),
    CrcMismatch { expected: u32, actual: u32 },
    BadAttributes(i16),
    BadCompression(i16),
    BadRecord(String),
    Decompress(String),
}

impl RecordError {
    pub fn error_code(&self) -> ErrorCode {
        match self {
            RecordError::BadMagic(_) => ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT,
            RecordError::BadCompression(_) => ErrorCode::UNSUPPORTED_COMPRESSION_TYPE,
            RecordError::BadAttributes(_) | RecordError::BadRecord(_) => ErrorCode::INVALID_RECORD,
            _ => ErrorCode::CORRUPT_MESSAGE,
        }
    }
}

impl std::fmt::Display for RecordError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

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

fn be_i64(b: &[u8], at: usize) -> i64 {
    i64::from_be_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}
fn be_i32(b: &[u8], at: usize) -> i32 {
    i32::from_be_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}
fn be_i16(b: &[u8], at: usize) -> i16 {
    i16::from_be_bytes(b[at..at + 2].try_into().unwrap_or([0; 2]))
}

impl BatchHeader {
    pub fn parse(buf: &[u8]) -> Result<BatchHeader, RecordError> {
        if buf.len() < BATCH_HEADER_LEN {
            return Err(RecordError::Truncated { need: BATCH_HEADER_LEN, have: buf.len() });
        }
        Ok(BatchHeader {
            base_offset: be_i64(buf, 0),
            batch_length: be_i32(buf, 8),
            partition_leader_epoch: be_i32(buf, 12),
            magic: buf[16] as i8,
            crc: be_i32(buf, 17) as u32,
            attributes: be_i16(buf, 21),
            last_offset_delta: be_i32(buf, 23),
            base_timestamp: be_i64(buf, 27),
            max_timestamp: be_i64(buf, 35),
            producer_id: be_i64(buf, 43),
            producer_epoch: be_i16(buf, 51),
            base_sequence: be_i32(buf, 53),
            records_count: be_i32(buf, 57),
        })
    }
    pub fn total_len(&self) -> usize {
        12 + self.batch_length.max(0) as usize
    }
    pub fn last_offset(&self) -> i64 {
        self.base_offset + self.last_offset_delta as i64
    }
    pub fn compression(&self) -> Result<Compression, RecordError> {
        Ok(match self.attributes & 7 {
            0 => Compression::None,
            1 => Compression::Gzip,
            2 => Compression::Snappy,
            3 => Compression::Lz4,
            4 => Compression::Zstd,
            _ => return Err(RecordError::BadCompression(self.attributes)),
        })
    }
    pub fn timestamp_type(&self) -> TimestampType {
        if self.attributes & 8 != 0 {
            TimestampType::LogAppendTime
        } else {
            TimestampType::CreateTime
        }
    }
    pub fn is_transactional(&self) -> bool {
        self.attributes & 16 != 0
    }
    pub fn is_control(&self) -> bool {
        self.attributes & 32 != 0
    }
}

pub fn validate_batch(buf: &[u8]) -> Result<BatchHeader, RecordError> {
    let h = BatchHeader::parse(buf)?;
    if h.magic != 2 {
        return Err(RecordError::BadMagic(h.magic));
    }
    if h.batch_length < (BATCH_HEADER_LEN - 12) as i32 {
        return Err(RecordError::BadLength(h.batch_length));
    }
    if buf.len() < h.total_len() {
        return Err(RecordError::Truncated { need: h.total_len(), have: buf.len() });
    }
    let actual = crc32c::crc32c(&buf[21..h.total_len()]);
    if actual != h.crc {
        return Err(RecordError::CrcMismatch { expected: h.crc, actual });
    }
    h.compression()?;
    if h.records_count < 0 || (h.records_count > 0 && h.records_count != h.last_offset_delta + 1) {
        return Err(RecordError::BadRecord("records count".into()));
    }
    Ok(h)
}

pub fn set_base_offset(batch: &mut [u8], base_offset: i64) {
    batch[0..8].copy_from_slice(&base_offset.to_be_bytes());
}
pub fn set_partition_leader_epoch(batch: &mut [u8], epoch: i32) {
    batch[12..16].copy_from_slice(&epoch.to_be_bytes());
}
pub fn set_log_append_time(batch: &mut [u8], timestamp: i64) {
    let attr = be_i16(batch, 21) | 8;
    batch[21..23].copy_from_slice(&attr.to_be_bytes());
    batch[35..43].copy_from_slice(&timestamp.to_be_bytes());
    let len = 12 + be_i32(batch, 8) as usize;
    let crc = crc32c::crc32c(&batch[21..len]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordHeader {
    pub key: Bytes,
    pub value: Option<Bytes>,
}

fn varint(out: &mut BytesMut, v: i64) {
    let mut z = ((v << 1) ^ (v >> 63)) as u64;
    loop {
        if z < 0x80 {
            out.put_u8(z as u8);
            return;
        }
        out.put_u8((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
}

/// Uncompressed only; enough for broker tests.
pub struct BatchBuilder {
    base_timestamp: i64,
    max_timestamp: i64,
    count: i32,
    records: BytesMut,
}

impl BatchBuilder {
    pub fn new(_compression: Compression, base_timestamp: i64) -> Self {
        BatchBuilder { base_timestamp, max_timestamp: base_timestamp, count: 0, records: BytesMut::new() }
    }
    pub fn append(&mut self, timestamp: i64, key: Option<&[u8]>, value: Option<&[u8]>, headers: &[RecordHeader]) {
        let mut body = BytesMut::new();
        body.put_i8(0);
        varint(&mut body, timestamp - self.base_timestamp);
        varint(&mut body, self.count as i64);
        for field in [key, value] {
            match field {
                Some(b) => {
                    varint(&mut body, b.len() as i64);
                    body.put_slice(b);
                }
                None => varint(&mut body, -1),
            }
        }
        varint(&mut body, headers.len() as i64);
        for h in headers {
            varint(&mut body, h.key.len() as i64);
            body.put_slice(&h.key);
            match &h.value {
                Some(v) => {
                    varint(&mut body, v.len() as i64);
                    body.put_slice(v);
                }
                None => varint(&mut body, -1),
            }
        }
        varint(&mut self.records, body.len() as i64);
        self.records.put_slice(&body);
        self.count += 1;
        self.max_timestamp = self.max_timestamp.max(timestamp);
    }
    pub fn len(&self) -> usize {
        self.count as usize
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
    pub fn finish(self, producer_id: i64, producer_epoch: i16, base_sequence: i32, transactional: bool) -> Bytes {
        let mut b = BytesMut::new();
        b.put_i64(0);
        b.put_i32((BATCH_HEADER_LEN - 12 + self.records.len()) as i32);
        b.put_i32(-1);
        b.put_i8(2);
        b.put_u32(0);
        b.put_i16(if transactional { 16 } else { 0 });
        b.put_i32(self.count - 1);
        b.put_i64(self.base_timestamp);
        b.put_i64(self.max_timestamp);
        b.put_i64(producer_id);
        b.put_i16(producer_epoch);
        b.put_i32(base_sequence);
        b.put_i32(self.count);
        b.put_slice(&self.records);
        let crc = crc32c::crc32c(&b[21..]);
        b[17..21].copy_from_slice(&crc.to_be_bytes());
        b.freeze()
    }
}
