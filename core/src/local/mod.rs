//! The in-process driver: a broker and its clients in one process, with a plain
//! blocking Rust API (no async runtime needed by the user).
//!
//! A [`Cluster`] owns the broker state machine behind a mutex (`hub`, which also
//! routes responses to TCP connections once [`Cluster::listen`] serves the same
//! broker on a socket). Each client wraps
//! its sans-IO state machine in a [`Driver`] over a transport (`transport.rs`): in
//! process, requests go straight to the broker (no encoding: the same request and
//! response types the wire carries) and the driver waits on a condition variable
//! for responses that come later (a Fetch parked until data arrives); with
//! `host:port` in `bootstrap.servers` the same blocking clients run over TCP
//! (`net::client`). Drivers may read the clock; state machines never do.

mod admin;
mod consumer;
pub(crate) mod hub;
mod producer;
mod transport;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use admin::{Admin, GroupLag, TopicSelection};
pub use consumer::Consumer;
pub use producer::Producer;

use crate::broker::{Broker, BrokerConfig};
use crate::client::ClientMachine;
use crate::error::{Error, Result};
use crate::protocol::{ConnId, Millis};
use hub::{Hub, State};

pub(crate) use transport::LinkConfig;
use transport::{InProcess, Link, Transport};

/// The scheme of in-process bootstrap addresses (`inproc://cluster-1`).
pub const INPROC_SCHEME: &str = "inproc://";

/// Requests in flight per connection for clients without the setting (consumer, admin):
/// Kafka's default `max.in.flight.requests.per.connection`.
pub(crate) const MAX_IN_FLIGHT_DEFAULT: usize = 5;

/// In-process clusters by name, so a client configured only with
/// `bootstrap.servers` (as every Kafka client is) finds its broker.
static REGISTRY: Mutex<Option<HashMap<String, Weak<Shared>>>> = Mutex::new(None);
static NEXT_CLUSTER: AtomicU64 = AtomicU64::new(1);

fn registry() -> MutexGuard<'static, Option<HashMap<String, Weak<Shared>>>> {
    REGISTRY.lock().unwrap_or_else(|p| p.into_inner())
}

/// Wall-clock milliseconds since the Unix epoch: record timestamps are CreateTime.
pub fn wall_clock_ms() -> Millis {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as Millis).unwrap_or(0)
}

pub(crate) struct Shared {
    name: String,
    pub(crate) hub: Hub,
    /// Live `Cluster` handles (clients hold `Shared` but no handle): the listener stops at zero.
    handles: AtomicUsize,
    /// `host:port` once `listen` bound it.
    tcp_addr: OnceLock<String>,
    #[cfg(not(target_arch = "wasm32"))]
    listener: Mutex<Option<crate::net::server::ServerThread>>,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(map) = registry().as_mut() {
            map.remove(&self.name);
        }
    }
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.hub.lock()
    }
}

/// An in-process kafkette broker. Cheap to clone (a handle); the broker lives as
/// long as any handle or client does. It can also serve TCP clients ([`Cluster::listen`]);
/// that listener stops with the last handle (or [`Cluster::close_listener`]).
pub struct Cluster {
    shared: Arc<Shared>,
}

impl Clone for Cluster {
    fn clone(&self) -> Self {
        Cluster::from_shared(self.shared.clone())
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.shared.handles.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.close_listener();
        }
    }
}

impl Cluster {
    /// A broker with default configuration.
    pub fn new() -> Cluster {
        Cluster::from_config(BrokerConfig::default())
    }

