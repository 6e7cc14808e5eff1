//! One client connection to a broker, on its own thread: connect, the ApiVersions
//! handshake, then read response frames until the socket closes. Everything it
//! learns goes to the transport as a [`ConnEvent`] over a channel; the transport
//! writes requests itself, on the caller's thread, through a clone of the socket.
//!
//! Frames and bodies go through `codec`, shared with the server; `fit_to_version`
//! adapts a request body to an older version the broker speaks.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc::Sender;
use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::{ApiVersionsRequest, ApiVersionsResponse, ResponseHeader};
use kafka_protocol::protocol::Decodable;

use super::{codec, guard};
use crate::client::versions;
use crate::error::{Error, ErrorCode};
use crate::protocol::{ApiKey, BrokerId, Request, RequestKind, StrBytes};

/// Largest response frame we accept. Fetch responses are bounded by `fetch.max.bytes`
/// (50 MiB by default, at least one batch more); a larger length is garbage.
pub const RESPONSE_FRAME_BYTES_MAX: usize = 256 * 1024 * 1024;

/// The correlation id of the handshake's ApiVersions (machine ids start at 1).
const HANDSHAKE_CORRELATION_ID: i32 = 0;

/// `(min, max)` version the broker supports, by API key.
pub type BrokerVersions = HashMap<i16, (i16, i16)>;

/// What a connection thread reports. `generation` tells apart the successive
/// connections to one broker: events of an abandoned one are ignored.
pub enum ConnEvent {
    /// Connected and handshaken: write requests to `stream`.
    Ready { broker: BrokerId, generation: u64, stream: TcpStream, versions: BrokerVersions },
    /// One response frame (without its length prefix).
    Frame { broker: BrokerId, generation: u64, frame: Bytes },
    /// The connection could not be made or broke; nothing more comes from it.
    Failed { broker: BrokerId, generation: u64, error: Error },
}

/// What a connection thread needs to know.
pub struct ConnSpec {
    pub broker: BrokerId,
    pub generation: u64,
    /// `host:port`.
    pub addr: String,
    pub client_id: Option<String>,
    /// Connect plus handshake must finish within this (`socket.connection.setup.timeout.ms`).
    pub setup_timeout: Duration,
}

/// Starts the thread of one connection.
pub fn spawn(spec: ConnSpec, events: Sender<ConnEvent>) {
    let name = format!("kafkette-conn-{}", spec.broker);
    let (broker, generation, addr) = (spec.broker, spec.generation, spec.addr.clone());
    let on_spawn_failure = events.clone();
    let run = move || {
        let (broker, generation) = (spec.broker, spec.generation);
        match connect(&spec) {
            Ok((stream, versions)) => {
                let reader = match stream.try_clone() {
                    Ok(r) => r,
                    Err(e) => {
                        let error = transport_error(&spec.addr, format_args!("cannot clone the socket: {e}"));
                        let _ = events.send(ConnEvent::Failed { broker, generation, error });
                        return;
                    }
                };
                if events.send(ConnEvent::Ready { broker, generation, stream, versions }).is_err() {
                    return; // the transport is gone
                }
                let error = read_frames(reader, &spec, &events);
                let _ = events.send(ConnEvent::Failed { broker, generation, error });
            }
            Err(error) => {
                let _ = events.send(ConnEvent::Failed { broker, generation, error });
            }
        }
    };
    if let Err(e) = std::thread::Builder::new().name(name).spawn(run) {
        // No thread, no connection: the transport learns it like any failed connect.
        let error = transport_error(&addr, format_args!("cannot start the connection thread: {e}"));
        let _ = on_spawn_failure.send(ConnEvent::Failed { broker, generation, error });
    }
}

fn transport_error(addr: &str, what: impl std::fmt::Display) -> Error {
    Error::new(ErrorCode::TRANSPORT, format!("broker {addr}: {what}"))
}

/// Connect to the first address of `spec.addr` that answers, then learn its versions.
fn connect(spec: &ConnSpec) -> Result<(TcpStream, BrokerVersions), Error> {
    let addrs = spec
        .addr
        .to_socket_addrs()
        .map_err(|e| transport_error(&spec.addr, format_args!("cannot resolve the address: {e}")))?;
    let mut last = None;
    let mut stream = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, spec.setup_timeout) {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(e) => last = Some(e),
        }
    }
    let mut stream = stream.ok_or_else(|| match last {
        Some(e) => transport_error(&spec.addr, format_args!("cannot connect: {e}")),
        None => transport_error(&spec.addr, "the address resolves to nothing"),
    })?;
    let io = |e: std::io::Error| transport_error(&spec.addr, format_args!("during the ApiVersions handshake: {e}"));
    stream.set_nodelay(true).map_err(io)?;
    stream.set_read_timeout(Some(spec.setup_timeout)).map_err(io)?;
    stream.set_write_timeout(Some(spec.setup_timeout)).map_err(io)?;
    let versions = handshake(&mut stream, spec)?;
    stream.set_read_timeout(None).map_err(io)?;
    Ok((stream, versions))
}

