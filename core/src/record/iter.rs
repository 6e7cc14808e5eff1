//! Consumer side: `BatchIter` splits a fetch response's records bytes into
//! batches and `RecordIter` decodes the records of one batch.
//!
//! Nothing is copied per record: keys, values and header values are `Bytes`
//! slices of the fetched buffer, or of the one buffer a compressed batch is
//! decompressed into. The only per-record allocation is the headers `Vec`, and
//! only when a record has headers.
//!
//! Every length and varint is bounds-checked against the record it belongs to,
//! so hostile input yields `Err`, never a panic or an outsized allocation.

use bytes::Bytes;

use super::compression::decompress;
use super::control::ControlType;
use super::header::{
    be_i32, compute_crc, frame_len, BatchHeader, TimestampType, BATCH_HEADER_LEN, CRC_AT, RECORD_BYTES_MIN,
};
use super::varint::{read_varint, read_varlong};
use super::{Compression, RecordError, RecordHeader};

/// Consumer side: iterate batches in a fetch response's records bytes. A partial batch at the end
/// (Kafka allows it when max bytes cut it) ends the iteration without error.
/// A malformed batch (bad magic, bad length) yields one `Err` and ends the iteration.
#[derive(Debug, Clone)]
pub struct BatchIter {
    buf: Bytes,
    pos: usize,
    done: bool,
}

impl BatchIter {
    pub fn new(buf: bytes::Bytes) -> Self {
        BatchIter { buf, pos: 0, done: false }
    }

    /// Bytes consumed by the batches returned so far. After the iteration ends
    /// without error, anything past this is a partial batch.
    pub fn position(&self) -> usize {
        self.pos
    }
}

impl Iterator for BatchIter {
    type Item = Result<Batch, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.pos >= self.buf.len() {
            return None;
        }
        match frame_len(&self.buf[self.pos..]) {
            Ok(Some(total)) => {
                let bytes = self.buf.slice(self.pos..self.pos + total);
                self.pos += total;
                match BatchHeader::parse(&bytes) {
                    Ok(header) => Some(Ok(Batch { header, bytes })),
                    Err(e) => {
                        self.done = true;
                        Some(Err(e))
                    }
                }
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// One batch: its parsed header and the whole batch as a zero-copy slice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub header: BatchHeader,
    /// The whole batch, zero-copy slice.
    pub bytes: Bytes,
}

impl Batch {
    /// Checks the stored CRC-32C against the batch bytes (consumers with `check.crcs`).
    pub fn verify_crc(&self) -> Result<(), RecordError> {
        if self.bytes.len() < BATCH_HEADER_LEN {
            return Err(RecordError::Truncated { need: BATCH_HEADER_LEN, have: self.bytes.len() });
        }
        let expected = be_i32(&self.bytes, CRC_AT) as u32;
        let actual = compute_crc(&self.bytes);
        if expected != actual {
            return Err(RecordError::CrcMismatch { expected, actual });
        }
        Ok(())
    }

    /// Records, decompressing if needed (one allocation for the decompressed block); key/value/header values
    /// are Bytes slices of the batch (or of the decompressed block): no per-record copy.
    pub fn records(&self) -> Result<RecordIter, RecordError> {
        if self.bytes.len() < BATCH_HEADER_LEN {
            return Err(RecordError::Truncated { need: BATCH_HEADER_LEN, have: self.bytes.len() });
        }
        let h = &self.header;
        let compression = h.compression()?;
        if h.records_count < 0 {
            return Err(RecordError::BadRecord(format!("negative records count {}", h.records_count)));
        }
        let section = self.bytes.slice(BATCH_HEADER_LEN..);
        let data = match compression {
            Compression::None => section,
            // An empty batch (compaction can leave one) may carry a codec but no
            // compressed stream at all.
            _ if section.is_empty() => section,
            codec => Bytes::from(decompress(codec, &section)?),
        };
        if (h.records_count as usize).saturating_mul(RECORD_BYTES_MIN) > data.len() {
            return Err(RecordError::BadRecord(format!(
                "records count {} cannot fit in {} bytes",
                h.records_count,
                data.len()
            )));
        }
        Ok(RecordIter {
            data,
            pos: 0,
            remaining: h.records_count,
            base_offset: h.base_offset,
            base_timestamp: h.base_timestamp,
            log_append_time: match h.timestamp_type() {
                TimestampType::LogAppendTime => Some(h.max_timestamp),
                TimestampType::CreateTime => None,
            },
            done: false,
        })
    }

    /// For control batches: parsed from the single control record's key. `None`
    /// for data batches and for control records that are not transaction markers.
    pub fn control_type(&self) -> Option<ControlType> {
        if !self.header.is_control() {
            return None;
        }
        let rec = self.records().ok()?.next()?.ok()?;
        ControlType::from_key(rec.key.as_deref()?)
    }
}

/// One decoded record. `offset` and `timestamp` are absolute; with LogAppendTime
/// every record of a batch carries the batch's max timestamp, as in Kafka.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub offset: i64,
    pub timestamp: i64,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<RecordHeader>,
}

/// The records of one batch, in order. Yields an `Err` and stops at the first
/// malformed record; after the last record, trailing bytes are an error too
/// (Kafka's "more bytes in record batch than expected").
#[derive(Debug, Clone)]
pub struct RecordIter {
    data: Bytes,
    pos: usize,
    remaining: i32,
    base_offset: i64,
    base_timestamp: i64,
    log_append_time: Option<i64>,
    done: bool,
}

impl RecordIter {
    fn read_record(&mut self) -> Result<Record, RecordError> {
        let data = &self.data[..];
        let mut pos = self.pos;
        let len = read_varint(data, &mut pos)?;
        if len < 0 {
            return Err(RecordError::BadLength(len));
        }
        // Checked: on wasm32 a hostile length could overflow a 32-bit usize.
        let end = match pos.checked_add(len as usize) {
            Some(end) if end <= data.len() => end,
            _ => return Err(RecordError::Truncated { need: pos.saturating_add(len as usize), have: data.len() }),
        };
        // Fields are read from the record's own bytes so that no length can
        // reach into the next record.
        let rec = &data[..end];
        if pos >= end {
            return Err(RecordError::Truncated { need: pos + 1, have: end });
        }
        pos += 1; // attributes: unused in v2
        let ts_delta = read_varlong(rec, &mut pos)?;
        let offset_delta = read_varint(rec, &mut pos)?;
        let key = self.read_bytes(rec, &mut pos, true)?;
        let value = self.read_bytes(rec, &mut pos, true)?;
        let header_count = read_varint(rec, &mut pos)?;
        if header_count < 0 {
            return Err(RecordError::BadLength(header_count));
        }
        // Each header takes at least two bytes (two lengths).
        if header_count as usize > (end - pos) / 2 {
            return Err(RecordError::BadRecord(format!("{header_count} headers cannot fit in {} bytes", end - pos)));
        }
        let mut headers = Vec::with_capacity(header_count as usize);
        for _ in 0..header_count {
            // Header keys are strings in Kafka and may not be null.
            let key = self.read_bytes(rec, &mut pos, false)?.ok_or(RecordError::BadLength(-1))?;
            let value = self.read_bytes(rec, &mut pos, true)?;
            headers.push(RecordHeader { key, value });
        }
        if pos != end {
            return Err(RecordError::BadRecord(format!(
                "record length {len} but its fields take {} bytes",
                len as usize - (end - pos)
            )));
        }
        self.pos = end;
        Ok(Record {
            offset: self.base_offset.wrapping_add(offset_delta as i64),
            timestamp: self.log_append_time.unwrap_or_else(|| self.base_timestamp.wrapping_add(ts_delta)),
            key,
            value,
            headers,
        })
    }

