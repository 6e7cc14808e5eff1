//! Compression codecs of the records section (everything after the 61-byte
//! header), byte-compatible with Apache Kafka's Java client:
//!
//! - gzip: a gzip stream (RFC 1952), default level 6; concatenated members are read.
//! - snappy: written in xerial framing as Java's `SnappyOutputStream` does
//!   (`0x82 "SNAPPY" 0x00`, version 1, compatible version 1, then
//!   `[i32 BE length][raw snappy block]` per 32 KiB of input); read framed or
//!   as one raw snappy block, as librdkafka does.
//! - lz4: the LZ4 frame format with Kafka's `Lz4BlockOutputStream` settings
//!   (64 KiB independent blocks, no block or content checksum). Kafka's reader
//!   rejects dependent blocks, so independence is not optional.
//! - zstd: a zstd frame, level 3 (Kafka's default). Not on wasm32, where only
//!   pure-Rust codecs are built; there it is `RecordError::BadCompression(4)`.
//!
//! Decompression is bounded by `DECOMPRESSED_BYTES_MAX` so a small hostile
//! batch cannot expand into an unbounded allocation.

use std::io::{Read, Write};

use super::RecordError;

/// Upper bound on one batch's decompressed records section. Kafka's default
/// `message.max.bytes` is 1 MiB compressed; 256 MiB leaves room for highly
/// compressible data while refusing decompression bombs.
pub const DECOMPRESSED_BYTES_MAX: usize = 256 << 20;

