//! Zigzag varints as record format v2 uses them (protobuf style, little-endian
//! base-128 groups): `varint` for 32-bit values (at most 5 bytes) and `varlong`
//! for 64-bit values (at most 10 bytes).
//!
//! Readers take a slice and a cursor and never read past the slice: input comes
//! from the network. Like Kafka's `ByteUtils.readVarint`, a value whose last
//! allowed byte still has the continuation bit is an error; surplus high bits
//! in that last byte are dropped, as Kafka drops them.

use bytes::BufMut;

use super::RecordError;

const VARINT_BYTES_MAX: usize = 5;
const VARLONG_BYTES_MAX: usize = 10;

#[inline]
fn zigzag32(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

#[inline]
fn zigzag64(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

/// Encoded length of `v` as a zigzag varint (1..=5).
#[inline]
pub fn varint_len(v: i32) -> usize {
    uvarint_len(zigzag32(v) as u64)
}

/// Encoded length of `v` as a zigzag varlong (1..=10).
#[inline]
pub fn varlong_len(v: i64) -> usize {
    uvarint_len(zigzag64(v))
}

#[inline]
fn uvarint_len(u: u64) -> usize {
    // Each byte carries 7 bits; 0 still takes one byte.
    let bits = 64 - (u | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Appends `v` as a zigzag varint.
#[inline]
pub fn put_varint<B: BufMut>(buf: &mut B, v: i32) {
    put_uvarint(buf, zigzag32(v) as u64)
}

/// Appends `v` as a zigzag varlong.
#[inline]
pub fn put_varlong<B: BufMut>(buf: &mut B, v: i64) {
    put_uvarint(buf, zigzag64(v))
}

#[inline]
fn put_uvarint<B: BufMut>(buf: &mut B, mut u: u64) {
    // Most lengths and deltas in a batch are below 128: one capacity check, one byte.
    if u < 0x80 {
        buf.put_u8(u as u8);
        return;
    }
    let mut tmp = [0u8; VARLONG_BYTES_MAX];
    let mut n = 0;
    while u >= 0x80 {
        tmp[n] = (u as u8) | 0x80;
        u >>= 7;
        n += 1;
    }
    tmp[n] = u as u8;
    buf.put_slice(&tmp[..=n]);
}

#[inline]
fn read_uvarint(buf: &[u8], pos: &mut usize, max_bytes: usize) -> Result<u64, RecordError> {
    let mut result: u64 = 0;
    for i in 0..max_bytes {
        let Some(&b) = buf.get(*pos + i) else {
            return Err(RecordError::Truncated { need: *pos + i + 1, have: buf.len() });
        };
        result |= ((b & 0x7f) as u64) << (7 * i);
        if b & 0x80 == 0 {
            *pos += i + 1;
            return Ok(result);
        }
    }
    Err(RecordError::BadRecord(format!("varint longer than {max_bytes} bytes at byte {}", *pos)))
}

/// Reads a zigzag varint at `*pos` and advances `*pos` past it.
#[inline]
pub fn read_varint(buf: &[u8], pos: &mut usize) -> Result<i32, RecordError> {
    // Fast path: one byte.
    if let Some(&b) = buf.get(*pos) {
        if b < 0x80 {
            *pos += 1;
            let u = b as i32;
            return Ok((u >> 1) ^ -(u & 1));
        }
    }
    let u = read_uvarint(buf, pos, VARINT_BYTES_MAX)? as u32;
    Ok(((u >> 1) as i32) ^ -((u & 1) as i32))
}

/// Reads a zigzag varlong at `*pos` and advances `*pos` past it.
#[inline]
pub fn read_varlong(buf: &[u8], pos: &mut usize) -> Result<i64, RecordError> {
    let u = read_uvarint(buf, pos, VARLONG_BYTES_MAX)?;
    Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc32(v: i32) -> Vec<u8> {
        let mut b = Vec::new();
        put_varint(&mut b, v);
        b
    }

    #[test]
    fn known_encodings() {
        // From the protobuf zigzag table and Kafka's ByteUtilsTest.
        assert_eq!(enc32(0), [0x00]);
        assert_eq!(enc32(-1), [0x01]);
        assert_eq!(enc32(1), [0x02]);
        assert_eq!(enc32(-2), [0x03]);
        assert_eq!(enc32(63), [0x7e]);
        assert_eq!(enc32(-64), [0x7f]);
        assert_eq!(enc32(64), [0x80, 0x01]);
        assert_eq!(enc32(i32::MAX), [0xfe, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(enc32(i32::MIN), [0xff, 0xff, 0xff, 0xff, 0x0f]);
        let mut b = Vec::new();
        put_varlong(&mut b, i64::MIN);
        assert_eq!(b, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    }

    #[test]
    fn round_trip_and_len() {
        for v in [0, 1, -1, 63, 64, -64, -65, 8191, 8192, 1 << 20, i32::MAX, i32::MIN] {
            let b = enc32(v);
            assert_eq!(b.len(), varint_len(v), "{v}");
            let mut pos = 0;
            assert_eq!(read_varint(&b, &mut pos).unwrap(), v);
            assert_eq!(pos, b.len());
        }
        for v in [0i64, -1, 1 << 40, -(1 << 40), i64::MAX, i64::MIN] {
            let mut b = Vec::new();
            put_varlong(&mut b, v);
            assert_eq!(b.len(), varlong_len(v), "{v}");
            let mut pos = 0;
            assert_eq!(read_varlong(&b, &mut pos).unwrap(), v);
            assert_eq!(pos, b.len());
        }
    }

    #[test]
    fn truncated_and_overlong_are_errors() {
        let mut pos = 0;
        assert!(matches!(read_varint(&[0x80, 0x80], &mut pos), Err(RecordError::Truncated { .. })));
        assert_eq!(pos, 0);
        assert!(read_varint(&[], &mut pos).is_err());
        assert!(matches!(read_varint(&[0x80; 6], &mut pos), Err(RecordError::BadRecord(_))));
        assert!(read_varlong(&[0xff; 11], &mut pos).is_err());
    }
}
