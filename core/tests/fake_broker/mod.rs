//! A minimal test-only TCP server over the real broker state machine, so the TCP
//! client can be tested before (and independently of) `kafkette serve`: a thread
//! accepts, a thread per connection reads and decodes requests with kafka-protocol
//! and feeds them to one shared `Broker`, a timer thread runs the broker's
//! deadlines, and responses are routed to the connection that asked.
//!
//! Faults for tests: advertise lower max versions in ApiVersions, close the
//! connection when a given API arrives (mid-request), kill every connection, and
//! stop and restart the listener on the same port (a broker restart).
//!
//! With several nodes (`with_nodes`) it listens on one port per node id and
//! rewrites Metadata so that node `p % n` leads partition `p`; all nodes share the
//! one broker state, and requests that reach a node that does not lead their
//! partition are counted (`misrouted`).

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{RequestHeader, RequestKind, ResponseHeader, ResponseKind};
use kafka_protocol::protocol::Encodable;
use kafkette::broker::{Broker, BrokerConfig};
use kafkette::local::wall_clock_ms;
use kafkette::protocol::{ApiKey, ConnId, Request, Response};

#[derive(Default)]
pub struct Faults {
    /// ApiVersions answers at most this max version for these keys.
    pub max_versions: HashMap<i16, i16>,
    /// Close the connection, unanswered, when a request of this key arrives (this many times).
    pub close_on: Option<(ApiKey, usize)>,
    /// Never answer a request of this key (this many times), keeping the connection open.
    pub ignore_on: Option<(ApiKey, usize)>,
    /// Answer every request of this key (Metadata or ApiVersions) with a response whose first
    /// array claims 2^31-1 elements (a hostile or broken broker): a client decoding it unguarded
    /// aborts.
    pub hostile_count: Option<ApiKey>,
}

struct Shared {
    broker: Broker,
    outboxes: HashMap<ConnId, Sender<Response>>,
    streams: HashMap<ConnId, TcpStream>,
    next_conn: ConnId,
    faults: Faults,
    /// (api key, version) of every request received, in order.
    seen: Vec<(i16, i16)>,
    accepted: usize,
    /// Listening port of each node id.
    ports: Vec<u16>,
    /// Produce, Fetch and ListOffsets partitions that reached a node not leading them.
    misrouted: usize,
    /// (node, api key) of every request received.
    by_node: Vec<(usize, i16)>,
}

