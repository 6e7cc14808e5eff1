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
//! Bounded: frames by `socket.request.max.bytes`, requests awaiting a response on one connection by
//! [`CONN_IN_FLIGHT_REQUESTS_MAX`] (the reader stops reading until the writer catches up).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream, ToSocketAddrs};
use tokio::sync::{mpsc, oneshot, Notify, Semaphore};
use tokio::task::JoinSet;

use super::codec;
use super::frame::{read_frame, FrameError};
use crate::broker::{Broker, BrokerConfig};
use crate::local::wall_clock_ms;
use crate::protocol::{ConnId, RequestKind, Response};

/// Most requests one connection may have awaiting a response; the reader waits beyond it.
pub const CONN_IN_FLIGHT_REQUESTS_MAX: usize = 100;

/// How long the accept loop pauses after a failed accept (out of file descriptors, say).
const ACCEPT_RETRY_MS: u64 = 100;

/// What a connection's writer receives.
enum Out {
    Response(Box<Response>),
    /// The broker wants the connection closed.
    Close,
}

struct State {
    broker: Broker,
    conns: HashMap<ConnId, mpsc::UnboundedSender<Out>>,
    next_conn: ConnId,
}

impl State {
    /// Moves the broker's responses and closes to the connections' writers.
    fn route(&mut self) {
        while let Some(r) = self.broker.poll_response() {
            if let Some(tx) = self.conns.get(&r.conn) {
                let _ = tx.send(Out::Response(Box::new(r)));
            }
        }
        while let Some(c) = self.broker.poll_close() {
            if let Some(tx) = self.conns.get(&c) {
                let _ = tx.send(Out::Close);
            }
        }
    }
}

struct Shared {
    state: Mutex<State>,
    /// A request arrived: the broker's next deadline may have moved.
    deadline_moved: Notify,
    request_max_bytes: i32,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // Broker handlers do not panic by design; if one did, the broker is as it was between
        // two requests: keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A bound listener and its broker, not yet serving.
pub struct Server {
    listener: TcpListener,
    shared: Arc<Shared>,
}

impl Server {
    /// Binds `addr` and creates the broker. Metadata advertises the bound port, and as host
    /// `advertised_host` if given, else a host set in `config` (`advertised.listeners`), else the
    /// listening address unless it is a wildcard, else 127.0.0.1.
    pub async fn bind(
        mut config: BrokerConfig,
        addr: impl ToSocketAddrs,
        advertised_host: Option<String>,
    ) -> io::Result<Server> {
        let listener = TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        config.port = local.port() as i32;
        let configured = config.host != BrokerConfig::default().host;
        if let Some(host) = advertised_host {
            config.host = host;
        } else if !configured && !local.ip().is_unspecified() {
            config.host = local.ip().to_string();
        }
        let request_max_bytes = config.socket_request_max_bytes;
        let broker = Broker::new(config, wall_clock_ms());
        let state = State { broker, conns: HashMap::new(), next_conn: 1 };
        let shared = Arc::new(Shared { state: Mutex::new(state), deadline_moved: Notify::new(), request_max_bytes });
        Ok(Server { listener, shared })
    }

    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then closes every connection.
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let Server { listener, shared } = self;
        let mut tasks = JoinSet::new();
        tasks.spawn(timer(shared.clone()));
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                _ = &mut shutdown => break,
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        tasks.spawn(connection(shared.clone(), stream, peer));
                    }
                    Err(e) => {
                        eprintln!("kafkette: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(ACCEPT_RETRY_MS)).await;
                    }
                },
                // Reap finished connections (the timer task never finishes).
                Some(_) = tasks.join_next() => {}
            }
        }
        tasks.shutdown().await;
        Ok(())
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
        let notified = shared.deadline_moved.notified();
        let deadline = shared.lock().broker.poll_timeout();
        let Some(deadline) = deadline else {
            notified.await;
            continue;
        };
        let wait = Duration::from_millis(deadline.saturating_sub(wall_clock_ms()).max(0) as u64);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {
                let mut st = shared.lock();
                st.broker.handle_timeout(wall_clock_ms());
                st.route();
            }
            _ = notified => {}
        }
    }
}

async fn connection(shared: Arc<Shared>, stream: TcpStream, peer: SocketAddr) {
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let (tx, rx) = mpsc::unbounded_channel();
    let conn = {
        let mut st = shared.lock();
        let conn = st.next_conn;
        st.next_conn += 1;
        st.conns.insert(conn, tx);
        conn
    };
    let in_flight = Arc::new(Semaphore::new(CONN_IN_FLIGHT_REQUESTS_MAX));
    let problem = tokio::select! {
        p = read_loop(&shared, conn, rd, &in_flight) => p,
        p = write_loop(rx, wr, &in_flight) => p,
    };
    {
        let mut st = shared.lock();
        st.conns.remove(&conn);
        st.broker.handle_disconnect(conn);
    }
    if let Some(problem) = problem {
        eprintln!("kafkette: connection from {peer}: {problem}; closed");
    }
}

/// Reads requests until the peer closes (`None`) or sends something to refuse (the reason).
async fn read_loop(shared: &Shared, conn: ConnId, mut rd: OwnedReadHalf, in_flight: &Semaphore) -> Option<String> {
    loop {
        let frame = match read_frame(&mut rd, shared.request_max_bytes).await {
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
            st.route();
        }
        shared.deadline_moved.notify_one();
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

/// A server on its own thread and single-threaded runtime, for tests and for embedders that have
/// no tokio runtime. Dropping it shuts the server down.
pub struct BackgroundServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<io::Result<()>>>,
}

impl BackgroundServer {
    /// Binds `addr` (`127.0.0.1:0` for an ephemeral port) and starts serving.
    pub fn start(config: BrokerConfig, addr: &str) -> io::Result<BackgroundServer> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let server = runtime.block_on(Server::bind(config, addr, None))?;
        let addr = server.local_addr()?;
        let shared = server.shared.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name("kafkette-net".into()).spawn(move || {
            runtime.block_on(server.run(async {
                let _ = stopped.await;
            }))
        })?;
        Ok(BackgroundServer { addr, shared, stop: Some(stop), thread: Some(thread) })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// What to put in `bootstrap.servers`.
    pub fn bootstrap_servers(&self) -> String {
        self.addr.to_string()
    }

    /// Reads the broker's state (for tests and inspection).
    pub fn with_broker<R>(&self, f: impl FnOnce(&Broker) -> R) -> R {
        f(&self.shared.lock().broker)
    }

    /// Stops accepting, closes every connection and waits for the server thread.
    pub fn shutdown(mut self) -> io::Result<()> {
        self.stop_and_join()
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

impl Drop for BackgroundServer {
    fn drop(&mut self) {
        let _ = self.stop_and_join();
    }
}
