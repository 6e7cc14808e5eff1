//! Our TCP client's side of the wire: a response frame from a broker we do not trust, decoded as
//! the client does (`codec::decode_response`: header, response decode guard, `kafka-protocol`
//! decoder) for the request it answers. Nothing may panic or abort.
//!
//! Input: byte 0 the API key, byte 1 the version of the request it answers, then the frame (size
//! prefix stripped). Seeds: tests/corpus/responses (`make fuzz-corpus`: the broker's answers to
//! the recorded kcat requests, and populated responses of every guarded version).

#![no_main]

use bytes::Bytes;
use kafkette::net::{codec, guard};
use kafkette::protocol::ApiKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let [key, version, frame @ ..] = data else { return };
    let Ok(key) = ApiKey::try_from(i16::from(*key)) else { return };
    let version = i16::from(*version);
    // Versions the client never asks for are refused before anything is read; fuzz the others.
    if !guard::response_range(key).is_some_and(|(lo, hi)| (lo..=hi).contains(&version)) {
        assert!(codec::decode_response(key, version, Bytes::copy_from_slice(frame)).is_err());
        return;
    }
    if let Ok((_, body)) = codec::decode_response(key, version, Bytes::copy_from_slice(frame)) {
        // What decodes must encode again at the same version.
        let mut buf = bytes::BytesMut::new();
        let _ = body.encode(&mut buf, version);
    }
});
