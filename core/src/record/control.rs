//! Control records: the COMMIT and ABORT markers a transaction coordinator writes
//! to end a transaction on each partition (Kafka's `ControlRecordType` and
//! `EndTransactionMarker`).
//!
//! A control batch has the control and transactional attribute bits, the
//! transaction's producer id and epoch, no sequence, and one record whose
//! key is `version: i16 = 0, type: i16` (0 abort, 1 commit) and whose value is
//! `version: i16 = 0, coordinator_epoch: i32`, all big endian.

use bytes::Bytes;

use super::header::{ATTR_CONTROL, ATTR_TRANSACTIONAL, NO_SEQUENCE};
use super::{BatchBuilder, Compression};

/// The marker a control record carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ControlType {
    Abort = 0,
    Commit = 1,
}

/// Control record key and value versions we write (Kafka's current ones).
const CONTROL_KEY_VERSION: i16 = 0;
const END_TXN_MARKER_VERSION: i16 = 0;

impl ControlType {
    /// The control record key: version 0, then the type.
    pub fn key_bytes(self) -> [u8; 4] {
        let mut k = [0u8; 4];
        k[..2].copy_from_slice(&CONTROL_KEY_VERSION.to_be_bytes());
        k[2..].copy_from_slice(&(self as i16).to_be_bytes());
        k
    }

    /// Parses a control record key. Like Kafka, a newer key version is read for
    /// its type field; a negative version, a short key or an unknown type
    /// (other control records, such as KRaft's) gives `None`.
    pub fn from_key(key: &[u8]) -> Option<ControlType> {
        if key.len() < 4 {
            return None;
        }
        let version = i16::from_be_bytes([key[0], key[1]]);
        if version < 0 {
            return None;
        }
        match i16::from_be_bytes([key[2], key[3]]) {
            0 => Some(ControlType::Abort),
            1 => Some(ControlType::Commit),
            _ => None,
        }
    }
}

/// The end-transaction marker value: version 0, coordinator epoch.
pub fn end_txn_marker_value(coordinator_epoch: i32) -> [u8; 6] {
    let mut v = [0u8; 6];
    v[..2].copy_from_slice(&END_TXN_MARKER_VERSION.to_be_bytes());
    v[2..].copy_from_slice(&coordinator_epoch.to_be_bytes());
    v
}

/// The coordinator epoch of an end-transaction marker value, if well formed.
pub fn coordinator_epoch_from_value(value: &[u8]) -> Option<i32> {
    if value.len() < 6 || i16::from_be_bytes([value[0], value[1]]) < 0 {
        return None;
    }
    Some(i32::from_be_bytes([value[2], value[3], value[4], value[5]]))
}

/// Control batch (COMMIT/ABORT marker) as the transaction coordinator writes it.
pub fn build_control_batch(
    kind: ControlType,
    producer_id: i64,
    producer_epoch: i16,
    coordinator_epoch: i32,
    timestamp: i64,
) -> Bytes {
    let mut b = BatchBuilder::with_capacity(Compression::None, timestamp, 96);
    b.append(timestamp, Some(&kind.key_bytes()), Some(&end_txn_marker_value(coordinator_epoch)), &[]);
    b.finish_with_attributes(producer_id, producer_epoch, NO_SEQUENCE, ATTR_CONTROL | ATTR_TRANSACTIONAL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{validate_batch, BatchIter};

    #[test]
    fn control_batch_round_trip() {
        for kind in [ControlType::Abort, ControlType::Commit] {
            let bytes = build_control_batch(kind, 1234, 5, 9, 1_700_000_000_000);
            let h = validate_batch(&bytes).unwrap();
            assert!(h.is_control() && h.is_transactional());
            assert_eq!((h.producer_id, h.producer_epoch, h.base_sequence), (1234, 5, -1));
            assert_eq!((h.records_count, h.last_offset_delta), (1, 0));
            let batch = BatchIter::new(bytes).next().unwrap().unwrap();
            assert_eq!(batch.control_type(), Some(kind));
            let rec = batch.records().unwrap().next().unwrap().unwrap();
            assert_eq!(rec.key.as_deref(), Some(&[0, 0, 0, kind as u8][..]));
            assert_eq!(rec.value.as_deref(), Some(&[0, 0, 0, 0, 0, 9][..]));
            assert_eq!(coordinator_epoch_from_value(&rec.value.unwrap()), Some(9));
            assert_eq!(rec.timestamp, 1_700_000_000_000);
        }
    }

    #[test]
    fn key_parsing() {
        assert_eq!(ControlType::from_key(&[0, 0, 0, 1]), Some(ControlType::Commit));
        assert_eq!(ControlType::from_key(&[0, 1, 0, 0]), Some(ControlType::Abort));
        assert_eq!(ControlType::from_key(&[0, 0, 0, 2]), None);
        assert_eq!(ControlType::from_key(&[0xff, 0xff, 0, 1]), None);
        assert_eq!(ControlType::from_key(&[0, 0, 0]), None);
        assert_eq!(coordinator_epoch_from_value(&[0, 0, 0]), None);
    }
}
