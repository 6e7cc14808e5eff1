//! The application's side of group membership: `subscribe` (topics or a pattern),
//! `unsubscribe`, `close_group`, the revoke barrier, `note_poll` (`max.poll.interval.ms`),
//! `group_metadata`; and the changes of assignment every path shares (revoke, lose, leave).
//! The protocol machine that drives them is `group.rs`.

use super::commit;
use super::group::{Group, State};
use super::subscription::{self, Subscription};
use super::{Consumer, ConsumerEvent, PartitionState, Reset, TopicPartition};
use crate::client::ConsumerGroupMetadata;
use crate::error::{Error, Result};
use crate::protocol::Millis;

impl Consumer {
    fn group_mut(&mut self) -> Result<&mut Group> {
        self.group.as_deref_mut().ok_or_else(|| Error::config("group.id", "is needed to subscribe and to commit"))
    }

    /// Join the group for these topics (replacing any previous subscription).
    pub fn subscribe(&mut self, topics: Vec<String>) -> Result<()> {
        if topics.iter().any(|t| t.is_empty()) {
            return Err(Error::invalid_arg("cannot subscribe to an empty topic name"));
        }
        if topics.is_empty() {
            self.unsubscribe();
            return Ok(());
        }
        self.subscribe_with(Subscription::topics(topics.into_iter().collect()))
    }

    /// Join the group for every topic whose whole name matches `pattern` (a regular expression),
    /// internal topics excluded; topics created later join the subscription.
    pub fn subscribe_pattern(&mut self, pattern: &str) -> Result<()> {
        let re = subscription::compile(pattern)
            .map_err(|e| Error::invalid_arg(format!("bad subscription pattern {pattern:?}: {e}")))?;
        self.subscribe_with(Subscription::pattern(re))
    }

    fn subscribe_with(&mut self, sub: Subscription) -> Result<()> {
        let manual = self.group.as_ref().is_some_and(|g| g.subscription.is_empty()) && !self.partitions.is_empty();
        let g = self.group_mut()?;
        if manual {
            return Err(Error::state("cannot subscribe while partitions are assigned manually; unassign first"));
        }
        g.subscription = sub;
        g.rejoin = true;
        let topics: Vec<String> = g.subscription.topics.iter().cloned().collect();
        for t in topics {
            self.metadata.want(&t);
        }
        Ok(())
    }

    /// The topics subscribed to (for a pattern: those it matched so far).
    pub fn subscription(&self) -> Vec<String> {
        self.group.as_ref().map(|g| g.subscription.topics.iter().cloned().collect()).unwrap_or_default()
    }

    /// Leave the group: every partition is revoked (with auto-commit, positions are committed first).
    pub fn unsubscribe(&mut self) {
        let auto = self.config.enable_auto_commit;
        let Some(g) = self.group.as_mut() else { return };
        if g.subscription.is_empty() {
            return;
        }
        g.subscription = Subscription::default();
        if auto {
            commit::auto_commit(self, None);
        }
        revoke_all(self);
        leave(self);
    }

    /// Stop being a member as `close()` does: commit (with auto-commit), revoke everything and
    /// send LeaveGroup (not for a static member: its session keeps its place, as in Java).
    /// The driver keeps pumping until `group_idle`.
    pub fn close_group(&mut self) {
        if self.group.is_none() {
            return;
        }
        if self.config.enable_auto_commit {
            commit::auto_commit(self, None);
        }
        if let Some(g) = self.group.as_mut() {
            g.subscription = Subscription::default();
        }
        revoke_all(self);
        leave(self);
    }

    /// With the barrier on, a `Revoked` event (rebalance) leaves the partitions assigned and
    /// paused until `ack_revoke`: the application commits what it processed, then releases them
    /// (Java's `onPartitionsRevoked`, librdkafka's rebalance callback). Off by default: revoked
    /// partitions are released at once (their positions auto-committed first if enabled).
    pub fn set_revoke_barrier(&mut self, on: bool) {
        if let Some(g) = self.group.as_mut() {
            g.revoke_barrier = on;
        }
        if !on {
            self.ack_revoke();
        }
    }

