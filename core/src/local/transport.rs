//! How the blocking clients' requests reach brokers: a [`Transport`] moves
//! requests out of a client state machine and responses and disconnects back in.
//! [`InProcess`] hands them to a [`Cluster`]'s broker under its lock; the TCP
//! transport (`net::client`) writes them to sockets. [`Link`] is the one a client
//! was configured with, chosen from `bootstrap.servers`.
//!
//! A transport owns the whole non-blocking exchange (`pump`), not just "send one
//! request": in-process, a burst of requests and the answers waiting for them cross
//! under a single lock, which keeps `send()` as cheap as it was before transports.

use std::collections::HashMap;
use std::time::Duration;

use super::{Cluster, Connection, INPROC_SCHEME};
use crate::client::ClientMachine;
use crate::config::ConnectionConfig;
use crate::error::{Error, Result};
use crate::protocol::{is_coordinator_link, BrokerId, Millis, Response, BOOTSTRAP};

/// Carries one client state machine's requests and responses.
pub(crate) trait Transport {
    /// Hand every ready request to its broker and every arrived response (and broken
    /// connection) to the machine, without blocking. Returns true if anything moved.
    fn pump<M: ClientMachine>(&mut self, machine: &mut M, now: Millis) -> bool;
    /// Block for at most `max`, returning early when something arrives for `pump`.
    fn wait<M: ClientMachine>(&mut self, machine: &M, now: Millis, max: Duration);
    /// The last connection problem worth telling the user (a broker that cannot be
    /// reached, versions that do not overlap), for error messages after a timeout.
    fn last_error(&self) -> Option<Error>;
    /// How many connection problems were seen so far (0 in-process).
    fn error_count(&self) -> u64 {
        0
    }
    /// True when every broker connection tried so far is failing.
    fn all_down(&self) -> bool {
        false
    }
    /// True while requests the machine handed over are not written yet (only TCP
    /// queues: a connection still opening). `flush` waits for them.
    fn has_unsent(&self) -> bool;
}

/// What the clients need from their configuration to connect. On wasm32 only the in-process
/// link exists, which reads none of the TCP fields.
#[derive(Clone, Debug)]
#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
pub(crate) struct LinkConfig {
    pub bootstrap_servers: Vec<String>,
    pub client_id: Option<String>,
    pub connection: ConnectionConfig,
    /// Requests written to one connection before its answers (Kafka's
    /// `max.in.flight.requests.per.connection`; 5 for the consumer and admin).
    pub max_in_flight: usize,
    /// A connection whose oldest request has waited this long for its answer is
    /// closed (Kafka's NetworkClient does the same): a half-open socket is otherwise
    /// never noticed. `request.timeout.ms`, plus `fetch.max.wait.ms` for consumers.
    pub response_timeout_ms: Millis,
}

/// The transport a client runs over.
pub(crate) enum Link {
    InProcess(InProcess),
    #[cfg(not(target_arch = "wasm32"))]
    Tcp(Box<crate::net::client::TcpTransport>),
}

impl Link {
    /// An in-process cluster when `bootstrap.servers` names one (`inproc://...`), else
    /// TCP to the `host:port` brokers listed.
    pub(crate) fn connect(config: LinkConfig) -> Result<Link> {
        let servers = &config.bootstrap_servers;
        if servers.is_empty() || servers.iter().any(|s| s.trim().starts_with(INPROC_SCHEME)) {
            let cluster = Cluster::lookup(servers)?;
            return Ok(Link::InProcess(InProcess::new(&cluster, config.client_id)));
        }
        #[cfg(not(target_arch = "wasm32"))]
        {
            Ok(Link::Tcp(Box::new(crate::net::client::TcpTransport::new(config)?)))
        }
        #[cfg(target_arch = "wasm32")]
        {
            Err(Error::config(
                "bootstrap.servers",
                "TCP brokers are not reachable from WebAssembly; use the simulation",
            ))
        }
    }
}

impl Transport for Link {
    #[inline]
    fn pump<M: ClientMachine>(&mut self, machine: &mut M, now: Millis) -> bool {
        match self {
            Link::InProcess(t) => t.pump(machine, now),
            #[cfg(not(target_arch = "wasm32"))]
            Link::Tcp(t) => t.pump(machine, now),
        }
    }

    fn wait<M: ClientMachine>(&mut self, machine: &M, now: Millis, max: Duration) {
        match self {
            Link::InProcess(t) => t.wait(machine, now, max),
            #[cfg(not(target_arch = "wasm32"))]
            Link::Tcp(t) => t.wait(machine, now, max),
        }
    }