/// ApiVersions at our newest version; a broker that does not know it answers v0 with
/// UNSUPPORTED_VERSION and its own range (KIP-511), and we ask again at its newest.
fn handshake(stream: &mut TcpStream, spec: &ConnSpec) -> Result<BrokerVersions, Error> {
    let mut version = versions::API_VERSIONS;
    for _ in 0..2 {
        let body = ApiVersionsRequest::default()
            .with_client_software_name(StrBytes::from_static_str("kafkette"))
            .with_client_software_version(StrBytes::from_static_str(env!("CARGO_PKG_VERSION")));
        let request = Request {
            api_version: version,
            correlation_id: HANDSHAKE_CORRELATION_ID,
            client_id: spec.client_id.clone(),
            body: RequestKind::ApiVersions(body),
        };
        let buf = codec::encode_request(&request).map_err(Error::internal)?;
        let io = |e: std::io::Error| transport_error(&spec.addr, format_args!("during the ApiVersions handshake: {e}"));
        stream.write_all(&buf).map_err(io)?;
        let mut frame = read_frame(stream).map_err(|e| transport_error(&spec.addr, e))?;
        let header = ResponseHeader::decode(&mut frame, 0)
            .map_err(|e| transport_error(&spec.addr, format_args!("bad ApiVersions response header: {e}")))?;
        if header.correlation_id != HANDSHAKE_CORRELATION_ID {
            return Err(transport_error(&spec.addr, "the ApiVersions response has another correlation id"));
        }
        // An UNSUPPORTED_VERSION answer is v0 whatever we asked. Each decode is guarded first: a
        // hostile array count must not abort the process.
        let decode = |v: i16| -> Result<ApiVersionsResponse, String> {
            guard::check_response(ApiKey::ApiVersions, v, &frame)
                .map_err(|e| format!("refused by the decode guard: {e}"))?;
            ApiVersionsResponse::decode(&mut frame.clone(), v).map_err(|e| format!("{e:#}"))
        };
        let resp = decode(version)
            .or_else(|first| decode(0).map_err(|_| first))
            .map_err(|e| transport_error(&spec.addr, format_args!("bad ApiVersions response: {e}")))?;
        let code = ErrorCode(resp.error_code);
        if code == ErrorCode::UNSUPPORTED_VERSION {
            let theirs = resp.api_keys.iter().find(|k| k.api_key == ApiKey::ApiVersions as i16);
            version = theirs.map(|k| k.max_version.min(version)).unwrap_or(0).max(0);
            continue;
        }
        if code.is_error() {
            return Err(Error::from_code(code.0, format_args!("ApiVersions from broker {}", spec.addr)));
        }
        return Ok(resp.api_keys.iter().map(|k| (k.api_key, (k.min_version, k.max_version))).collect());
    }
    Err(Error::new(
        ErrorCode::UNSUPPORTED_VERSION,
        format!("broker {} supports no ApiVersions version we speak", spec.addr),
    ))
}

/// Reads frames until the socket fails; returns why it stopped.
fn read_frames(mut stream: TcpStream, spec: &ConnSpec, events: &Sender<ConnEvent>) -> Error {
    loop {
        match read_frame(&mut stream) {
            Ok(frame) => {
                let event = ConnEvent::Frame { broker: spec.broker, generation: spec.generation, frame };
                if events.send(event).is_err() {
                    return transport_error(&spec.addr, "the client is gone");
                }
            }
            Err(e) => return transport_error(&spec.addr, e),
        }
    }
}

/// One length-prefixed frame, bounded by [`RESPONSE_FRAME_BYTES_MAX`].
fn read_frame(stream: &mut impl Read) -> Result<Bytes, String> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => "the broker closed the connection".to_string(),
        _ => format!("read failed: {e}"),
    })?;
    let len = i32::from_be_bytes(len);
    let len = usize::try_from(len).map_err(|_| format!("negative frame length {len}"))?;
    if len > RESPONSE_FRAME_BYTES_MAX {
        return Err(format!("a response frame of {len} bytes is over the limit of {RESPONSE_FRAME_BYTES_MAX}"));
    }
    let mut frame = vec![0u8; len];
    stream.read_exact(&mut frame).map_err(|e| format!("truncated frame: {e}"))?;
    Ok(Bytes::from(frame))
}