/// Xerial snappy-java stream header: magic, version 1, minimum compatible version 1.
const XERIAL_HEADER: [u8; 16] = [0x82, b'S', b'N', b'A', b'P', b'P', b'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1];
const XERIAL_MAGIC_LEN: usize = 8;
/// snappy-java's default block size, which Kafka uses.
const XERIAL_BLOCK_LEN: usize = 32 * 1024;
/// Kafka's zstd default level (`ZSTD_CLEVEL_DEFAULT`).
#[cfg(not(target_arch = "wasm32"))]
const ZSTD_LEVEL: i32 = 3;

/// The codec of a batch: attribute bits 0..=2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compression {
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

impl Compression {
    /// The codec named by a batch's attributes; ids 5..=7 are unknown.
    pub fn from_attributes(attr: i16) -> Result<Compression, RecordError> {
        match attr & 0x07 {
            0 => Ok(Compression::None),
            1 => Ok(Compression::Gzip),
            2 => Ok(Compression::Snappy),
            3 => Ok(Compression::Lz4),
            4 => Ok(Compression::Zstd),
            other => Err(RecordError::BadCompression(other)),
        }
    }

    /// Kafka's `compression.type` name.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Snappy => "snappy",
            Compression::Lz4 => "lz4",
            Compression::Zstd => "zstd",
        }
    }

    /// Parses a `compression.type` value ("none", "gzip", "snappy", "lz4", "zstd").
    pub fn parse(s: &str) -> Option<Compression> {
        match s {
            "none" => Some(Compression::None),
            "gzip" => Some(Compression::Gzip),
            "snappy" => Some(Compression::Snappy),
            "lz4" => Some(Compression::Lz4),
            "zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }

    /// Whether this build can compress and decompress with the codec (zstd is
    /// absent on wasm32). Producers should check this when configured, because
    /// `BatchBuilder::finish` falls back to no compression rather than fail.
    pub fn is_available(self) -> bool {
        !(cfg!(target_arch = "wasm32") && self == Compression::Zstd)
    }

    /// `Ok` when `is_available`, else the `RecordError` that explains why not.
    pub fn check_available(self) -> Result<(), RecordError> {
        if self.is_available() {
            Ok(())
        } else {
            Err(RecordError::BadCompression(self as i16))
        }
    }
}

/// Appends `input` compressed with `codec` to `out`. `codec` must not be `None`.
/// Errors only when the codec is unavailable in this build or an encoder reports
/// one (which writing into a `Vec` does not do in practice).
pub(crate) fn compress_into(codec: Compression, input: &[u8], out: &mut Vec<u8>) -> Result<(), RecordError> {
    let io = |e: std::io::Error| RecordError::Decompress(format!("{} encoder: {e}", codec.name()));
    match codec {
        Compression::None => out.extend_from_slice(input),
        Compression::Gzip => {
            let mut enc = flate2::write::GzEncoder::new(out, flate2::Compression::default());
            enc.write_all(input).map_err(io)?;
            enc.finish().map_err(io)?;
        }
        Compression::Snappy => snappy_xerial_compress(input, out)?,
        Compression::Lz4 => {
            use lz4_flex::frame::{BlockMode, BlockSize, FrameEncoder, FrameInfo};
            let info = FrameInfo::new()
                .block_size(BlockSize::Max64KB)
                .block_mode(BlockMode::Independent)
                .block_checksums(false)
                .content_checksum(false);
            let mut enc = FrameEncoder::with_frame_info(info, out);
            enc.write_all(input).map_err(io)?;
            enc.finish().map_err(|e| RecordError::Decompress(format!("lz4 encoder: {e}")))?;
        }
        #[cfg(not(target_arch = "wasm32"))]
        Compression::Zstd => {
            let mut enc = zstd::stream::write::Encoder::new(out, ZSTD_LEVEL).map_err(io)?;
            enc.write_all(input).map_err(io)?;
            enc.finish().map_err(io)?;
        }
        #[cfg(target_arch = "wasm32")]
        Compression::Zstd => return Err(RecordError::BadCompression(Compression::Zstd as i16)),
    }
    Ok(())
}

fn snappy_xerial_compress(input: &[u8], out: &mut Vec<u8>) -> Result<(), RecordError> {
    out.extend_from_slice(&XERIAL_HEADER);
    let mut enc = snap::raw::Encoder::new();
    for chunk in input.chunks(XERIAL_BLOCK_LEN) {
        let len_at = out.len();
        let max = snap::raw::max_compress_len(chunk.len());
        out.resize(len_at + 4 + max, 0);
        let n = enc
            .compress(chunk, &mut out[len_at + 4..])
            .map_err(|e| RecordError::Decompress(format!("snappy encoder: {e}")))?;
        out[len_at..len_at + 4].copy_from_slice(&(n as u32).to_be_bytes());
        out.truncate(len_at + 4 + n);
    }
    Ok(())
}

/// Decompresses a records section. The result is at most `DECOMPRESSED_BYTES_MAX` bytes.
pub(crate) fn decompress(codec: Compression, input: &[u8]) -> Result<Vec<u8>, RecordError> {
    decompress_bounded(codec, input, DECOMPRESSED_BYTES_MAX)
}

pub(crate) fn decompress_bounded(codec: Compression, input: &[u8], limit: usize) -> Result<Vec<u8>, RecordError> {
    match codec {
        Compression::None => {
            if input.len() > limit {
                return Err(too_large(limit));
            }
            Ok(input.to_vec())
        }
        Compression::Gzip => read_bounded(flate2::read::MultiGzDecoder::new(input), input, limit, "gzip"),
        Compression::Snappy => snappy_decompress(input, limit),
        Compression::Lz4 => read_bounded(lz4_flex::frame::FrameDecoder::new(input), input, limit, "lz4"),
        #[cfg(not(target_arch = "wasm32"))]
        Compression::Zstd => {
            let dec = zstd::stream::read::Decoder::with_buffer(input)
                .map_err(|e| RecordError::Decompress(format!("zstd: {e}")))?;
            read_bounded(dec, input, limit, "zstd")
        }
        #[cfg(target_arch = "wasm32")]
        Compression::Zstd => Err(RecordError::BadCompression(Compression::Zstd as i16)),
    }
}

fn too_large(limit: usize) -> RecordError {
    RecordError::Decompress(format!("decompressed records exceed {limit} bytes"))
}

fn read_bounded<R: Read>(rdr: R, input: &[u8], limit: usize, name: &str) -> Result<Vec<u8>, RecordError> {
    // A guess at the ratio saves most regrowth; the bound keeps it sane.
    let mut out = Vec::with_capacity(input.len().saturating_mul(4).min(limit).min(1 << 20));
    rdr.take(limit as u64 + 1).read_to_end(&mut out).map_err(|e| RecordError::Decompress(format!("{name}: {e}")))?;
    if out.len() > limit {
        return Err(too_large(limit));
    }
    Ok(out)
}

/// The decompressed length a raw snappy block claims, refused when the block is
/// too short to produce it: a snappy copy op of 3 bytes yields at most 64, so no
/// genuine block expands more than ~22 times. This keeps a 10-byte block from
/// allocating the whole decompression limit.
fn snappy_claimed_len(block: &[u8]) -> Result<usize, RecordError> {
    let n = snap::raw::decompress_len(block).map_err(|e| RecordError::Decompress(format!("snappy: {e}")))?;
    if n > block.len().saturating_mul(32).saturating_add(64) {
        return Err(RecordError::Decompress(format!(
            "snappy: a {}-byte block cannot expand to the {n} bytes it claims",
            block.len()
        )));
    }
    Ok(n)
}

fn snappy_decompress(input: &[u8], limit: usize) -> Result<Vec<u8>, RecordError> {
    let err = |e: snap::Error| RecordError::Decompress(format!("snappy: {e}"));
    let mut dec = snap::raw::Decoder::new();
    if input.len() < XERIAL_HEADER.len() || input[..XERIAL_MAGIC_LEN] != XERIAL_HEADER[..XERIAL_MAGIC_LEN] {
        // One raw snappy block (librdkafka and some other clients write this).
        let n = snappy_claimed_len(input)?;
        if n > limit {
            return Err(too_large(limit));
        }
        let mut out = vec![0u8; n];
        let got = dec.decompress(input, &mut out).map_err(err)?;
        out.truncate(got);
        return Ok(out);
    }
    // Xerial framing: the versions after the magic are not checked, as snappy-java
    // and librdkafka do not check them either.
    let mut pos = XERIAL_HEADER.len();
    let mut out = Vec::new();
    while pos < input.len() {
        let Some(len_bytes) = input.get(pos..pos + 4) else {
            return Err(RecordError::Decompress("snappy: truncated xerial block length".into()));
        };
        let block_len = u32::from_be_bytes(len_bytes.try_into().expect("4 bytes")) as usize;
        pos += 4;
        let Some(block) = input.get(pos..pos.saturating_add(block_len)) else {
            return Err(RecordError::Decompress(format!(
                "snappy: xerial block of {block_len} bytes overruns the batch"
            )));
        };
        pos += block_len;
        let n = snappy_claimed_len(block)?;
        let at = out.len();
        if at + n > limit {
            return Err(too_large(limit));
        }
        out.resize(at + n, 0);
        let got = dec.decompress(block, &mut out[at..]).map_err(err)?;
        out.truncate(at + got);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Compression; 5] =
        [Compression::None, Compression::Gzip, Compression::Snappy, Compression::Lz4, Compression::Zstd];

    fn sample(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i % 251) as u8 ^ (i / 1000) as u8).collect()
    }

    #[test]
    fn names_parse_and_attributes() {
        for c in ALL {
            assert_eq!(Compression::parse(c.name()), Some(c));
            assert_eq!(Compression::from_attributes(c as i16 | 0x30), Ok(c));
        }
        assert_eq!(Compression::parse("brotli"), None);
        for id in 5..=7 {
            assert_eq!(Compression::from_attributes(id), Err(RecordError::BadCompression(id)));
        }
    }

    #[test]
    fn round_trip_every_codec() {
        for n in [0, 1, 100, XERIAL_BLOCK_LEN, XERIAL_BLOCK_LEN + 1, 200_000] {
            let data = sample(n);
            for c in ALL {
                let mut out = vec![9u8; 3]; // compress_into appends
                compress_into(c, &data, &mut out).unwrap();
                assert_eq!(&out[..3], &[9, 9, 9]);
                assert_eq!(decompress(c, &out[3..]).unwrap(), data, "{c:?} n={n}");
            }
        }
    }

    #[test]
    fn snappy_xerial_layout_matches_snappy_java() {
        // "foobar\n" as snappy-java's SnappyOutputStream writes it.
        let data = b"foobar\n";
        let mut out = Vec::new();
        compress_into(Compression::Snappy, data, &mut out).unwrap();
        assert_eq!(&out[..16], &XERIAL_HEADER);
        assert_eq!(&out[16..20], &[0, 0, 0, 9]);
        assert_eq!(&out[20..], &[0x07, 0x18, b'f', b'o', b'o', b'b', b'a', b'r', b'\n']);
        // Two blocks for just over 32 KiB.
        let mut out = Vec::new();
        compress_into(Compression::Snappy, &sample(XERIAL_BLOCK_LEN + 1), &mut out).unwrap();
        let first = u32::from_be_bytes(out[16..20].try_into().unwrap()) as usize;
        let second_at = 20 + first;
        let second = u32::from_be_bytes(out[second_at..second_at + 4].try_into().unwrap()) as usize;
        assert_eq!(second_at + 4 + second, out.len());
    }

    #[test]
    fn snappy_reads_raw_blocks() {
        let data = sample(5000);
        let raw = snap::raw::Encoder::new().compress_vec(&data).unwrap();
        assert_eq!(decompress(Compression::Snappy, &raw).unwrap(), data);
    }

    #[test]
    fn lz4_frame_header_matches_kafka() {
        let mut out = Vec::new();
        compress_into(Compression::Lz4, b"hello hello hello", &mut out).unwrap();
        assert_eq!(&out[..4], &[0x04, 0x22, 0x4d, 0x18]); // magic 0x184D2204 LE
        assert_eq!(out[4], 0x60, "FLG: version 1, independent blocks, no checksums");
        assert_eq!(out[5], 0x40, "BD: 64 KiB blocks");
    }

    #[test]
    fn bounded_and_garbage() {
        let data = vec![0u8; 100_000];
        for c in ALL {
            let mut out = Vec::new();
            compress_into(c, &data, &mut out).unwrap();
            assert!(decompress_bounded(c, &out, 1000).is_err(), "{c:?}");
            if c != Compression::None {
                for cut in [0, 1, out.len() / 2, out.len() - 1] {
                    // Truncated input must never panic. (It may even decode: lz4_flex
                    // accepts a frame missing its end mark. The batch CRC catches truncation.)
                    let _ = decompress(c, &out[..cut]);
                }
                let _ = decompress(c, b"\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01\xff\xff\xff\xff");
                let _ = decompress(c, &[0xff; 64]);
            }
        }
    }
}