    /// Release the partitions of the last `Revoked` event (with the barrier on); the rebalance
    /// goes on. Does nothing when no revocation waits.
    pub fn ack_revoke(&mut self) {
        let Some(pending) = self.group.as_mut().and_then(|g| g.revoke_pending.take()) else { return };
        let keep: Vec<TopicPartition> = self.partitions.keys().filter(|tp| !pending.contains(tp)).cloned().collect();
        if let Some(g) = self.group.as_mut() {
            if keep.is_empty() {
                g.last_assignment = pending;
            }
        }
        self.set_partitions(keep);
    }

    /// Nothing left to send for the group (commits, LeaveGroup).
    pub fn group_idle(&self) -> bool {
        self.group.as_ref().is_none_or(|g| !g.commits.has_work() && g.leave.is_none() && !g.leave_in_flight)
    }

    /// The application polled: the `max.poll.interval.ms` clock restarts.
    pub fn note_poll(&mut self, now: Millis) {
        if let Some(g) = self.group.as_mut() {
            g.last_poll_at = now;
            if g.state == State::PollTimedOut {
                g.state = State::Unjoined;
            }
        }
    }

    /// What a transactional producer needs to commit offsets for this consumer (KIP-447).
    pub fn group_metadata(&self) -> Option<ConsumerGroupMetadata> {
        self.group.as_deref().map(Group::metadata)
    }

    /// True while the member is in a stable generation with its assignment applied.
    pub fn in_stable_group(&self) -> bool {
        self.group.as_deref().is_some_and(Group::is_member)
    }
}

/// Revoke every partition (eager rebalance, unsubscribe, close).
pub(super) fn revoke_all(c: &mut Consumer) {
    let all: Vec<TopicPartition> = c.partitions.keys().cloned().collect();
    if let Some(g) = c.group.as_mut() {
        if !all.is_empty() {
            g.last_assignment = all.clone();
        }
    }
    if !all.is_empty() {
        c.set_partitions(Vec::new());
        c.events.push(ConsumerEvent::Revoked(all));
    }
}

/// The partitions are gone without a chance to commit (the member was fenced or timed out).
pub(super) fn lose_all(c: &mut Consumer) {
    let all: Vec<TopicPartition> = c.partitions.keys().cloned().collect();
    if !all.is_empty() {
        c.set_partitions(Vec::new());
        c.events.push(ConsumerEvent::Lost(all));
    }
}

/// The coordinator no longer knows this member's generation (a commit or heartbeat learnt it).
pub(super) fn fenced(c: &mut Consumer, forget_member_id: bool) {
    if let Some(g) = c.group.as_mut() {
        g.reset_generation(forget_member_id);
    }
    lose_all(c);
}

pub(super) fn leave(c: &mut Consumer) {
    let Some(g) = c.group.as_mut() else { return };
    if !g.member_id.is_empty() && g.instance_id.is_none() {
        g.leave = Some((g.member_id.clone(), None));
    }
    g.reset_generation(true);
}

impl Consumer {
    /// Keep the states of the partitions still assigned, add new ones (their positions come from
    /// the committed offsets), drop the rest.
    pub(super) fn set_partitions(&mut self, tps: Vec<TopicPartition>) {
        let mut old = std::mem::take(&mut self.partitions);
        for tp in tps {
            let state = old.remove(&tp).unwrap_or_else(|| {
                PartitionState::new(std::sync::Arc::from(tp.topic.as_str()), Reset::Committed, None)
            });
            self.metadata.want(&tp.topic);
            self.partitions.insert(tp, state);
        }
        self.ready.retain(|tp| self.partitions.contains_key(tp));
    }
}
