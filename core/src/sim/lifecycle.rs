//! Client processes crashing and starting again.
//!
//! A crash is what a killed process looks like from outside: it stops sending and ticking,
//! responses to it are lost, requests it already put on the wire still reach the broker, and
//! then the broker sees its connection close. A restart runs a fresh state machine of the same
//! kind and configuration (same `transactional.id`, `group.id`, `group.instance.id`) on a new
//! connection under the same `NodeId`.

use std::cmp::Reverse;

use super::{EventKind, Machine, Message, NodeId, Simulation, COORDINATOR_CONN};
use crate::admin;
use crate::config::{AdminConfig, ConsumerConfig, ProducerConfig};
use crate::consumer;
use crate::error::{Error, Result};
use crate::producer;
use crate::protocol::ConnId;

/// The configuration a node was added with, to build it again on restart.
#[derive(Clone)]
pub(super) enum NodeKind {
    Producer(ProducerConfig),
    Consumer(ConsumerConfig),
    Admin(AdminConfig),
}

impl Simulation {
    /// A fresh state machine for `kind` (a producer's sticky partitioner draws its own seed from the run's).
    pub(super) fn build(&mut self, kind: &NodeKind) -> Result<Machine> {
        Ok(match kind {
            NodeKind::Producer(config) => {
                let seed = self.rng.next_u64();
                let mut p = producer::Producer::with_seed(config.clone(), self.now, seed)?;
                p.set_notes(true);
                Machine::Producer(p)
            }
            NodeKind::Consumer(config) => {
                let mut c = consumer::Consumer::new(config.clone(), self.now)?;
                c.set_notes(true);
                Machine::Consumer(c)
            }
            NodeKind::Admin(config) => Machine::Admin(admin::Admin::new(config.clone(), self.now)?),
        })
    }

    /// A new connection id for `node`.
    pub(super) fn new_conn(&mut self, node: NodeId) -> ConnId {
        let conn = self.next_conn;
        self.next_conn += 1;
        self.conn_to_node.insert(conn, node);
        conn
    }

    /// Whether `node` runs (false between `crash` and `restart`).
    pub fn is_alive(&self, node: NodeId) -> bool {
        self.nodes[node.0].alive
    }

    /// The broker-side connection id of `node`'s current process.
    pub fn node_conn(&self, node: NodeId) -> ConnId {
        self.nodes[node.0].conn
    }

    pub(super) fn check_alive(&self, node: NodeId, op: &str) -> Result<()> {
        if self.is_alive(node) {
            Ok(())
        } else {
            Err(Error::state(format!("{op}: node {} ({}) has crashed", node.0, self.nodes[node.0].name)))
        }
    }

    /// Kill `node`'s process: it no longer ticks or sends, responses to it are lost, what it
    /// already sent still arrives, and then the broker sees the connection close (parked
    /// JoinGroup/SyncGroup and queued requests forgotten; group membership lasts until the
    /// session times out). Crashing a crashed node does nothing.
    pub fn crash(&mut self, node: NodeId) {
        let n = &mut self.nodes[node.0];
        if !n.alive {
            return;
        }
        n.alive = false;
        n.in_flight.clear();
        let mut conns = vec![n.conn];
        if n.coordinator_conn {
            conns.push(n.conn | COORDINATOR_CONN);
        }
        self.log(Some(node), EventKind::NodeCrashed);
        for conn in conns {
            // The close travels behind every request already on this connection's wire.
            let last_request = self
                .network
                .iter()
                .filter_map(|Reverse(s)| match &s.message {
                    Message::Request { conn: c, .. } if *c == conn => Some(s.at),
                    _ => None,
                })
                .max();
            let at = (self.now + self.config.latency_ms).max(last_request.unwrap_or(i64::MIN));
            self.schedule_at(at, Message::Closed { conn });
        }
        self.flush();
    }

    /// Start `node` again after a crash: a fresh state machine with the configuration it was
    /// added with, a new connection, the same `NodeId`. Delivery reports and events not taken
    /// before the crash are gone with the process. Restarting a running node is refused.
    pub fn restart(&mut self, node: NodeId) -> Result<()> {
        if self.is_alive(node) {
            return Err(Error::state(format!("restart: node {} ({}) is running", node.0, self.nodes[node.0].name)));
        }
        let kind = self.nodes[node.0].kind.clone();
        let machine = self.build(&kind)?;
        let conn = self.new_conn(node);
        let n = &mut self.nodes[node.0];
        n.machine = machine;
        n.conn = conn;
        n.alive = true;
        n.coordinator_conn = false;
        n.in_flight.clear();
        n.deliveries.clear();
        n.consumer_events.clear();
        n.admin_events.clear();
        self.log(Some(node), EventKind::NodeRestarted);
        self.flush();
        Ok(())
    }
}
