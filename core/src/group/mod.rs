//! The group coordinator: every classic consumer group this broker coordinates, their members,
//! rebalances and committed offsets (Kafka's classic group protocol; KIP-345 static members,
//! KIP-394 MEMBER_ID_REQUIRED, KIP-98/447 transactional offset commits).
//!
//! Sans-IO like the broker: time comes in as `now`. JoinGroup and SyncGroup may wait for other
//! members; their answers come out of `poll_completion` addressed to the `Waiter` the caller gave,
//! and the records to append to `__consumer_offsets` out of `poll_record`. Protocol checks that
//! need the broker (NOT_COORDINATOR, unknown topics) are the broker handlers' job.

pub mod config;
// One group per `group.rs`, as DESIGN.md lays out domain folders: the noun is the point.
#[allow(clippy::module_inception)]
pub mod group;
pub mod log;
pub mod member;
pub mod offsets;
pub mod reply;

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;

use crate::error::ErrorCode;
use crate::notes::Notes;
use crate::protocol::Millis;

pub use config::GroupConfig;
pub use group::{Group, GroupState};
pub use log::{LogRecord, OFFSETS_TOPIC, OFFSETS_TOPIC_PARTITIONS};
pub use offsets::{CommittedOffset, TopicPartition};
pub use reply::{
    Committer, Completion, GroupDescription, JoinParams, JoinResult, JoinedMember, Reply, SyncResult, Waiter,
};

use group::Out;

#[derive(Debug, Default, Clone)]
pub struct GroupCoordinator {
    config: GroupConfig,
    groups: BTreeMap<String, Group>,
    completions: VecDeque<Completion>,
    records: VecDeque<LogRecord>,
    ids_issued: u64,
    next_retention_check_ms: Millis,
    /// Why (`set_notes`; off by default).
    notes: Notes,
}

impl GroupCoordinator {
    pub fn new(config: GroupConfig, now: Millis) -> GroupCoordinator {
        let next_retention_check_ms = now.saturating_add(config.offsets_retention_check_interval_ms);
        // Member ids start from the creation time: a broker restarted with clients still holding
        // ids from its previous life must not hand those ids out again (same clock, same ids, so
        // simulations stay reproducible).
        let ids_issued = (now as u64).wrapping_mul(1_000_003);
        GroupCoordinator { config, next_retention_check_ms, ids_issued, ..Default::default() }
    }

    pub fn config(&self) -> &GroupConfig {
        &self.config
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.get(id)
    }

