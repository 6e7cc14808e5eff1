//! Consumers in groups on the engine: subscribe, commit and committed (synchronous: the
//! simulation runs until the coordinator answers), close (leaves the group), the consumer's
//! rebalance and commit events; and crashing and restarting a client's process.
//!
//! The simulation collects every consumer event; a wait for one answer keeps the others for
//! `consumer_events`, so the page sees each event once, in order.

use kafkette::consumer::{ConsumerEvent, OffsetAndMetadata, TopicPartition};
use kafkette::sim::NodeId;
use kafkette::{Error, Millis, Result};

use super::{Engine, NodeKind};

/// Virtual time a commit, a committed-offsets query or a close may take (the coordinator is
/// found first; a rebalance in progress may hold a commit back).
pub const GROUP_WAIT_MS_MAX: Millis = 60_000;

impl Engine {
    /// Joins the consumer's group (`group.id`) for these topics.
    pub fn subscribe(&mut self, consumer: usize, topics: Vec<String>) -> Result<()> {
        let node = self.running(consumer, NodeKind::Consumer, "subscribe")?;
        self.sim.with_consumer(node, |c, _| c.subscribe(topics))
    }

    /// Commits these offsets, or (`None`) the positions of every assigned partition; runs until
    /// the coordinator answers and returns what was committed.
    pub fn commit(
        &mut self,
        consumer: usize,
        offsets: Option<Vec<(TopicPartition, OffsetAndMetadata)>>,
    ) -> Result<Vec<(TopicPartition, i64)>> {
        let node = self.running(consumer, NodeKind::Consumer, "commit")?;
        let id = self.sim.with_consumer(node, |c, now| c.commit(offsets, now))?;
        let answer = self.wait_event(node, |e| match e {
            ConsumerEvent::CommitCompleted { id: done, result } if *done == id => Some(result.clone()),
            _ => None,
        });
        answer.unwrap_or_else(|| Err(Error::timed_out("waiting for the offset commit")))
    }

    /// The group's committed offsets of `partitions` (`None` where nothing is committed).
    pub fn committed(
        &mut self,
        consumer: usize,
        partitions: Vec<TopicPartition>,
    ) -> Result<Vec<(TopicPartition, Option<OffsetAndMetadata>)>> {
        let node = self.running(consumer, NodeKind::Consumer, "committed")?;
        let id = self.sim.with_consumer(node, |c, now| c.committed(partitions, now))?;
        let answer = self.wait_event(node, |e| match e {
            ConsumerEvent::Committed { id: done, result } if *done == id => Some(result.clone()),
            _ => None,
        });
        answer.unwrap_or_else(|| Err(Error::timed_out("waiting for the committed offsets")))
    }

    /// Leaves the group cleanly (positions committed first with auto-commit, partitions revoked,
    /// LeaveGroup sent) and runs until that is done.
    pub fn close_consumer(&mut self, consumer: usize) -> Result<()> {
        let node = self.running(consumer, NodeKind::Consumer, "close")?;
        self.sim.with_consumer(node, |c, _| c.close_group());
        let idle = self.sim.run_until_cond(GROUP_WAIT_MS_MAX, |s| s.consumer(node).group_idle());
        self.keep_events(node);
        if idle {
            Ok(())
        } else {
            Err(Error::timed_out("closing the consumer: the commit or LeaveGroup got no answer"))
        }
    }

    /// The consumer's events since the last call (rebalances, assignments, commits, errors).
    pub fn consumer_events(&mut self, consumer: usize) -> Result<Vec<ConsumerEvent>> {
        let node = self.node(consumer, NodeKind::Consumer)?;
        self.keep_events(node);
        Ok(self.consumer_events.remove(&consumer).unwrap_or_default())
    }

    /// Kills a client's process (any kind): it stops sending and ticking, responses to it are
    /// lost, and the broker sees its connection close; a group member stays until its session
    /// times out, a producer's open transaction until the new one fences it or it times out.
    /// Events the page has not taken are gone with the process.
    pub fn crash(&mut self, node: usize) -> Result<()> {
        let id = self.any_node(node)?;
        self.sim.crash(id);
        self.consumer_events.remove(&node);
        Ok(())
    }

    /// Starts a crashed client again: a fresh process with the same configuration (the same
    /// `transactional.id` or `group.id`), which must initialise or subscribe again.
    pub fn restart(&mut self, node: usize) -> Result<()> {
        let id = self.any_node(node)?;
        self.sim.restart(id)
    }

    /// `node` checked for its kind and refused while crashed (it would never answer).
    pub(super) fn running(&self, id: usize, kind: NodeKind, op: &str) -> Result<NodeId> {
        let node = self.node(id, kind)?;
        if self.sim.is_alive(node) {
            Ok(node)
        } else {
            Err(Error::state(format!("{op}: node {id} ({}) has crashed", self.sim.node_name(node))))
        }
    }

    /// Moves the simulation's collected events of `node` into the engine's queue.
    fn keep_events(&mut self, node: NodeId) {
        let events = self.sim.take_consumer_events(node);
        if !events.is_empty() {
            self.consumer_events.entry(node.0).or_default().extend(events);
        }
    }

    /// Runs until `node` reports an event `answer` picks; that event is consumed, the others kept.
    fn wait_event<T>(&mut self, node: NodeId, answer: impl Fn(&ConsumerEvent) -> Option<T>) -> Option<T> {
        let mut found = None;
        let mut kept = Vec::new();
        self.sim.run_until_cond(GROUP_WAIT_MS_MAX, |s| {
            for e in s.take_consumer_events(node) {
                match (found.is_none()).then(|| answer(&e)).flatten() {
                    Some(t) => found = Some(t),
                    None => kept.push(e),
                }
            }
            found.is_some()
        });
        if !kept.is_empty() {
            self.consumer_events.entry(node.0).or_default().extend(kept);
        }
        found
    }
}
