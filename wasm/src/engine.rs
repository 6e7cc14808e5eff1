//! The playground's engine in plain Rust: the core's simulation driver plus the few things
//! a page needs on top (clients by number, topics created and waited for, faults by API
//! name, a snapshot). `simulation.rs` adapts it to JavaScript; `cargo test` drives it
//! directly, so every behaviour the page relies on is checked on the host too.

use bytes::Bytes;
use kafkette::admin::{AdminEvent, AdminResult, NewTopic};
use kafkette::broker::BrokerConfig;
use kafkette::config::{AdminConfig, ConsumerConfig, ProducerConfig};
use kafkette::consumer::{ConsumerRecord, TopicPartition};
use kafkette::producer::{DeliveryId, ProducerRecord};
use kafkette::protocol::ApiKey;
use kafkette::sim::{FaultRule, NodeId, SimConfig, Simulation};
use kafkette::{Error, Millis, Result};

use crate::snapshot::{self, NodeView, Snapshot, WorldView};

pub mod app;
mod groups;
pub mod ledger;
pub mod lessons;
pub mod replay;
pub mod session;
pub mod session_events;
pub mod session_frame;
pub mod tape;
mod txn;

pub use txn::TXN_WAIT_MS_MAX;

/// Virtual time `create_topic` waits for the broker's answer.
pub const ADMIN_WAIT_MS_MAX: Millis = 30_000;

/// What a client node is; the core panics when a node is used as the wrong kind, the engine
/// checks first and returns an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Producer,
    Consumer,
    Admin,
}

impl NodeKind {
    pub fn name(self) -> &'static str {
        match self {
            NodeKind::Producer => "producer",
            NodeKind::Consumer => "consumer",
            NodeKind::Admin => "admin",
        }
    }
}

#[derive(Clone)]
pub struct Engine {
    sim: Simulation,
    nodes: Vec<(String, NodeKind)>,
    /// The admin client `create_topic` uses, added on first use.
    admin: Option<NodeId>,
    /// Consumer events the engine took from the simulation while waiting for a commit and
    /// not yet handed out by `consumer_events` (groups.rs).
    consumer_events: std::collections::BTreeMap<usize, Vec<kafkette::consumer::ConsumerEvent>>,
}

impl Engine {
    pub fn new(config: SimConfig) -> Engine {
        Engine {
            sim: Simulation::new(config, BrokerConfig::default()),
            nodes: Vec::new(),
            admin: None,
            consumer_events: Default::default(),
        }
    }

    pub fn now(&self) -> Millis {
        self.sim.now()
    }

    pub fn next_event_time(&self) -> Option<Millis> {
        self.sim.next_event_time()
    }

    /// Creates a topic through an admin client (its requests show in the journal) and runs
    /// the simulation until the broker answers.
    pub fn create_topic(&mut self, name: &str, partitions: i32) -> Result<()> {
        let admin = match self.admin {
            Some(a) => a,
            None => {
                let a = self.sim.add_admin("admin", AdminConfig::default())?;
                self.nodes.push(("admin".into(), NodeKind::Admin));
                self.admin = Some(a);
                a
            }
        };
        let topic =
            NewTopic { name: name.to_string(), num_partitions: partitions, replication_factor: 1, configs: vec![] };
        let request = self.sim.with_admin(admin, |a, now| a.create_topics(vec![topic], false, now));
        let mut answer = None;
        self.sim.run_until_cond(ADMIN_WAIT_MS_MAX, |s| {
            for AdminEvent::Completed { id, result } in s.take_admin_events(admin) {
                if id == request {
                    answer = Some(result);
                }
            }
            answer.is_some()
        });
        // The operation can fail as a whole, or succeed with a per-topic error inside.
        match answer {
            Some(Ok(AdminResult::CreateTopics(topics))) => match topics.into_iter().find(|(t, _)| t == name) {
                Some((_, result)) => result,
                None => Err(Error::internal(format!("creating topic {name}: no answer for it"))),
            },
            Some(Ok(other)) => Err(Error::internal(format!("creating topic {name}: unexpected answer {other:?}"))),
            Some(Err(e)) => Err(e),
            None => Err(Error::timed_out(format!("creating topic {name}"))),
        }
    }

    /// Adds a producer configured with Kafka's property names; returns its node number.
    pub fn add_producer(&mut self, name: &str, config: &[(String, String)]) -> Result<usize> {
        let config = ProducerConfig::from_pairs(config.iter().map(|(k, v)| (k, v)))?;
        let node = self.sim.add_producer(name, config)?;
        Ok(self.added(node, name, NodeKind::Producer))
    }

    /// Adds a consumer configured with Kafka's property names; returns its node number.
    pub fn add_consumer(&mut self, name: &str, config: &[(String, String)]) -> Result<usize> {
        let config = ConsumerConfig::from_pairs(config.iter().map(|(k, v)| (k, v)))?;
        let node = self.sim.add_consumer(name, config)?;
        Ok(self.added(node, name, NodeKind::Consumer))
    }

