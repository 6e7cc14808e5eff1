//! The tokio server: an accept loop, one task per connection, one timer task, one shared broker.
//!
//! Each connection reads frames, decodes them (`codec`, which guards the decoder) and hands the
//! requests to the broker under a mutex, stamped with the system clock. The broker keeps each
//! connection's responses in request order (a parked Fetch holds back the requests behind it), so
//! the connection's writer sends them as they come out of its channel. The timer task sleeps until
//! `broker.poll_timeout()` (parked fetch expiry, retention) or until a request may have changed it.
//! A connection the broker wants closed (`poll_close`) is closed; a closed connection is reported
//! with `handle_disconnect`. Bad frames and refused requests close the connection with one log
//! line on stderr naming the peer.
//!
//! With several listeners (`kafkette serve --brokers N`) each is one node of the broker
//! (`BrokerConfig::nodes`): node ids `node_id`, `node_id + 1`, ..., and the broker answers a
//! connection as the node whose listener accepted it.
//!
//! The broker and the routing of its responses are a [`Cluster`]'s hub (`local::hub`): a server
//! serves a cluster, so in-process clients of that cluster (`Cluster::listen`,
//! [`BackgroundServer::cluster`]) and TCP clients share topics, records and parked fetches.
//!
//! Bounded: frames by `socket.request.max.bytes`, requests awaiting a response on one connection by
//! [`CONN_IN_FLIGHT_REQUESTS_MAX`] (the reader stops reading until the writer catches up).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot, Semaphore};
use tokio::task::JoinSet;

use super::codec;
use super::frame::{read_frame, FrameError};
use crate::broker::{Broker, BrokerConfig};
use crate::local::{wall_clock_ms, Cluster, Shared};
use crate::protocol::{ConnId, RequestKind, Response};

/// Most requests one connection may have awaiting a response; the reader waits beyond it.
pub const CONN_IN_FLIGHT_REQUESTS_MAX: usize = 100;

/// How long the accept loop pauses after a failed accept (out of file descriptors, say).
const ACCEPT_RETRY_MS: u64 = 100;

/// What a connection's writer receives.
pub(crate) enum Out {
    Response(Box<Response>),
    /// The broker wants the connection closed.
    Close,
}

/// Bound listeners (one per node) and their broker, not yet serving.
pub struct Server {
    /// Each listener with the node id it serves.
    listeners: Vec<(TcpListener, i32)>,
    shared: Arc<Shared>,
}

/// The addresses of `brokers` listeners starting from `addr`: consecutive ports, or every one
/// ephemeral when `addr`'s port is 0.
pub fn node_addrs(addr: SocketAddr, brokers: u16) -> Vec<SocketAddr> {
    (0..brokers.max(1))
        .map(|i| {
            let port = if addr.port() == 0 { 0 } else { addr.port().saturating_add(i) };
            SocketAddr::new(addr.ip(), port)
        })
        .collect()
}

impl Server {
    /// Binds `addr` and creates the broker. Metadata advertises the bound port, and as host
    /// `advertised_host` if given, else a host set in `config` (`advertised.listeners`), else the
    /// listening address unless it is a wildcard, else 127.0.0.1.
    pub async fn bind(
        config: BrokerConfig,
        addr: impl ToSocketAddrs,
        advertised_host: Option<String>,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        Server::with_listeners(config, vec![listener], advertised_host)
    }

    /// Binds one listener per address, each a node of one broker (`--brokers N`): node ids from
    /// `config.node_id` up, partition leaders spread across them.
    pub async fn bind_nodes(
        config: BrokerConfig,
        addrs: &[SocketAddr],
        advertised_host: Option<String>,
    ) -> io::Result<Server> {
        let mut listeners = Vec::with_capacity(addrs.len());
        for addr in addrs {
            listeners.push(TcpListener::bind(addr).await?);
        }
        Server::with_listeners(config, listeners, advertised_host)
    }

    fn with_listeners(
        mut config: BrokerConfig,
        listeners: Vec<TcpListener>,
        advertised_host: Option<String>,
    ) -> io::Result<Server> {
        let first = listeners.first().ok_or_else(|| io::Error::other("no address to listen on"))?.local_addr()?;
        config.host = advertised_host.unwrap_or_else(|| host_to_advertise(&config, first));
        config.port = first.port() as i32;
        let mut nodes = Vec::with_capacity(listeners.len());
        let mut tagged = Vec::with_capacity(listeners.len());
        for (i, listener) in listeners.into_iter().enumerate() {
            let node = config.node_id.saturating_add(i as i32);
            nodes.push((node, config.host.clone(), listener.local_addr()?.port() as i32));
            tagged.push((listener, node));
        }
        config.nodes = if nodes.len() > 1 { nodes } else { Vec::new() };
        let cluster = Cluster::from_config(config);
        Ok(Server { listeners: tagged, shared: cluster.shared().clone() })
    }