    /// Groups in id order.
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }

    pub fn poll_completion(&mut self) -> Option<Completion> {
        self.completions.pop_front()
    }

    pub fn poll_record(&mut self) -> Option<LogRecord> {
        self.records.pop_front()
    }

    fn emit(&mut self, mut out: Out) {
        self.completions.extend(out.completions);
        self.records.extend(out.records);
        self.notes.absorb(&mut out.notes);
    }

    /// Collect notes on the coordinator's decisions (off by default).
    pub fn set_notes(&mut self, on: bool) {
        self.notes.set_enabled(on);
    }

    /// The pending notes (the broker moves them into its own).
    pub fn notes_mut(&mut self) -> &mut Notes {
        &mut self.notes
    }

    /// A member id as Kafka makes them: the client id, a dash and a UUID-shaped suffix (a hash of a
    /// counter started from the creation time, so runs under the same clock are reproducible).
    fn fresh_member_id(&mut self, client_id: &str) -> String {
        self.ids_issued += 1;
        let mix = |mut z: u64| {
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let (a, b) = (mix(self.ids_issued), mix(self.ids_issued.wrapping_add(0x9e37_79b9_7f4a_7c15)));
        format!(
            "{client_id}-{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }

    fn group_mut(&mut self, id: &str, now: Millis) -> &mut Group {
        let partition = crate::broker::coordinator::coordinator_partition(id);
        self.groups.entry(id.to_string()).or_insert_with(|| Group::new(id, partition, now))
    }

    /// JoinGroup: `None` means the request waits; its answer comes from `poll_completion`.
    pub fn join(&mut self, group_id: &str, p: JoinParams, now: Millis) -> Option<JoinResult> {
        let (lo, hi) = (self.config.min_session_timeout_ms, self.config.max_session_timeout_ms);
        if !(lo..=hi).contains(&p.session_timeout_ms) {
            return Some(JoinResult::error(ErrorCode::INVALID_SESSION_TIMEOUT, &p.member_id));
        }
        if !p.member_id.is_empty() && !self.groups.contains_key(group_id) {
            return Some(JoinResult::error(ErrorCode::UNKNOWN_MEMBER_ID, &p.member_id));
        }
        let fresh = if p.member_id.is_empty() { self.fresh_member_id(&p.client_id) } else { String::new() };
        let config = self.config.clone();
        let mut out = Out::new(self.notes.is_enabled());
        let r = self.group_mut(group_id, now).join(p, &config, fresh, &mut out, now);
        self.emit(out);
        r
    }

    /// SyncGroup: `None` means the request waits for the leader's assignments.
    #[allow(clippy::too_many_arguments)]
    pub fn sync(
        &mut self,
        group_id: &str,
        member: &Committer,
        protocol: (Option<&str>, Option<&str>),
        assignments: Vec<(String, Bytes)>,
        waiter: Waiter,
        now: Millis,
    ) -> Option<SyncResult> {
        let Some(g) = self.groups.get_mut(group_id) else {
            return Some(SyncResult::error(ErrorCode::UNKNOWN_MEMBER_ID));
        };
        let mut out = Out::new(self.notes.is_enabled());
        let r = g.sync(
            &member.member_id,
            member.instance_id.as_deref(),
            member.generation,
            protocol,
            assignments,
            waiter,
            &mut out,
            now,
        );
        self.emit(out);
        r
    }

    pub fn heartbeat(&mut self, group_id: &str, member: &Committer, now: Millis) -> ErrorCode {
        match self.groups.get_mut(group_id) {
            None => ErrorCode::UNKNOWN_MEMBER_ID,
            Some(g) => g.heartbeat(&member.member_id, member.instance_id.as_deref(), member.generation, now),
        }
    }

    /// LeaveGroup for each `(member id, instance id)`: one error each.
    pub fn leave(&mut self, group_id: &str, members: &[(String, Option<String>)], now: Millis) -> Vec<ErrorCode> {
        let config = self.config.clone();
        let Some(g) = self.groups.get_mut(group_id) else {
            return vec![ErrorCode::UNKNOWN_MEMBER_ID; members.len()];
        };
        let mut out = Out::new(self.notes.is_enabled());
        let errors = members.iter().map(|(m, i)| g.leave(m, i.as_deref(), &config, &mut out, now)).collect();
        self.emit(out);
        errors
    }

    /// Checks an OffsetCommit's (or TxnOffsetCommit v3's) member against the group. A group that
    /// does not exist is created by a simple commit.
    fn check_committer(&self, group_id: &str, c: &Committer, txn: bool) -> ErrorCode {
        let Some(g) = self.groups.get(group_id) else {
            return if c.generation < 0 || txn { ErrorCode::NONE } else { ErrorCode::ILLEGAL_GENERATION };
        };
        if g.state == GroupState::Dead {
            return ErrorCode::COORDINATOR_NOT_AVAILABLE;
        }
        if c.instance_id.as_ref().and_then(|i| g.statics.get(i)).is_some_and(|id| *id != c.member_id) {
            return ErrorCode::FENCED_INSTANCE_ID;
        }
        if txn {
            // TxnOffsetCommit v3 (KIP-447): checks only what the producer sent.
            if !c.member_id.is_empty() && !g.members.contains_key(&c.member_id) {
                return ErrorCode::UNKNOWN_MEMBER_ID;
            }
            if c.generation >= 0 && c.generation != g.generation {
                return ErrorCode::ILLEGAL_GENERATION;
            }
            return ErrorCode::NONE;
        }
        if c.generation < 0 && g.members.is_empty() {
            return ErrorCode::NONE;
        }
        if g.state == GroupState::CompletingRebalance && g.members.contains_key(&c.member_id) {
            return ErrorCode::REBALANCE_IN_PROGRESS;
        }
        if !g.members.contains_key(&c.member_id) {
            return ErrorCode::UNKNOWN_MEMBER_ID;
        }
        if c.generation != g.generation {
            return ErrorCode::ILLEGAL_GENERATION;
        }
        ErrorCode::NONE
    }

    /// OffsetCommit: the member check, then the offsets (already validated one by one).
    pub fn commit(
        &mut self,
        group_id: &str,
        c: &Committer,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
        now: Millis,
    ) -> ErrorCode {
        let e = self.check_committer(group_id, c, false);
        if e != ErrorCode::NONE {
            self.note_rejected("OffsetCommit", group_id, c, e, now);
            return e;
        }
        let on = self.notes.is_enabled();
        let g = self.group_mut(group_id, now);
        if let Some(m) = g.members.get_mut(&c.member_id) {
            m.refresh(now);
        }
        let mut records = Vec::new();
        let mut moved = Vec::new();
        for (tp, o) in offsets {
            records.push(offset_record(g, &tp, Some(&o)));
            if on && g.offsets.get(&tp).is_none_or(|old| old.offset != o.offset) {
                moved.push(format!("{}-{} → {}", tp.0, tp.1, o.offset));
            }
            g.offsets.commit(tp, o);
        }
        let who = if on && !c.member_id.is_empty() { format!(" by {}", g.who(&c.member_id)) } else { String::new() };
        self.records.extend(records);
        if !moved.is_empty() {
            self.notes.add(now, "committed", None, || format!("{group_id} committed {}{who}", moved.join(", ")));
        }
        ErrorCode::NONE
    }

    /// TxnOffsetCommit: stages offsets for `producer_id` until its transaction ends.
    pub fn txn_commit(
        &mut self,
        group_id: &str,
        producer_id: i64,
        c: &Committer,
        offsets: Vec<(TopicPartition, CommittedOffset)>,
        now: Millis,
    ) -> ErrorCode {
        let e = self.check_committer(group_id, c, true);
        if e != ErrorCode::NONE {
            self.note_rejected("TxnOffsetCommit", group_id, c, e, now);
            return e;
        }
        let on = self.notes.is_enabled();
        let g = self.group_mut(group_id, now);
        let mut staged = Vec::new();
        for (tp, o) in offsets {
            if on {
                staged.push(format!("{}-{} → {}", tp.0, tp.1, o.offset));
            }
            g.offsets.stage(producer_id, tp, o);
        }
        self.notes.add(now, "txn-offsets", None, || {
            format!("{group_id} offsets {} wait for producer {producer_id}'s transaction", staged.join(", "))
        });
        ErrorCode::NONE
    }

    /// The end of `producer_id`'s transaction: its staged offsets for the group are committed
    /// (and logged) or dropped.
    pub fn txn_marker(&mut self, group_id: &str, producer_id: i64, commit: bool, now: Millis) {
        let Some(g) = self.groups.get_mut(group_id) else { return };
        let done = g.offsets.end_txn(producer_id, commit);
        let records: Vec<LogRecord> = done.iter().map(|(tp, o)| offset_record(g, tp, Some(o))).collect();
        self.records.extend(records);
        if commit && !done.is_empty() {
            self.notes.add(now, "committed", None, || {
                let moved: Vec<String> =
                    done.iter().map(|(tp, o)| format!("{}-{} → {}", tp.0, tp.1, o.offset)).collect();
                format!("{group_id} committed {} (transaction of producer {producer_id})", moved.join(", "))
            });
        }
    }

    /// A commit the group refused, with what the member sent and what the group is at.
    fn note_rejected(&mut self, api: &str, group_id: &str, c: &Committer, e: ErrorCode, now: Millis) {
        let g = self.groups.get(group_id);
        self.notes.add(now, "commit-rejected", None, || {
            let who = match g {
                _ if c.member_id.is_empty() => "a client without a member id".to_string(),
                Some(g) => g.who(&c.member_id),
                None => c.member_id.clone(),
            };
            let group = g.map_or_else(
                || "no such group".to_string(),
                |g| format!("group at generation {} {}", g.generation, g.state.name()),
            );
            format!("{api} of {who} in {group_id} refused: {} (its generation {}, {group})", e.name(), c.generation)
        });
    }

    /// The committed offset of a partition, and whether a transaction has one pending.
    pub fn offset(&self, group_id: &str, tp: &TopicPartition) -> (Option<&CommittedOffset>, bool) {
        match self.groups.get(group_id) {
            None => (None, false),
            Some(g) => (g.offsets.get(tp), g.offsets.has_pending(tp)),
        }
    }

    /// Every partition with a committed offset (OffsetFetch with null topics).
    pub fn committed_partitions(&self, group_id: &str) -> Vec<TopicPartition> {
        self.groups.get(group_id).map(|g| g.offsets.committed().map(|(tp, _)| tp.clone()).collect()).unwrap_or_default()
    }

    pub fn describe(&self, group_id: &str) -> GroupDescription {
        let Some(g) = self.groups.get(group_id) else {
            return GroupDescription {
                state: GroupState::Dead,
                protocol_type: String::new(),
                protocol_name: String::new(),
                members: Vec::new(),
            };
        };
        let proto = g.protocol_name.clone().unwrap_or_default();
        let stable = g.state == GroupState::Stable;
        let mut members: Vec<&member::Member> = g.members.values().collect();
        members.sort_by_key(|m| m.seq);
        GroupDescription {
            state: g.state,
            protocol_type: g.protocol_type.clone().unwrap_or_default(),
            // Kafka shows the protocol only once the group is stable.
            protocol_name: if stable { proto.clone() } else { String::new() },
            members: members
                .into_iter()
                .map(|m| {
                    let (meta, assign) =
                        if stable { (m.metadata_for(&proto), m.assignment.clone()) } else { Default::default() };
                    (m.id.clone(), m.instance_id.clone(), m.client_id.clone(), m.client_host.clone(), meta, assign)
                })
                .collect(),
        }
    }

    /// DeleteGroups for one group.
    pub fn delete(&mut self, group_id: &str) -> ErrorCode {
        match self.groups.get(group_id) {
            None => ErrorCode::GROUP_ID_NOT_FOUND,
            Some(g) if g.state == GroupState::Dead => ErrorCode::GROUP_ID_NOT_FOUND,
            Some(g) if !g.members.is_empty() || g.state != GroupState::Empty => ErrorCode::NON_EMPTY_GROUP,
            Some(_) => {
                if let Some(g) = self.groups.remove(group_id) {
                    self.bury(g);
                }
                ErrorCode::NONE
            }
        }
    }

    /// Tombstones for a group going away: its offsets and its metadata.
    fn bury(&mut self, g: Group) {
        for (tp, _) in g.offsets.committed() {
            self.records.push_back(offset_record(&g, tp, None));
        }
        self.records.push_back(LogRecord { partition: g.partition, key: log::group_key(&g.id), value: None });
    }

    /// OffsetDelete: removes the committed offsets of `partitions` (Kafka's `handleDeleteOffsets`). An
    /// Empty group loses any; a live consumer group only those of topics no member subscribes to
    /// (GROUP_SUBSCRIBED_TO_TOPIC for the others); another live group is NON_EMPTY_GROUP.
    pub fn delete_offsets(
        &mut self,
        group_id: &str,
        partitions: &[TopicPartition],
    ) -> Result<Vec<ErrorCode>, ErrorCode> {
        let Some(g) = self.groups.get_mut(group_id) else {
            return Err(ErrorCode::GROUP_ID_NOT_FOUND);
        };
        let subscribed: Option<Vec<String>> = match g.state {
            GroupState::Dead => return Err(ErrorCode::GROUP_ID_NOT_FOUND),
            GroupState::Empty => Some(Vec::new()),
            _ if g.protocol_type.as_deref() == Some("consumer") => {
                let proto = g.protocol_name.clone().unwrap_or_default();
                let mut all = Some(Vec::new());
                for m in g.members.values() {
                    match (m.subscribed_topics(&proto), all.as_mut()) {
                        (Some(t), Some(all)) => all.extend(t),
                        _ => all = None,
                    }
                }
                all
            }
            _ => return Err(ErrorCode::NON_EMPTY_GROUP),
        };
        let mut records = Vec::new();
        let errors = partitions
            .iter()
            .map(|tp| {
                // Metadata that does not parse counts as subscribed to everything, as in Kafka.
                if subscribed.as_ref().is_none_or(|s| s.contains(&tp.0)) {
                    return ErrorCode::GROUP_SUBSCRIBED_TO_TOPIC;
                }
                if g.offsets.remove(tp) {
                    records.push(offset_record(g, tp, None));
                }
                ErrorCode::NONE
            })
            .collect();
        self.records.extend(records);
        Ok(errors)
    }

    /// A topic was deleted: its committed offsets go in every group.
    pub fn topic_deleted(&mut self, topic: &str) {
        let mut records = Vec::new();
        for g in self.groups.values_mut() {
            for tp in g.offsets.remove_topic(topic) {
                records.push(offset_record(g, &tp, None));
            }
        }
        self.records.extend(records);
    }

    /// Time passed: sessions, rebalance deadlines, offset expiry.
    pub fn tick(&mut self, now: Millis) {
        let config = self.config.clone();
        let mut out = Out::new(self.notes.is_enabled());
        for g in self.groups.values_mut() {
            if g.next_deadline().is_some_and(|d| d <= now) {
                g.tick(&config, &mut out, now);
            }
        }
        self.emit(out);
        if now >= self.next_retention_check_ms {
            self.expire_offsets(now);
            self.next_retention_check_ms = now.saturating_add(self.config.offsets_retention_check_interval_ms.max(1));
        }
    }

    /// Kafka's offset expiry: a group with a protocol that has been Empty for the retention
    /// period loses all its offsets; a simple group's offsets expire one by one from their
    /// commit time. An Empty group left with no offsets is Dead and forgotten.
    pub fn expire_offsets(&mut self, now: Millis) {
        let retention = self.config.offsets_retention_ms;
        let mut records = Vec::new();
        let mut dead = Vec::new();
        for g in self.groups.values_mut() {
            if g.state != GroupState::Empty || g.offsets.has_pending_any() {
                continue;
            }
            let since = g.state_since;
            let simple = g.protocol_type.is_none();
            let gone = g
                .offsets
                .expire(|o| now >= if simple { o.commit_ms } else { since.max(o.commit_ms) }.saturating_add(retention));
            for tp in gone {
                records.push(offset_record(g, &tp, None));
            }
            if g.offsets.is_empty() {
                dead.push(g.id.clone());
            }
        }
        self.records.extend(records);
        for id in dead {
            if let Some(mut g) = self.groups.remove(&id) {
                g.state = GroupState::Dead;
                self.records.push_back(LogRecord { partition: g.partition, key: log::group_key(&g.id), value: None });
            }
        }
    }

    /// The earliest time `tick` has work.
    pub fn next_deadline(&self) -> Option<Millis> {
        let groups = self.groups.values().filter_map(Group::next_deadline).min();
        let retention = (!self.groups.is_empty()).then_some(self.next_retention_check_ms);
        groups.into_iter().chain(retention).min()
    }
}

fn offset_record(g: &Group, tp: &TopicPartition, o: Option<&CommittedOffset>) -> LogRecord {
    LogRecord { partition: g.partition, key: log::offset_key(&g.id, &tp.0, tp.1), value: o.map(log::offset_value) }
}
