//! Size-prefixed frames: a 4-byte big-endian size, then that many bytes.
//!
//! A size that is negative or above `socket.request.max.bytes` is refused before anything is read
//! or allocated for it (the caller logs and closes, as Kafka does). The buffer grows with the bytes
//! that actually arrive, so a peer that announces 100 MiB and sends 10 bytes holds 64 KiB, not 100 MiB.

use std::fmt;
use std::io;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};

/// The largest read into a frame buffer at once.
const FRAME_READ_CHUNK_BYTES: usize = 64 * 1024;

#[derive(Debug)]
pub enum FrameError {
    /// The peer closed the connection between frames.
    Closed,
    /// The peer closed the connection inside a frame.
    Truncated {
        got: usize,
        want: usize,
    },
    /// A negative size prefix.
    NegativeSize(i32),
    /// A size above `socket.request.max.bytes`.
    TooLarge {
        size: i32,
        max: i32,
    },
    Io(io::Error),
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Closed => write!(f, "connection closed"),
            FrameError::Truncated { got, want } => {
                write!(f, "connection closed after {got} of {want} bytes of a frame")
            }
            FrameError::NegativeSize(n) => write!(f, "negative frame size {n}"),
            FrameError::TooLarge { size, max } => {
                write!(f, "frame size {size} is larger than socket.request.max.bytes ({max})")
            }
            FrameError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for FrameError {}

/// The body size a prefix announces, if acceptable.
pub fn frame_size(prefix: [u8; 4], max: i32) -> Result<usize, FrameError> {
    match i32::from_be_bytes(prefix) {
        n if n < 0 => Err(FrameError::NegativeSize(n)),
        n if n > max => Err(FrameError::TooLarge { size: n, max }),
        n => Ok(n as usize),
    }
}

/// Reads one frame (without its size prefix).
pub async fn read_frame<R: AsyncRead + Unpin>(r: &mut R, max: i32) -> Result<Bytes, FrameError> {
    let mut prefix = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match r.read(&mut prefix[got..]).await.map_err(FrameError::Io)? {
            0 if got == 0 => return Err(FrameError::Closed),
            0 => return Err(FrameError::Truncated { got, want: 4 }),
            n => got += n,
        }
    }
    let want = frame_size(prefix, max)?;
    let mut buf = BytesMut::with_capacity(want.min(FRAME_READ_CHUNK_BYTES));
    while buf.len() < want {
        if buf.capacity() == buf.len() {
            buf.reserve((want - buf.len()).min(FRAME_READ_CHUNK_BYTES));
        }
        let room = (want - buf.len()) as u64;
        if (&mut *r).take(room).read_buf(&mut buf).await.map_err(FrameError::Io)? == 0 {
            return Err(FrameError::Truncated { got: buf.len(), want });
        }
    }
    Ok(buf.freeze())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(frame_size(10i32.to_be_bytes(), 100).unwrap(), 10);
        assert_eq!(frame_size(100i32.to_be_bytes(), 100).unwrap(), 100);
        assert!(matches!(frame_size(101i32.to_be_bytes(), 100), Err(FrameError::TooLarge { size: 101, max: 100 })));
        assert!(matches!(frame_size((-1i32).to_be_bytes(), 100), Err(FrameError::NegativeSize(-1))));
    }

    #[tokio::test]
    async fn reads_whole_frames_and_reports_truncation() {
        let mut input: &[u8] = &[0, 0, 0, 3, b'a', b'b', b'c', 0, 0, 0, 5, b'x'];
        assert_eq!(&read_frame(&mut input, 100).await.unwrap()[..], b"abc");
        assert!(matches!(read_frame(&mut input, 100).await, Err(FrameError::Truncated { got: 1, want: 5 })));
        let mut empty: &[u8] = &[];
        assert!(matches!(read_frame(&mut empty, 100).await, Err(FrameError::Closed)));
        let mut half: &[u8] = &[0, 0];
        assert!(matches!(read_frame(&mut half, 100).await, Err(FrameError::Truncated { got: 2, want: 4 })));
    }
}