impl Shared {
    fn route(&mut self) {
        while let Some(mut r) = self.broker.poll_response() {
            if let (ResponseKind::Metadata(m), true) = (&mut r.body, self.ports.len() > 1) {
                let n = self.ports.len() as i32;
                m.brokers = self
                    .ports
                    .iter()
                    .enumerate()
                    .map(|(i, port)| {
                        kafka_protocol::messages::metadata_response::MetadataResponseBroker::default()
                            .with_node_id(kafka_protocol::messages::BrokerId(i as i32))
                            .with_host(kafka_protocol::protocol::StrBytes::from_static_str("127.0.0.1"))
                            .with_port(i32::from(*port))
                    })
                    .collect();
                for t in &mut m.topics {
                    for p in &mut t.partitions {
                        p.leader_id = kafka_protocol::messages::BrokerId(p.partition_index % n);
                    }
                }
            }
            if let Some(tx) = self.outboxes.get(&r.conn) {
                let _ = tx.send(r);
            }
        }
        while let Some(c) = self.broker.poll_close() {
            if let Some(s) = self.streams.get(&c) {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
    }
}

pub struct FakeBroker {
    /// Node 0's port (the bootstrap).
    pub port: u16,
    shared: Arc<Mutex<Shared>>,
    running: Arc<AtomicBool>,
    acceptors: Vec<JoinHandle<()>>,
    alive: Arc<AtomicBool>,
}

impl FakeBroker {
    pub fn start() -> FakeBroker {
        FakeBroker::with_faults(Faults::default())
    }

    pub fn with_faults(faults: Faults) -> FakeBroker {
        FakeBroker::with_nodes(1, faults)
    }

    pub fn with_nodes(nodes: usize, faults: Faults) -> FakeBroker {
        let listeners: Vec<TcpListener> = (0..nodes).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
        let ports: Vec<u16> = listeners.iter().map(|l| l.local_addr().unwrap().port()).collect();
        let port = ports[0];
        let config = BrokerConfig { port: i32::from(port), ..BrokerConfig::default() };
        let shared = Arc::new(Mutex::new(Shared {
            broker: Broker::new(config, wall_clock_ms()),
            outboxes: HashMap::new(),
            streams: HashMap::new(),
            next_conn: 1,
            faults,
            seen: Vec::new(),
            accepted: 0,
            ports,
            misrouted: 0,
            by_node: Vec::new(),
        }));
        let alive = Arc::new(AtomicBool::new(true));
        {
            let (shared, alive) = (shared.clone(), alive.clone());
            std::thread::spawn(move || {
                while alive.load(Ordering::Relaxed) {
                    {
                        let mut st = shared.lock().unwrap();
                        let now = wall_clock_ms();
                        if st.broker.poll_timeout().is_some_and(|t| t <= now) {
                            st.broker.handle_timeout(now);
                            st.route();
                        }
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
            });
        }
        let mut fb =
            FakeBroker { port, shared, running: Arc::new(AtomicBool::new(false)), acceptors: Vec::new(), alive };
        fb.running = Arc::new(AtomicBool::new(true));
        for (node, l) in listeners.into_iter().enumerate() {
            fb.listen(l, node);
        }
        fb
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn listen(&mut self, listener: TcpListener, node: usize) {
        listener.set_nonblocking(true).unwrap();
        let running = self.running.clone();
        let shared = self.shared.clone();
        self.acceptors.push(std::thread::spawn(move || {
            while running.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        serve(shared.clone(), stream, node);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(2)),
                }
            }
        }));
    }

    /// Closes every client connection (the listener stays).
    pub fn kill_connections(&self) {
        let mut st = self.shared.lock().unwrap();
        for (_, s) in st.streams.drain() {
            let _ = s.shutdown(Shutdown::Both);
        }
    }

    /// Stops listening and closes every connection: the broker is down.
    pub fn stop(&mut self) {
        self.running.store(false, Ordering::Relaxed);
        for a in self.acceptors.drain(..) {
            a.join().unwrap();
        }
        self.kill_connections();
    }

    /// Listens again on the same port, with the same broker state (a restart with its data kept).
    pub fn restart(&mut self) {
        self.running = Arc::new(AtomicBool::new(true));
        let ports = self.shared.lock().unwrap().ports.clone();
        for (node, port) in ports.into_iter().enumerate() {
            self.listen(TcpListener::bind(("127.0.0.1", port)).unwrap(), node);
        }
    }

    /// Partitions that reached a node not leading them.
    pub fn misrouted(&self) -> usize {
        self.shared.lock().unwrap().misrouted
    }

    /// How many requests of `key` node `node` received.
    pub fn requests_at(&self, node: usize, key: ApiKey) -> usize {
        self.shared.lock().unwrap().by_node.iter().filter(|(n, k)| *n == node && *k == key as i16).count()
    }

    pub fn seen(&self) -> Vec<(i16, i16)> {
        self.shared.lock().unwrap().seen.clone()
    }

    /// The versions requests of `key` arrived at.
    pub fn versions_seen(&self, key: ApiKey) -> Vec<i16> {
        self.seen().into_iter().filter(|(k, _)| *k == key as i16).map(|(_, v)| v).collect()
    }

    pub fn connections_accepted(&self) -> usize {
        self.shared.lock().unwrap().accepted
    }

    pub fn with_broker<R>(&self, f: impl FnOnce(&mut Broker) -> R) -> R {
        f(&mut self.shared.lock().unwrap().broker)
    }
}

impl Drop for FakeBroker {
    fn drop(&mut self) {
        self.stop();
        self.alive.store(false, Ordering::Relaxed);
    }
}

fn serve(shared: Arc<Mutex<Shared>>, stream: TcpStream, node: usize) {
    let (tx, rx) = channel::<Response>();
    let conn = {
        let mut st = shared.lock().unwrap();
        let conn = st.next_conn;
        st.next_conn += 1;
        st.accepted += 1;
        st.outboxes.insert(conn, tx);
        st.streams.insert(conn, stream.try_clone().unwrap());
        conn
    };
    let mut writer = stream.try_clone().unwrap();
    let faults = shared.clone();
    std::thread::spawn(move || {
        for resp in rx {
            let mut buf = BytesMut::new();
            buf.put_i32(0);
            ResponseHeader::default()
                .with_correlation_id(resp.correlation_id)
                .encode(&mut buf, resp.api_key.response_header_version(resp.api_version))
                .unwrap();
            let body_at = buf.len();
            resp.body.encode(&mut buf, resp.api_version).unwrap();
            if faults.lock().unwrap().faults.hostile_count == Some(resp.api_key) {
                let body = hostile_count(&buf[body_at..], resp.api_key, resp.api_version);
                buf.truncate(body_at);
                buf.extend_from_slice(&body);
            }
            let len = (buf.len() - 4) as i32;
            buf[..4].copy_from_slice(&len.to_be_bytes());
            if writer.write_all(&buf).is_err() {
                return;
            }
        }
    });
    std::thread::spawn(move || {
        let mut reader = stream;
        loop {
            let mut len = [0u8; 4];
            if reader.read_exact(&mut len).is_err() {
                break;
            }
            let mut frame = vec![0u8; i32::from_be_bytes(len) as usize];
            if reader.read_exact(&mut frame).is_err() {
                break;
            }
            let mut frame = Bytes::from(frame);
            let header = kafka_protocol::protocol::decode_request_header_from_buffer(&mut frame).unwrap();
            let key = ApiKey::try_from(header.request_api_key).unwrap();
            let version = header.request_api_version;
            let body = RequestKind::decode(key, &mut frame, version).unwrap();
            let mut st = shared.lock().unwrap();
            st.seen.push((header.request_api_key, version));
            st.by_node.push((node, header.request_api_key));
            let n = st.ports.len();
            st.misrouted += partitions_of(&body).into_iter().filter(|p| *p as usize % n != node).count();
            if let Some((k, n)) = st.faults.close_on {
                if k == key && n > 0 {
                    st.faults.close_on = Some((k, n - 1));
                    let _ = reader.shutdown(Shutdown::Both);
                    break;
                }
            }
            if let Some((k, n)) = st.faults.ignore_on {
                if k == key && n > 0 {
                    st.faults.ignore_on = Some((k, n - 1));
                    // Everything after it on this connection waits too, as behind a stuck request.
                    drop(st);
                    let mut sink = [0u8; 4096];
                    while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
                    break;
                }
            }
            let mut request = request(header, body);
            // An older broker does not know our ApiVersions version: it answers v0 with
            // UNSUPPORTED_VERSION (KIP-511), which the real broker does for any version above its own.
            let cap = st.faults.max_versions.get(&(ApiKey::ApiVersions as i16)).copied();
            if key == ApiKey::ApiVersions && cap.is_some_and(|cap| version > cap) {
                request.api_version = i16::MAX;
            }
            st.broker.handle_request(conn, request, wall_clock_ms());
            if key == ApiKey::ApiVersions {
                cap_versions(&mut st);
            }
            st.route();
        }
        let mut st = shared.lock().unwrap();
        st.outboxes.remove(&conn);
        st.streams.remove(&conn);
        st.broker.handle_disconnect(conn);
    });
}

/// A response body with its first array count replaced by 2^31-1, in the encoding of `version`
/// (compact in flexible versions: unsigned varint of count + 1): Metadata's brokers (after the
/// throttle time, v3+), ApiVersions' api_keys (after the error code).
pub fn hostile_count(body: &[u8], key: ApiKey, version: i16) -> Vec<u8> {
    let (at, compact) = match key {
        ApiKey::Metadata if version >= 3 => (4, version >= 9),
        ApiKey::ApiVersions => (2, version >= 3),
        _ => panic!("no hostile count for {key:?} v{version}"),
    };
    let (count_len, hostile): (usize, &[u8]) = if compact {
        let len = body[at..].iter().position(|b| b & 0x80 == 0).unwrap() + 1;
        (len, &[0x80, 0x80, 0x80, 0x80, 0x08])
    } else {
        (4, &[0x7f, 0xff, 0xff, 0xff])
    };
    [&body[..at], hostile, &body[at + count_len..]].concat()
}

/// The partitions a partition-led request is about.
fn partitions_of(body: &RequestKind) -> Vec<i32> {
    match body {
        RequestKind::Produce(r) => r.topic_data.iter().flat_map(|t| t.partition_data.iter().map(|p| p.index)).collect(),
        RequestKind::Fetch(r) => r.topics.iter().flat_map(|t| t.partitions.iter().map(|p| p.partition)).collect(),
        RequestKind::ListOffsets(r) => {
            r.topics.iter().flat_map(|t| t.partitions.iter().map(|p| p.partition_index)).collect()
        }
        _ => Vec::new(),
    }
}

fn request(header: RequestHeader, body: RequestKind) -> Request {
    Request {
        api_version: header.request_api_version,
        correlation_id: header.correlation_id,
        client_id: header.client_id.map(|c| c.to_string()),
        body,
    }
}

/// Lowers the max versions of the ApiVersions answer just produced, as the faults say.
fn cap_versions(st: &mut Shared) {
    let mut held = Vec::new();
    while let Some(mut r) = st.broker.poll_response() {
        if let ResponseKind::ApiVersions(av) = &mut r.body {
            for k in &mut av.api_keys {
                if let Some(max) = st.faults.max_versions.get(&k.api_key) {
                    k.max_version = (*max).min(k.max_version);
                    if k.max_version < k.min_version {
                        k.min_version = 0; // an old broker: it speaks the old versions
                    }
                }
            }
        }
        held.push(r);
    }
    for r in held {
        if let Some(tx) = st.outboxes.get(&r.conn) {
            let _ = tx.send(r);
        }
    }
}