    /// A length-prefixed field as a slice of `self.data`; -1 is null where `nullable`.
    #[inline]
    fn read_bytes(&self, rec: &[u8], pos: &mut usize, nullable: bool) -> Result<Option<Bytes>, RecordError> {
        let len = read_varint(rec, pos)?;
        if len < 0 {
            if len == -1 && nullable {
                return Ok(None);
            }
            return Err(RecordError::BadLength(len));
        }
        let start = *pos;
        let end = match start.checked_add(len as usize) {
            Some(end) if end <= rec.len() => end,
            _ => return Err(RecordError::Truncated { need: start.saturating_add(len as usize), have: rec.len() }),
        };
        *pos = end;
        Ok(Some(self.data.slice(start..end)))
    }
}

impl Iterator for RecordIter {
    type Item = Result<Record, RecordError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if self.remaining == 0 {
            self.done = true;
            if self.pos != self.data.len() {
                return Some(Err(RecordError::BadRecord(format!(
                    "{} bytes after the last record",
                    self.data.len() - self.pos
                ))));
            }
            return None;
        }
        match self.read_record() {
            Ok(r) => {
                self.remaining -= 1;
                Some(Ok(r))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        if self.done {
            (0, Some(0))
        } else {
            // The trailing-bytes check may add one `Err` after the records.
            (0, Some(self.remaining as usize + 1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{set_base_offset, set_log_append_time, BatchBuilder};

    fn hdr(k: &'static str, v: Option<&'static str>) -> RecordHeader {
        RecordHeader { key: Bytes::from_static(k.as_bytes()), value: v.map(|v| Bytes::from_static(v.as_bytes())) }
    }

    fn sample_batch() -> Bytes {
        let mut b = BatchBuilder::new(Compression::None, 1000);
        b.append(1000, Some(b"k0"), Some(b"v0"), &[]);
        b.append(999, None, Some(b""), &[hdr("a", Some("1")), hdr("a", None), hdr("b", Some(""))]);
        b.append(1005, Some(b""), None, &[]);
        b.finish(-1, -1, -1, false)
    }

    #[test]
    fn iterates_records_zero_copy() {
        let bytes = sample_batch();
        let batch = BatchIter::new(bytes.clone()).next().unwrap().unwrap();
        batch.verify_crc().unwrap();
        assert_eq!(batch.header.max_timestamp, 1005);
        let recs: Vec<Record> = batch.records().unwrap().map(Result::unwrap).collect();
        assert_eq!(recs.len(), 3);
        assert_eq!((recs[0].offset, recs[0].timestamp, recs[0].key.as_deref()), (0, 1000, Some(&b"k0"[..])));
        assert_eq!((recs[1].offset, recs[1].timestamp, recs[1].key.clone()), (1, 999, None));
        assert_eq!(recs[1].value.as_deref(), Some(&b""[..]));
        assert_eq!(recs[1].headers, vec![hdr("a", Some("1")), hdr("a", None), hdr("b", Some(""))]);
        assert_eq!((recs[2].key.as_deref(), recs[2].value.clone()), (Some(&b""[..]), None));
        // The value points into the fetched buffer.
        let v = recs[0].value.as_ref().unwrap();
        let within = bytes.as_ptr_range();
        assert!(within.contains(&v.as_ptr()));
    }

    #[test]
    fn offsets_follow_base_offset_and_log_append_time() {
        let mut bytes = sample_batch().to_vec();
        set_base_offset(&mut bytes, 100);
        set_log_append_time(&mut bytes, 77_777);
        let batch = BatchIter::new(Bytes::from(bytes)).next().unwrap().unwrap();
        batch.verify_crc().unwrap();
        let recs: Vec<Record> = batch.records().unwrap().map(Result::unwrap).collect();
        assert_eq!(recs.iter().map(|r| r.offset).collect::<Vec<_>>(), [100, 101, 102]);
        assert!(recs.iter().all(|r| r.timestamp == 77_777));
    }

    #[test]
    fn partial_trailing_batch_ends_quietly() {
        let one = sample_batch();
        let two = [one.clone(), one.clone()].concat();
        for cut in one.len()..two.len() {
            let mut it = BatchIter::new(Bytes::copy_from_slice(&two[..cut]));
            assert!(it.next().unwrap().is_ok());
            assert!(it.next().is_none(), "cut {cut}");
            assert_eq!(it.position(), one.len());
        }
        let mut bad = two.clone();
        bad[one.len() + 16] = 1; // magic of the second batch
        let mut it = BatchIter::new(Bytes::from(bad));
        assert!(it.next().unwrap().is_ok());
        assert_eq!(it.next(), Some(Err(RecordError::BadMagic(1))));
        assert!(it.next().is_none());
    }

    #[test]
    fn malformed_records_are_errors() {
        let good = sample_batch();
        // Flip each byte of the records section: never a panic, and the
        // iteration either errors or ends (CRC is not checked by records()).
        for i in BATCH_HEADER_LEN..good.len() {
            for x in [0x01u8, 0x80, 0xff] {
                let mut b = good.to_vec();
                b[i] ^= x;
                let batch = Batch { header: BatchHeader::parse(&b).unwrap(), bytes: Bytes::from(b) };
                assert!(batch.verify_crc().is_err());
                if let Ok(it) = batch.records() {
                    for r in it {
                        let _ = r;
                    }
                }
            }
        }
        // A count bigger than the bytes can hold is refused up front.
        let mut b = good.to_vec();
        b[57..61].copy_from_slice(&1_000_000i32.to_be_bytes());
        let batch = Batch { header: BatchHeader::parse(&b).unwrap(), bytes: Bytes::from(b) };
        assert!(matches!(batch.records(), Err(RecordError::BadRecord(_))));
    }

    #[test]
    fn trailing_bytes_and_short_counts() {
        let good = sample_batch();
        let mut b = good.to_vec();
        b[57..61].copy_from_slice(&2i32.to_be_bytes());
        let batch = Batch { header: BatchHeader::parse(&b).unwrap(), bytes: Bytes::from(b) };
        let out: Vec<_> = batch.records().unwrap().collect();
        assert_eq!(out.len(), 3);
        assert!(out[2].is_err());
        let mut b = good.to_vec();
        b.truncate(good.len() - 1);
        let batch = Batch { header: BatchHeader::parse(&b).unwrap(), bytes: Bytes::from(b) };
        let out: Vec<_> = batch.records().unwrap().collect();
        assert!(out.last().unwrap().is_err());
    }
}
