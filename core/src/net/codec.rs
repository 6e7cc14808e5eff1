//! Request frames to [`Request`]s and [`Response`]s to frames.
//!
//! Decoding a request: the first eight bytes (API key, version, correlation id) decide what happens.
//! - An API key `kafka-protocol` does not know, or one the broker does not answer: refused (close).
//! - ApiVersions at a version above ours (or negative): only those eight bytes are read, as Kafka
//!   reads only the v0 header fields; the broker answers at v0 with UNSUPPORTED_VERSION and its ranges.
//! - Any other version outside the broker's table: refused (Kafka closes the connection too).
//! - Otherwise the header is decoded at `request_header_version`, the body checked by `guard`, then
//!   decoded by `kafka-protocol`.
//!
//! Encoding a response: the header at `response_header_version` (ApiVersions always v0, so that a
//! client of any version can read it), the body at the response's version, the size in front.

use std::fmt;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{ApiVersionsRequest, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable};

use super::guard;
use crate::broker::api::version_range;
use crate::protocol::{ApiKey, Request, RequestKind, Response};

/// Why a request frame was refused. The driver logs it and closes the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// Shorter than the eight bytes every request header starts with.
    ShortHeader(usize),
    UnknownApiKey(i16),
    UnsupportedApi {
        key: ApiKey,
        version: i16,
    },
    UnsupportedVersion {
        key: ApiKey,
        version: i16,
    },
    Header {
        key: ApiKey,
        version: i16,
        problem: String,
    },
    Guard {
        key: ApiKey,
        version: i16,
        problem: String,
    },
    Body {
        key: ApiKey,
        version: i16,
        problem: String,
    },
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::ShortHeader(n) => write!(f, "request of {n} bytes is shorter than a request header"),
            Refused::UnknownApiKey(k) => write!(f, "unknown API key {k}"),
            Refused::UnsupportedApi { key, version } => write!(f, "{key:?} (v{version}) is not supported"),
            Refused::UnsupportedVersion { key, version } => {
                let (lo, hi) = version_range(*key).unwrap_or((0, -1));
                write!(f, "{key:?} v{version} is not supported (v{lo}-v{hi} are)")
            }
            Refused::Header { key, version, problem } => write!(f, "bad {key:?} v{version} request header: {problem}"),
            Refused::Guard { key, version, problem } => write!(f, "refused {key:?} v{version} request: {problem}"),
            Refused::Body { key, version, problem } => write!(f, "bad {key:?} v{version} request: {problem}"),
        }
    }
}

impl std::error::Error for Refused {}

/// The fixed start of every request header.
fn fixed_header(frame: &[u8]) -> Result<(i16, i16, i32), Refused> {
    if frame.len() < 8 {
        return Err(Refused::ShortHeader(frame.len()));
    }
    let key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let correlation_id = i32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
    Ok((key, version, correlation_id))
}

/// The correlation id of a frame, for log lines about frames that were refused.
pub fn correlation_id(frame: &[u8]) -> Option<i32> {
    fixed_header(frame).ok().map(|(_, _, c)| c)
}

/// Decodes one request frame (without its size prefix).
pub fn decode_request(frame: Bytes) -> Result<Request, Refused> {
    let (raw_key, version, correlation_id) = fixed_header(&frame)?;
    let key = ApiKey::try_from(raw_key).map_err(|_| Refused::UnknownApiKey(raw_key))?;
    let Some((lo, hi)) = version_range(key) else {
        return Err(Refused::UnsupportedApi { key, version });
    };
    if !(lo..=hi).contains(&version) {
        if key == ApiKey::ApiVersions {
            // The broker answers this at v0 with UNSUPPORTED_VERSION; nothing else is read.
            let body = RequestKind::ApiVersions(ApiVersionsRequest::default());
            return Ok(Request { api_version: version, correlation_id, client_id: None, body });
        }
        return Err(Refused::UnsupportedVersion { key, version });
    }
    let mut buf = frame;
    let header_version = key.request_header_version(version);
    let header = RequestHeader::decode(&mut buf, header_version).map_err(|e| Refused::Header {
        key,
        version,
        problem: format!("{e:#}"),
    })?;
    guard::check(key, version, &buf).map_err(|e| Refused::Guard { key, version, problem: e.to_string() })?;
    let body = RequestKind::decode(key, &mut buf, version).map_err(|e| Refused::Body {
        key,
        version,
        problem: format!("{e:#}"),
    })?;
    let client_id = header.client_id.map(|c| c.to_string());
    Ok(Request { api_version: version, correlation_id, client_id, body })
}

/// Encodes a response as a frame, size prefix included.
pub fn encode_response(response: &Response) -> Result<Bytes, String> {
    let header_version = if response.api_key == ApiKey::ApiVersions {
        0
    } else {
        response.api_key.response_header_version(response.api_version)
    };
    let mut buf = BytesMut::with_capacity(64);
    buf.put_i32(0);
    ResponseHeader::default()
        .with_correlation_id(response.correlation_id)
        .encode(&mut buf, header_version)
        .map_err(|e| format!("{e:#}"))?;
    response.body.encode(&mut buf, response.api_version).map_err(|e| format!("{e:#}"))?;
    let size = i32::try_from(buf.len() - 4).map_err(|_| format!("response of {} bytes is too large", buf.len()))?;
    buf[..4].copy_from_slice(&size.to_be_bytes());
    Ok(buf.freeze())
}