    /// The cluster this server serves: its in-process clients reach the same broker.
    pub fn cluster(&self) -> Cluster {
        Cluster::from_shared(self.shared.clone())
    }

    /// The first listener's address (node `node_id`).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listeners[0].0.local_addr()
    }

    /// Every listener's address, in node order.
    pub fn local_addrs(&self) -> io::Result<Vec<SocketAddr>> {
        self.listeners.iter().map(|(l, _)| l.local_addr()).collect()
    }

    /// Serves until `shutdown` completes, then closes every connection.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let Server { listeners, shared } = self;
        shared.lock().listening = true;
        let mut tasks = JoinSet::new();
        tasks.spawn(timer(shared.clone()));
        let (accepted_tx, mut accepted) = mpsc::channel(64);
        for (listener, node) in listeners {
            tasks.spawn(accept_loop(listener, node, accepted_tx.clone()));
        }
        drop(accepted_tx);
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                Some((stream, peer, node)) = accepted.recv() => {
                    tasks.spawn(connection(shared.clone(), stream, peer, node));
                }
                // Reap finished connections (the timer and accept tasks never finish).
                Some(_) = tasks.join_next() => {}
            }
        }
        // Dropping the connection tasks closes their sockets and their routes in the hub.
        tasks.shutdown().await;
        shared.lock().listening = false;
        Ok(())
    }
}

/// Accepts connections for one node and hands them to the serving loop.
async fn accept_loop(listener: TcpListener, node: i32, accepted: mpsc::Sender<(TcpStream, SocketAddr, i32)>) {
    loop {
        match listener.accept().await {
            Ok((stream, peer)) => {
                if accepted.send((stream, peer, node)).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                eprintln!("kafkette: accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(ACCEPT_RETRY_MS)).await;
            }
        }
    }
}

/// Binds `addr` and serves until `shutdown` completes.
pub async fn serve(
    config: BrokerConfig,
    addr: impl ToSocketAddrs,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    Server::bind(config, addr, None).await?.run(shutdown).await
}

/// Completes parked fetches at their deadlines and runs retention.
async fn timer(shared: Arc<Shared>) {
    loop {
        let notified = shared.hub.deadline_moved.notified();
        let deadline = shared.lock().broker.poll_timeout();
        let Some(deadline) = deadline else {
            notified.await;
            continue;
        };
        let wait = Duration::from_millis(deadline.saturating_sub(wall_clock_ms()).max(0) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {
                let mut st = shared.lock();
                if st.run_broker_timers(wall_clock_ms()) {
                    shared.hub.responses_ready.notify_all();
                }
            }
            _ = notified => {}
        }
    }
}

/// A TCP connection's route in the hub, closed (and reported to the broker) when dropped: also
/// when the server shuts down and drops the connection's task.
struct Registered<'a> {
    shared: &'a Shared,
    conn: ConnId,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.shared.lock().close(self.conn);
    }
}

async fn connection(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr, node: i32) {
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let (tx, rx) = mpsc::unbounded_channel();
    let (conn, request_max_bytes) = {
        let mut st = shared.lock();
        let conn = st.open_wire(tx);
        st.broker.set_connection_node(conn, node);
        st.broker.set_connection_host(conn, peer.ip().to_string());
        (conn, st.broker.config().socket_request_max_bytes)
    };
    let registered = Registered { shared: &shared, conn };
    let in_flight = Arc::new(Semaphore::new(CONN_IN_FLIGHT_REQUESTS_MAX));
    let problem = tokio::select! {
        p = read_loop(&shared, conn, rd, request_max_bytes, &in_flight) => p,
        p = write_loop(rx, wr, &in_flight) => p,
    };
    drop(registered);
    if let Some(problem) = problem {
        eprintln!("kafkette: connection from {peer}: {problem}; closed");
    }
}

/// Reads requests until the peer closes (`None`) or sends something to refuse (the reason).
async fn read_loop(
    shared: &Shared,
    conn: ConnId,
    mut rd: OwnedReadHalf,
    request_max_bytes: i32,
    in_flight: &Semaphore,
) -> Option<String> {
    loop {
        let frame = match read_frame(&mut rd, request_max_bytes).await {
            Ok(frame) => frame,
            Err(FrameError::Closed) => return None,
            Err(e) => return Some(e.to_string()),
        };
        let correlation_id = codec::correlation_id(&frame);
        let request = match codec::decode_request(frame) {
            Ok(r) => r,
            Err(e) => return Some(format!("{e} (correlation id {})", correlation_id.unwrap_or(-1))),
        };
        // Produce with acks=0 gets no response, so it takes no response slot.
        let silent = matches!(&request.body, RequestKind::Produce(p) if p.acks == 0);
        if !silent {
            match in_flight.acquire().await {
                Ok(permit) => permit.forget(),
                Err(_) => return None,
            }
        }
        {
            let mut st = shared.lock();
            st.broker.handle_request(conn, request, wall_clock_ms());
            // A produce may release an in-process client's parked fetch.
            if st.route() {
                shared.hub.responses_ready.notify_all();
            }
        }
        shared.hub.deadline_moved.notify_one();
    }
}