    fn last_error(&self) -> Option<Error> {
        match self {
            Link::InProcess(t) => t.last_error(),
            #[cfg(not(target_arch = "wasm32"))]
            Link::Tcp(t) => t.last_error(),
        }
    }

    fn error_count(&self) -> u64 {
        match self {
            Link::InProcess(t) => t.error_count(),
            #[cfg(not(target_arch = "wasm32"))]
            Link::Tcp(t) => t.error_count(),
        }
    }

    fn all_down(&self) -> bool {
        match self {
            Link::InProcess(t) => t.all_down(),
            #[cfg(not(target_arch = "wasm32"))]
            Link::Tcp(t) => t.all_down(),
        }
    }

    fn has_unsent(&self) -> bool {
        match self {
            Link::InProcess(t) => t.has_unsent(),
            #[cfg(not(target_arch = "wasm32"))]
            Link::Tcp(t) => t.has_unsent(),
        }
    }
}

/// One client's connection to an in-process broker: requests are handed over
/// as values (no encoding), responses come back through the cluster's mailboxes.
pub(crate) struct InProcess {
    link: Connection,
    client_id: Option<String>,
    inbox: Vec<Response>,
    /// Which broker id each request in flight was addressed to, so the response
    /// is reported as coming from it (all ids reach the one in-process broker).
    in_flight: HashMap<i32, BrokerId>,
    /// The second connection coordinator requests travel on (opened on first use), so a
    /// commit does not wait behind this client's long-polling Fetch (see `coordinator_link`).
    coordinator: Option<Connection>,
}

impl InProcess {
    pub(crate) fn new(cluster: &Cluster, client_id: Option<String>) -> Self {
        InProcess {
            link: cluster.connect(),
            client_id,
            inbox: Vec::new(),
            in_flight: HashMap::new(),
            coordinator: None,
        }
    }

    fn has_mail(&self, st: &super::hub::State) -> bool {
        st.has_mail(self.link.conn) || self.coordinator.as_ref().is_some_and(|c| st.has_mail(c.conn))
    }
}

impl Transport for InProcess {
    fn pump<M: ClientMachine>(&mut self, machine: &mut M, now: Millis) -> bool {
        let mut moved = false;
        if machine.poll_timeout().is_some_and(|t| t <= now) {
            machine.handle_timeout(now);
        }
        loop {
            let mut first = machine.poll_transmit(now);
            if first.is_none() && self.in_flight.is_empty() {
                // Nothing to send and nothing awaited: skip the broker lock (the hot path of send()).
                return moved;
            }
            {
                let mut st = self.link.shared.lock();
                let mut mail = st.run_broker_timers(now);
                while let Some(t) = first.take() {
                    if t.expects_response {
                        self.in_flight.insert(t.correlation_id, t.broker);
                    }
                    let conn = if is_coordinator_link(t.broker) {
                        let shared = &self.link.shared;
                        self.coordinator
                            .get_or_insert_with(|| Connection { shared: shared.clone(), conn: st.open_mailbox() })
                            .conn
                    } else {
                        self.link.conn
                    };
                    st.broker.handle_request(conn, t.into_request(self.client_id.clone()), now);
                    mail |= st.route();
                    first = machine.poll_transmit(now);
                    moved = true;
                }
                st.take_mail(self.link.conn, &mut self.inbox);
                if let Some(c) = &self.coordinator {
                    st.take_mail(c.conn, &mut self.inbox);
                }
                if mail || st.listening {
                    self.link.shared.hub.wake(&st, mail);
                }
            }
            if self.inbox.is_empty() {
                return moved;
            }
            for resp in self.inbox.drain(..) {
                let broker = self.in_flight.remove(&resp.correlation_id).unwrap_or(BOOTSTRAP);
                machine.handle_response(broker, resp.correlation_id, resp.body, now);
            }
            moved = true;
        }
    }

    fn wait<M: ClientMachine>(&mut self, _machine: &M, now: Millis, max: Duration) {
        let st = self.link.shared.lock();
        if self.has_mail(&st) {
            return;
        }
        // The broker's deadlines (a parked fetch expiring) are ours to run too.
        let mut wait = max;
        if let Some(d) = st.broker.poll_timeout() {
            wait = wait.min(Duration::from_millis((d - now).max(0) as u64));
        }
        if !wait.is_zero() {
            drop(self.link.shared.hub.responses_ready.wait_timeout(st, wait).unwrap_or_else(|p| p.into_inner()));
        }
    }

    fn last_error(&self) -> Option<Error> {
        None
    }

    fn has_unsent(&self) -> bool {
        false
    }
}