/// Encodes a request as a frame, size prefix included (for tests and, later, the client driver).
pub fn encode_request(request: &Request) -> Result<Bytes, String> {
    let key = request.api_key().ok_or("request of an unknown API key")?;
    let header = RequestHeader::default()
        .with_request_api_key(key as i16)
        .with_request_api_version(request.api_version)
        .with_correlation_id(request.correlation_id)
        .with_client_id(request.client_id.clone().map(crate::protocol::StrBytes::from_string));
    let mut buf = BytesMut::with_capacity(64);
    buf.put_i32(0);
    header.encode(&mut buf, key.request_header_version(request.api_version)).map_err(|e| format!("{e:#}"))?;
    request.body.encode(&mut buf, request.api_version).map_err(|e| format!("{e:#}"))?;
    let size = i32::try_from(buf.len() - 4).map_err(|_| "request too large".to_string())?;
    buf[..4].copy_from_slice(&size.to_be_bytes());
    Ok(buf.freeze())
}

/// Decodes a response frame (without its size prefix) to the request's key and version: the
/// correlation id and body. Guarded as requests are (`guard::check_response`): the response decoder
/// trusts array counts from the wire, and a broker claiming 2^31 elements must cost the client a
/// connection, not its process. A version the guard has no schema for is refused.
pub fn decode_response(
    key: ApiKey,
    version: i16,
    mut frame: Bytes,
) -> Result<(i32, crate::protocol::ResponseKind), String> {
    let header_version = if key == ApiKey::ApiVersions { 0 } else { key.response_header_version(version) };
    let header = ResponseHeader::decode(&mut frame, header_version).map_err(|e| format!("{e:#}"))?;
    guard::check_response(key, version, &frame).map_err(|e| format!("refused by the decode guard: {e}"))?;
    let body = crate::protocol::ResponseKind::decode(key, &mut frame, version).map_err(|e| format!("{e:#}"))?;
    if frame.has_remaining() {
        return Err(format!("{} bytes left after the {key:?} v{version} response", frame.remaining()));
    }
    Ok((header.correlation_id, body))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::broker::api::VERSIONS;
    use crate::net::guard::tests::populated;

    /// A whole frame (size prefix stripped) of a populated request of every supported version.
    fn frames() -> &'static [(ApiKey, i16, Bytes)] {
        static FRAMES: std::sync::OnceLock<Vec<(ApiKey, i16, Bytes)>> = std::sync::OnceLock::new();
        FRAMES.get_or_init(|| {
            let mut out = Vec::new();
            for &(key, lo, hi) in VERSIONS {
                for v in lo..=hi {
                    let body = populated(key, v);
                    let request = Request { api_version: v, correlation_id: 9, client_id: Some("c".into()), body };
                    out.push((key, v, encode_request(&request).unwrap().slice(4..)));
                }
            }
            for frame in corpus() {
                let (key, v, _) = fixed_header(&frame).unwrap();
                out.push((ApiKey::try_from(key).unwrap(), v, frame));
            }
            out
        })
    }

    /// Request frames recorded from real clients (`make fuzz-corpus`: kcat through a proxy).
    fn corpus() -> Vec<Bytes> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/corpus/requests");
        let mut files: Vec<_> = std::fs::read_dir(dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
        files.sort();
        files.iter().map(|f| Bytes::from(std::fs::read(f).unwrap())).collect()
    }

    #[test]
    fn real_client_requests_decode() {
        let corpus = corpus();
        assert!(corpus.len() >= 5, "tests/corpus/requests holds {} frames", corpus.len());
        for frame in corpus {
            let r = decode_request(frame.clone()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(r.client_id.as_deref(), Some("rdkafka"));
        }
    }

    /// Cases of the mutation test: `KAFKETTE_FUZZ_CASES` (`make fuzz` runs many), else 3000.
    fn fuzz_cases() -> u32 {
        std::env::var("KAFKETTE_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(3000)
    }

    #[test]
    fn round_trip_every_supported_version() {
        for (key, v, frame) in frames() {
            let r = decode_request(frame.clone()).unwrap_or_else(|e| panic!("{key:?} v{v}: {e}"));
            assert_eq!((r.api_key(), r.api_version), (Some(*key), *v));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: fuzz_cases(), ..ProptestConfig::default() })]

        /// Random overwrites and truncation of whole request frames (header included) decode or are
        /// refused; none aborts the process.
        #[test]
        fn mutated_frames_never_abort(
            pick in any::<prop::sample::Index>(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
            cut in any::<prop::sample::Index>(),
            truncate in any::<bool>(),
        ) {
            let all = frames();
            let (_, _, frame) = &all[pick.index(all.len())];
            let mut bytes = frame.to_vec();
            for (at, byte) in edits {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            let _ = decode_request(Bytes::from(bytes));
        }
    }
}