/// Writes responses in the order the broker emits them; returns why it stopped, if not because
/// the connection went away.
async fn write_loop(mut rx: mpsc::UnboundedReceiver<Out>, wr: OwnedWriteHalf, in_flight: &Semaphore) -> Option<String> {
    let mut wr = BufWriter::new(wr);
    while let Some(out) = rx.recv().await {
        let response = match out {
            Out::Response(r) => r,
            Out::Close => {
                let _ = wr.flush().await;
                return Some("the broker closed it (a failed acks=0 produce or an unanswerable request)".into());
            }
        };
        let frame = match codec::encode_response(&response) {
            Ok(f) => f,
            Err(e) => {
                let (key, v) = (response.api_key, response.api_version);
                return Some(format!("cannot encode the {key:?} v{v} response: {e}"));
            }
        };
        if let Err(e) = wr.write_all(&frame).await {
            return Some(format!("write failed: {e}"));
        }
        in_flight.add_permits(1);
        if rx.is_empty() {
            if let Err(e) = wr.flush().await {
                return Some(format!("write failed: {e}"));
            }
        }
    }
    None
}

/// The address a listener bound to `bound` advertises: the configured host if one was set, else
/// the listening address unless it is a wildcard, else the broker's default (127.0.0.1).
fn host_to_advertise(config: &BrokerConfig, bound: SocketAddr) -> String {
    let configured = config.host != BrokerConfig::default().host;
    if !configured && !bound.ip().is_unspecified() {
        bound.ip().to_string()
    } else {
        config.host.clone()
    }
}

/// A server running on its own thread and single-threaded runtime until stopped (or dropped).
pub(crate) struct ServerThread {
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl ServerThread {
    fn spawn(runtime: tokio::runtime::Runtime, server: Server) -> io::Result<ServerThread> {
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("kafkette-net".into()).spawn(move || {
            runtime.block_on(server.run(async {
                let _ = stopped.await;
            }))
        })?;
        Ok(ServerThread { stop: Some(stop), thread: Some(thread) })
    }

    /// Serves an existing cluster's broker on `addr` (`Cluster::listen`), advertising the bound port.
    pub(crate) fn listen(shared: Arc<Shared>, addr: &str) -> io::Result<(ServerThread, SocketAddr)> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let listener = runtime.block_on(TcpListener::bind(addr))?;
        let bound = listener.local_addr()?;
        let node = {
            let mut st = shared.lock();
            let host = host_to_advertise(st.broker.config(), bound);
            st.broker.set_advertised(host, i32::from(bound.port()));
            st.broker.config().node_id
        };
        let server = Server { listeners: vec![(listener, node)], shared };
        Ok((ServerThread::spawn(runtime, server)?, bound))
    }

    fn stop_and_join(&mut self) -> io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.thread.take().map(|t| t.join()) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the server thread panicked")),
            None => Ok(()),
        }
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}

/// A server on its own thread and single-threaded runtime, for tests and for embedders that have
/// no tokio runtime. Dropping it shuts the server down.
pub struct BackgroundServer {
    addr: SocketAddr,
    addrs: Vec<SocketAddr>,
    cluster: Cluster,
    thread: ServerThread,
}

impl BackgroundServer {
    /// Binds `addr` (`127.0.0.1:0` for an ephemeral port) and starts serving.
    pub fn start(config: BrokerConfig, addr: &str) -> io::Result<BackgroundServer> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let server = runtime.block_on(Server::bind(config, addr, None))?;
        BackgroundServer::run(runtime, server)
    }

    /// `brokers` nodes of one broker, listening from `addr` on (see [`node_addrs`]).
    pub fn start_nodes(config: BrokerConfig, addr: SocketAddr, brokers: u16) -> io::Result<BackgroundServer> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let server = runtime.block_on(Server::bind_nodes(config, &node_addrs(addr, brokers), None))?;
        BackgroundServer::run(runtime, server)
    }

    fn run(runtime: tokio::runtime::Runtime, server: Server) -> io::Result<BackgroundServer> {
        let addrs = server.local_addrs()?;
        let addr = addrs[0];
        let cluster = server.cluster();
        let thread = ServerThread::spawn(runtime, server)?;
        Ok(BackgroundServer { addr, addrs, cluster, thread })
    }

    /// The first node's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every node's address, in node order.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// What to put in `bootstrap.servers`: every node, comma-separated.
    pub fn bootstrap_servers(&self) -> String {
        self.addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(",")
    }

    /// The served cluster, for in-process clients of the same broker.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// Reads the broker's state (for tests and inspection).
    pub fn with_broker<R>(&self, f: impl FnOnce(&Broker) -> R) -> R {
        self.cluster.with_broker(f)
    }

    /// Stops accepting, closes every connection and waits for the server thread.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.thread.stop_and_join()
    }
}