    /// A broker configured with Kafka broker property names (`num.partitions`, `log.retention.ms`, ...).
    pub fn with_config<I, K, V>(pairs: I) -> Result<Cluster>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Ok(Cluster::from_config(BrokerConfig::from_pairs(pairs)?))
    }

    pub fn from_config(config: BrokerConfig) -> Cluster {
        let broker = Broker::new(config, wall_clock_ms());
        let name = format!("{INPROC_SCHEME}cluster-{}", NEXT_CLUSTER.fetch_add(1, Ordering::Relaxed));
        let shared = Arc::new(Shared {
            name: name.clone(),
            hub: Hub::new(broker),
            handles: AtomicUsize::new(0),
            tcp_addr: OnceLock::new(),
            #[cfg(not(target_arch = "wasm32"))]
            listener: Mutex::new(None),
        });
        registry().get_or_insert_with(HashMap::new).insert(name, Arc::downgrade(&shared));
        Cluster::from_shared(shared)
    }

    pub(crate) fn from_shared(shared: Arc<Shared>) -> Cluster {
        shared.handles.fetch_add(1, Ordering::AcqRel);
        Cluster { shared }
    }

    #[cfg(not(target_arch = "wasm32"))]
    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// What to put in `bootstrap.servers` for clients of this cluster: the TCP address
    /// (`127.0.0.1:PORT`) once [`Cluster::listen`] bound one, which every Kafka client can
    /// use, else the in-process name (`inproc://cluster-N`).
    pub fn bootstrap_servers(&self) -> &str {
        self.shared.tcp_addr.get().map_or(&self.shared.name, |a| a.as_str())
    }

    /// The in-process name (`inproc://cluster-N`), which [`Cluster::lookup`] finds, listening or not.
    pub fn inproc_name(&self) -> &str {
        &self.shared.name
    }

    /// Also serve this broker over TCP on `addr` (`127.0.0.1:0` for an ephemeral port), from a
    /// thread of its own: TCP clients and in-process clients see the same topics and records.
    /// Returns the bound address, which `bootstrap_servers` then gives and Metadata advertises.
    /// The listener and its connections stop with the last `Cluster` handle, or
    /// [`Cluster::close_listener`]. A cluster listens once: a second call (even after the
    /// listener closed) is a STATE error; an address that does not parse is INVALID_ARG, one that
    /// cannot be bound (in use, unknown host) IO.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn listen(&self, addr: &str) -> Result<std::net::SocketAddr> {
        let mut slot = self.shared.listener.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(at) = self.shared.tcp_addr.get() {
            return Err(Error::state(format!("a cluster listens once, and this one already listened on {at}")));
        }
        let (thread, bound) = crate::net::server::ServerThread::listen(self.shared.clone(), addr).map_err(|e| {
            let problem = format!("cannot listen on `{addr}`: {e}");
            match e.kind() {
                std::io::ErrorKind::InvalidInput => Error::invalid_arg(problem),
                _ => Error::new(crate::error::ErrorCode::IO, problem),
            }
        })?;
        let _ = self.shared.tcp_addr.set(bound.to_string());
        *slot = Some(thread);
        Ok(bound)
    }

    /// Stop the TCP listener, if any, closing its connections (in-process clients keep
    /// working). Done by the last handle's drop; bindings call it on an explicit close.
    pub fn close_listener(&self) {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let thread = self.shared.listener.lock().unwrap_or_else(|p| p.into_inner()).take();
            drop(thread);
        }
    }

    /// The live in-process cluster named by one of `bootstrap_servers`.
    pub fn lookup(bootstrap_servers: &[String]) -> Result<Cluster> {
        let map = registry();
        for server in bootstrap_servers {
            if let Some(shared) = map.as_ref().and_then(|m| m.get(server.trim())).and_then(Weak::upgrade) {
                return Ok(Cluster::from_shared(shared));
            }
        }
        let named = bootstrap_servers.join(",");
        let problem = if bootstrap_servers.iter().any(|s| s.starts_with(INPROC_SCHEME)) {
            format!("no in-process cluster named `{named}` is running in this process")
        } else {
            format!("`{named}` is not an in-process cluster (inproc://...)")
        };
        Err(Error::config("bootstrap.servers", problem))
    }

    /// A producer (Kafka producer property names).
    pub fn producer<I, K, V>(&self, config: I) -> Result<Producer>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Producer::with_config(self, crate::config::ProducerConfig::from_pairs(config)?)
    }

    /// A consumer (Kafka consumer property names).
    pub fn consumer<I, K, V>(&self, config: I) -> Result<Consumer>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Consumer::with_config(self, crate::config::ConsumerConfig::from_pairs(config)?)
    }

    /// An admin client (Kafka admin property names).
    pub fn admin<I, K, V>(&self, config: I) -> Result<Admin>
    where
        I: IntoIterator<Item = (K, V)>,
        K: AsRef<str>,
        V: AsRef<str>,
    {
        Admin::with_config(self, crate::config::AdminConfig::from_pairs(config)?)
    }

    /// Read the broker's state (for tests and inspection).
    pub fn with_broker<R>(&self, f: impl FnOnce(&Broker) -> R) -> R {
        f(&self.shared.lock().broker)
    }

    fn connect(&self) -> Connection {
        let conn = self.shared.lock().open_mailbox();
        Connection { shared: self.shared.clone(), conn }
    }
}