    fn added(&mut self, node: NodeId, name: &str, kind: NodeKind) -> usize {
        debug_assert_eq!(node.0, self.nodes.len());
        self.nodes.push((name.to_string(), kind));
        node.0
    }

    pub fn send(&mut self, producer: usize, record: ProducerRecord) -> Result<DeliveryId> {
        let node = self.node(producer, NodeKind::Producer)?;
        self.sim.send(node, record)
    }

    /// A record with a text key and value, the partitioner choosing unless `partition` is given.
    pub fn text_record(topic: &str, key: Option<&str>, value: Option<&str>, partition: Option<i32>) -> ProducerRecord {
        ProducerRecord {
            topic: topic.to_string(),
            partition,
            key: key.map(|k| Bytes::copy_from_slice(k.as_bytes())),
            value: value.map(|v| Bytes::copy_from_slice(v.as_bytes())),
            headers: vec![],
            timestamp: None,
        }
    }

    pub fn flush_producer(&mut self, producer: usize) -> Result<()> {
        let node = self.node(producer, NodeKind::Producer)?;
        self.sim.flush_producer(node);
        Ok(())
    }

    /// Replaces a consumer's assignment: each partition from an offset, or (None) per `auto.offset.reset`.
    pub fn assign(&mut self, consumer: usize, partitions: Vec<(TopicPartition, Option<i64>)>) -> Result<()> {
        let node = self.node(consumer, NodeKind::Consumer)?;
        self.sim.with_consumer(node, |c, _| c.assign(partitions));
        Ok(())
    }

    pub fn poll(&mut self, consumer: usize) -> Result<Vec<ConsumerRecord>> {
        let node = self.node(consumer, NodeKind::Consumer)?;
        Ok(self.sim.poll(node))
    }

    /// Arms a fault on `node`'s next message of `api` (see `FaultRule`'s constructors).
    pub fn inject(&mut self, node: usize, api: &str, rule: fn(NodeId, ApiKey) -> FaultRule) -> Result<()> {
        let rule = rule(self.any_node(node)?, api_key(api)?);
        self.sim.inject(rule);
        Ok(())
    }

    pub fn delay_next_response(&mut self, node: usize, api: &str, ms: Millis) -> Result<()> {
        let rule = FaultRule::delay_next_response(self.any_node(node)?, api_key(api)?, ms);
        self.sim.inject(rule);
        Ok(())
    }

    pub fn step(&mut self) -> bool {
        self.sim.step()
    }

    pub fn run_until(&mut self, t: Millis) {
        self.sim.run_until(t);
    }

    pub fn run_for(&mut self, ms: Millis) {
        self.sim.run_for(ms);
    }

    /// The world now: topics, clients, groups, transactions (the snapshot without its journal).
    pub fn world_view(&self) -> WorldView {
        let n = self.nodes.len();
        WorldView {
            now: self.sim.now(),
            topics: snapshot::topics(self.sim.broker()),
            nodes: self
                .nodes
                .iter()
                .enumerate()
                .map(|(id, (name, kind))| NodeView {
                    id,
                    name: name.clone(),
                    kind: kind.name(),
                    alive: self.sim.is_alive(NodeId(id)),
                })
                .collect(),
            producers: snapshot::producers(&self.sim, n),
            consumers: snapshot::consumers(&self.sim, n),
            groups: snapshot::groups(self.sim.broker()),
            transactions: snapshot::transactions(self.sim.broker()),
        }
    }

    pub fn snapshot(&self) -> Snapshot {
        let WorldView { now, topics, nodes, producers, consumers, groups, transactions } = self.world_view();
        let journal = self.sim.journal().iter().map(Into::into).collect();
        Snapshot { now, topics, nodes, producers, consumers, groups, transactions, journal }
    }

    fn any_node(&self, id: usize) -> Result<NodeId> {
        if id < self.nodes.len() {
            Ok(NodeId(id))
        } else {
            Err(Error::invalid_arg(format!("no node {id}")))
        }
    }

    fn node(&self, id: usize, kind: NodeKind) -> Result<NodeId> {
        match self.nodes.get(id) {
            Some((_, k)) if *k == kind => Ok(NodeId(id)),
            Some((name, k)) => {
                Err(Error::invalid_arg(format!("node {id} ({name}) is a {}, not a {}", k.name(), kind.name())))
            }
            None => Err(Error::invalid_arg(format!("no node {id}"))),
        }
    }
}

/// A Kafka API by the name the journal uses ("Produce", "Fetch", "InitProducerId"...).
pub fn api_key(name: &str) -> Result<ApiKey> {
    // Kafka's API keys are small numbers (0 to about 90 today); 0..1000 leaves room.
    (0..1000i16)
        .filter_map(|k| ApiKey::try_from(k).ok())
        .find(|k| format!("{k:?}") == name)
        .ok_or_else(|| Error::invalid_arg(format!("unknown Kafka API {name:?}")))
}

#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_txn;