/// Adjusts a request body our state machines built for our newest version so that it
/// says the same at an older one: fields the old version does not have go back to
/// their defaults, fields it spells differently are moved.
pub fn fit_to_version(body: &mut RequestKind, version: i16) {
    match body {
        RequestKind::Fetch(f) if version < 9 => {
            for t in &mut f.topics {
                for p in &mut t.partitions {
                    p.current_leader_epoch = -1;
                }
            }
        }
        RequestKind::ListOffsets(l) => {
            if version < 4 {
                for t in &mut l.topics {
                    for p in &mut t.partitions {
                        p.current_leader_epoch = -1;
                    }
                }
            }
            // v1 cannot ask for the last stable offset: it answers the high watermark.
            if version < 2 {
                l.isolation_level = 0;
            }
        }
        // v0-v3 name one coordinator key; our clients ask for one at a time.
        RequestKind::FindCoordinator(c) if version < 4 => {
            if let Some(key) = c.coordinator_keys.drain(..).next() {
                c.key = key;
            }
            if version < 1 {
                c.key_type = 0;
            }
        }
        // Group APIs: static membership (group_instance_id) from JoinGroup v5, SyncGroup and
        // Heartbeat v3; SyncGroup names the protocol from v5.
        RequestKind::JoinGroup(j) if version < 5 => j.group_instance_id = None,
        RequestKind::SyncGroup(g) if version < 5 => {
            g.protocol_type = None;
            g.protocol_name = None;
            if version < 3 {
                g.group_instance_id = None;
            }
        }
        RequestKind::Heartbeat(h) if version < 3 => h.group_instance_id = None,
        // v0-v2 name one member; our clients leave one at a time.
        RequestKind::LeaveGroup(l) if version < 3 => {
            if let Some(m) = l.members.drain(..).next() {
                l.member_id = m.member_id;
            }
        }
        // v0-v2 cannot bump an epoch (KIP-360): the broker hands out a new producer id instead.
        RequestKind::InitProducerId(i) if version < 3 => {
            i.producer_id = kafka_protocol::messages::ProducerId(-1);
            i.producer_epoch = -1;
        }
        // v0-v2 carry no consumer generation (KIP-447): the group coordinator does not check it.
        RequestKind::TxnOffsetCommit(t) if version < 3 => {
            t.generation_id = -1;
            t.member_id = StrBytes::default();
            t.group_instance_id = None;
            if version < 2 {
                for p in t.topics.iter_mut().flat_map(|t| t.partitions.iter_mut()) {
                    p.committed_leader_epoch = -1;
                }
            }
        }
        // v8 batches groups; v1-v7 name one group (our clients ask for one at a time).
        RequestKind::OffsetFetch(o) if version < 8 => {
            if let Some(g) = o.groups.drain(..).next() {
                o.group_id = g.group_id;
                o.topics = g.topics.map(|ts| {
                    ts.into_iter()
                        .map(|t| {
                            kafka_protocol::messages::offset_fetch_request::OffsetFetchRequestTopic::default()
                                .with_name(t.name)
                                .with_partition_indexes(t.partition_indexes)
                        })
                        .collect()
                });
            }
            if version < 7 {
                o.require_stable = false;
            }
        }
        RequestKind::OffsetCommit(o) => {
            if version < 7 {
                o.group_instance_id = None;
            }
            if version < 6 {
                for p in o.topics.iter_mut().flat_map(|t| t.partitions.iter_mut()) {
                    p.committed_leader_epoch = -1;
                }
            }
        }
        // The filters came with v4 (states) and v5 (types); the caller filters what older brokers list.
        RequestKind::ListGroups(l) if version < 5 => {
            l.types_filter.clear();
            if version < 4 {
                l.states_filter.clear();
            }
        }
        RequestKind::DescribeGroups(d) if version < 3 => d.include_authorized_operations = false,
        RequestKind::DeleteTopics(d) if version < 6 => {
            let topics = std::mem::take(&mut d.topics);
            d.topic_names.extend(topics.into_iter().filter_map(|t| t.name));
        }
        _ => {}
    }
}