impl Default for Cluster {
    fn default() -> Self {
        Cluster::new()
    }
}

/// One client's connection to the in-process broker.
struct Connection {
    shared: Arc<Shared>,
    conn: ConnId,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.shared.lock().close(self.conn);
    }
}

/// Runs one client state machine over a transport (in-process or TCP), for the blocking wrappers.
pub(crate) struct Driver<M: ClientMachine> {
    pub(crate) machine: M,
    link: Link,
}

impl<M: ClientMachine> Driver<M> {
    /// A driver over `cluster`, whatever the configuration says.
    fn in_process(cluster: &Cluster, machine: M, client_id: Option<String>) -> Self {
        Driver { machine, link: Link::InProcess(InProcess::new(cluster, client_id)) }
    }

    /// A driver over the transport `bootstrap.servers` names.
    fn connect(machine: M, config: LinkConfig) -> Result<Self> {
        Ok(Driver { machine, link: Link::connect(config)? })
    }

    /// Hand every ready request to its broker and every waiting response to the
    /// machine, without blocking. Returns true if anything moved.
    #[inline]
    pub(crate) fn pump(&mut self, now: Millis) -> bool {
        self.link.pump(&mut self.machine, now)
    }

    /// Drive the machine until `done` holds or `timeout` passes, waiting for
    /// responses and deadlines in between. Returns whether `done` held.
    pub(crate) fn run_until(&mut self, timeout: Duration, mut done: impl FnMut(&mut M) -> bool) -> bool {
        let give_up = Instant::now() + timeout;
        loop {
            let now = wall_clock_ms();
            self.link.pump(&mut self.machine, now);
            if done(&mut self.machine) {
                return true;
            }
            let instant_now = Instant::now();
            if instant_now >= give_up {
                return false;
            }
            // Sleep until a response arrives, the machine has a deadline, or we give up.
            let mut wait = give_up - instant_now;
            if let Some(d) = self.machine.poll_timeout() {
                wait = wait.min(Duration::from_millis((d - now).max(0) as u64));
            }
            if !wait.is_zero() {
                self.link.wait(&self.machine, now, wait);
            }
        }
    }

    /// Pump until the transport has written everything the machine handed over (acks=0
    /// records are complete for the machine once handed over) or `timeout` passes.
    pub(crate) fn run_until_sent(&mut self, timeout: Duration) -> bool {
        let give_up = Instant::now() + timeout;
        loop {
            self.link.pump(&mut self.machine, wall_clock_ms());
            if !self.link.has_unsent() {
                return true;
            }
            let instant_now = Instant::now();
            if instant_now >= give_up {
                return false;
            }
            self.link.wait(&self.machine, wall_clock_ms(), give_up - instant_now);
        }
    }

    /// The transport's last connection problem, if any (added to timeout messages).
    pub(crate) fn transport_error(&self) -> Option<Error> {
        self.link.last_error()
    }

    pub(crate) fn transport_health(&self) -> TransportHealth {
        TransportHealth {
            errors: self.link.error_count(),
            all_down: self.link.all_down(),
            last_error: self.link.last_error(),
        }
    }
}

/// The TCP transport's connection problems so far, for librdkafka-style error callbacks:
/// report `last_error` when `errors` grew, and "all brokers down" while `all_down`.
/// In-process: no errors, never down.
#[derive(Clone, Debug, Default)]
pub struct TransportHealth {
    /// Connection problems seen since the client started (each failed attempt once).
    pub errors: u64,
    /// Every broker connection tried so far failed its last attempt.
    pub all_down: bool,
    pub last_error: Option<Error>,
}

/// Convert a user's timeout (negative or infinite means "no limit" in Kafka APIs) to a Duration.
pub fn timeout_from_secs(secs: f64) -> Duration {
    if !secs.is_finite() || secs < 0.0 {
        Duration::from_secs(365 * 24 * 3600)
    } else {
        Duration::from_secs_f64(secs)
    }
}
