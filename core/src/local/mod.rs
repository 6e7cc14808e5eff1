//! The in-process driver: a broker and its clients in one process, with a plain
//! blocking Rust API (no async runtime needed by the user).
//!
//! A [`Cluster`] owns the broker state machine behind a mutex. Each client wraps
//! its sans-IO state machine in a [`Driver`] over a transport (`transport.rs`): in
//! process, requests go straight to the broker (no encoding: the same request and
//! response types the wire carries) and the driver waits on a condition variable
//! for responses that come later (a Fetch parked until data arrives); with
//! `host:port` in `bootstrap.servers` the same blocking clients run over TCP
//! (`net::client`). Drivers may read the clock; state machines never do.

mod admin;
mod consumer;
mod producer;
mod transport;

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use admin::Admin;
pub use consumer::Consumer;
pub use producer::Producer;

use crate::broker::{Broker, BrokerConfig};
use crate::client::ClientMachine;
use crate::error::{Error, Result};
use crate::protocol::{ConnId, Millis, Response};

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

struct State {
    broker: Broker,
    mailboxes: HashMap<ConnId, VecDeque<Response>>,
    next_conn: ConnId,
}

impl State {
    /// Move the broker's responses to the mailboxes of the connections that asked.
    fn route_responses(&mut self) -> bool {
        let mut any = false;
        while let Some(resp) = self.broker.poll_response() {
            if let Some(mb) = self.mailboxes.get_mut(&resp.conn) {
                mb.push_back(resp);
                any = true;
            }
        }
        any
    }

    fn run_broker_timers(&mut self, now: Millis) -> bool {
        if self.broker.poll_timeout().is_some_and(|t| t <= now) {
            self.broker.handle_timeout(now);
            return self.route_responses();
        }
        false
    }
}

struct Shared {
    name: String,
    state: Mutex<State>,
    responses_ready: Condvar,
}

impl Drop for Shared {
    fn drop(&mut self) {
        if let Some(map) = registry().as_mut() {
            map.remove(&self.name);
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in another thread while it held the lock leaves the broker as it was
        // between two requests (handlers do not panic by design); keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// An in-process kafkette broker. Cheap to clone (a handle); the broker lives as
/// long as any handle or client does.
#[derive(Clone)]
pub struct Cluster {
    shared: Arc<Shared>,
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
            state: Mutex::new(State { broker, mailboxes: HashMap::new(), next_conn: 1 }),
            responses_ready: Condvar::new(),
        });
        registry().get_or_insert_with(HashMap::new).insert(name, Arc::downgrade(&shared));
        Cluster { shared }
    }

    /// What to put in `bootstrap.servers` for clients of this cluster (`inproc://cluster-N`).
    pub fn bootstrap_servers(&self) -> &str {
        &self.shared.name
    }

    /// The live in-process cluster named by one of `bootstrap_servers`.
    pub fn lookup(bootstrap_servers: &[String]) -> Result<Cluster> {
        let map = registry();
        for server in bootstrap_servers {
            if let Some(shared) = map.as_ref().and_then(|m| m.get(server.trim())).and_then(Weak::upgrade) {
                return Ok(Cluster { shared });
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
        let mut st = self.shared.lock();
        let conn = st.next_conn;
        st.next_conn += 1;
        st.mailboxes.insert(conn, VecDeque::new());
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
        let mut st = self.shared.lock();
        st.mailboxes.remove(&self.conn);
        st.broker.handle_disconnect(self.conn);
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
}

/// Convert a user's timeout (negative or infinite means "no limit" in Kafka APIs) to a Duration.
pub fn timeout_from_secs(secs: f64) -> Duration {
    if !secs.is_finite() || secs < 0.0 {
        Duration::from_secs(365 * 24 * 3600)
    } else {
        Duration::from_secs_f64(secs)
    }
}
