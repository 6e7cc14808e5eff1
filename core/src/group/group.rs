//! One classic group: its state (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead),
//! generation, chosen protocol, leader and members, and the transitions JoinGroup, SyncGroup,
//! Heartbeat, LeaveGroup and the clock drive (Kafka's `GroupCoordinator` and `GroupMetadata`).
//!
//! Parked requests are answered by pushing a `Completion` to `Out`; every change worth keeping
//! pushes a `__consumer_offsets` record there too.

use std::collections::BTreeMap;

use bytes::Bytes;

use crate::error::ErrorCode;
use crate::notes::Notes;
use crate::protocol::Millis;

use super::log::{self, LogRecord};
use super::member::Member;
use super::offsets::Offsets;
use super::{Completion, GroupConfig, JoinParams, JoinResult, JoinedMember, SyncResult, Waiter};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

impl GroupState {
    /// The name DescribeGroups and ListGroups report.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

/// What a group operation produced besides its direct answer.
#[derive(Debug, Default)]
pub struct Out {
    pub completions: Vec<Completion>,
    pub records: Vec<LogRecord>,
    /// Why (collected only when enabled).
    pub notes: Notes,
}

impl Out {
    /// An `Out` collecting notes when `notes` is on.
    pub fn new(notes: bool) -> Out {
        let mut out = Out::default();
        out.notes.set_enabled(notes);
        out
    }

    fn note(&mut self, now: Millis, rule: &'static str, anomaly: Option<&'static str>, text: impl FnOnce() -> String) {
        self.notes.add(now, rule, anomaly, text);
    }

    /// A reason string, built only when notes are on.
    fn why(&self, text: impl FnOnce() -> String) -> String {
        if self.notes.is_enabled() {
            text()
        } else {
            String::new()
        }
    }
}

#[derive(Debug, Clone)]
pub struct Group {
    pub id: String,
    pub partition: i32,
    pub state: GroupState,
    pub state_since: Millis,
    pub generation: i32,
    pub protocol_type: Option<String>,
    pub protocol_name: Option<String>,
    pub leader: Option<String>,
    pub members: BTreeMap<String, Member>,
    /// `group.instance.id` → member id of the static members.
    pub statics: BTreeMap<String, String>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, until the deadline for their second join.
    pub pending: BTreeMap<String, Millis>,
    /// PreparingRebalance: the join phase ends by then whoever has rejoined.
    pub join_deadline: Millis,
    /// PreparingRebalance: `group.initial.rebalance.delay.ms` keeps the join phase open until then.
    pub delay_until: Millis,
    /// CompletingRebalance: members that have not sent SyncGroup by then are removed.
    pub sync_deadline: Millis,
    pub offsets: Offsets,
    next_seq: u64,
}

impl Group {
    pub fn new(id: &str, partition: i32, now: Millis) -> Group {
        Group {
            id: id.to_string(),
            partition,
            state: GroupState::Empty,
            state_since: now,
            generation: 0,
            protocol_type: None,
            protocol_name: None,
            leader: None,
            members: BTreeMap::new(),
            statics: BTreeMap::new(),
            pending: BTreeMap::new(),
            join_deadline: now,
            delay_until: now,
            sync_deadline: now,
            offsets: Offsets::default(),
            next_seq: 0,
        }
    }

    fn transition(&mut self, state: GroupState, out: &mut Out, now: Millis) {
        if state != self.state {
            let (id, from) = (&self.id, self.state.name());
            out.note(now, "group-state", None, || format!("group {id} {from} → {}", state.name()));
        }
        self.state = state;
        self.state_since = now;
    }

    /// A member as the notes name it: its client id (the member id when unknown).
    pub fn who(&self, member_id: &str) -> String {
        match self.members.get(member_id) {
            Some(m) if !m.client_id.is_empty() => m.client_id.clone(),
            _ => member_id.to_string(),
        }
    }

    /// Kafka's `supportsProtocols`: an empty group takes any non-empty type and protocol list;
    /// otherwise the type must match and one protocol must be one every member supports.
    fn supports(&self, protocol_type: &str, protocols: &[(String, Bytes)]) -> bool {
        if protocol_type.is_empty() || protocols.is_empty() {
            return false;
        }
        if self.members.is_empty() {
            return true;
        }
        self.protocol_type.as_deref() == Some(protocol_type)
            && protocols.iter().any(|(n, _)| self.members.values().all(|m| m.supports(n)))
    }

    /// Kafka's `selectProtocol`: among the protocols every member supports, the one most members
    /// vote for, each voting for its most preferred candidate (ties to the first candidate met).
    fn select_protocol(&self) -> Option<String> {
        let first = self.members.values().min_by_key(|m| m.seq)?;
        let candidates: Vec<&String> =
            first.protocols.iter().map(|(n, _)| n).filter(|n| self.members.values().all(|m| m.supports(n))).collect();
        let mut votes: Vec<(usize, &String)> = candidates.iter().map(|c| (0, *c)).collect();
        for m in self.members.values() {
            if let Some((n, _)) = m.protocols.iter().find(|(n, _)| candidates.contains(&n)) {
                if let Some(v) = votes.iter_mut().find(|v| v.1 == n) {
                    v.0 += 1;
                }
            }
        }
        let best = votes.iter().map(|v| v.0).max()?;
        votes.into_iter().find(|v| v.0 == best).map(|v| v.1.clone())
    }

    fn is_fenced(&self, member_id: &str, instance_id: Option<&str>) -> bool {
        instance_id.and_then(|i| self.statics.get(i)).is_some_and(|id| id != member_id)
    }

    fn result(&self, member_id: &str, error: ErrorCode) -> JoinResult {
        let mut r = JoinResult::error(error, member_id);
        r.generation = self.generation;
        r.protocol_type = self.protocol_type.clone();
        r.protocol_name = self.protocol_name.clone();
        r.leader = self.leader.clone().unwrap_or_default();
        if error == ErrorCode::NONE && self.leader.as_deref() == Some(member_id) {
            let proto = self.protocol_name.clone().unwrap_or_default();
            let mut members: Vec<&Member> = self.members.values().collect();
            members.sort_by_key(|m| m.seq);
            r.members = members
                .into_iter()
                .map(|m| JoinedMember {
                    member_id: m.id.clone(),
                    instance_id: m.instance_id.clone(),
                    metadata: m.metadata_for(&proto),
                })
                .collect();
        }
        r
    }

    pub fn join(
        &mut self,
        p: JoinParams,
        cfg: &GroupConfig,
        fresh_id: String,
        out: &mut Out,
        now: Millis,
    ) -> Option<JoinResult> {
        let err = |e| Some(JoinResult::error(e, &p.member_id));
        if self.state == GroupState::Dead {
            return err(ErrorCode::COORDINATOR_NOT_AVAILABLE);
        }
        if !self.supports(&p.protocol_type, &p.protocols) {
            return err(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
        }
        if p.member_id.is_empty() {
            let known = p.instance_id.as_ref().and_then(|i| self.statics.get(i)).cloned();
            if let Some(old) = known.filter(|old| self.members.contains_key(old)) {
                return self.replace_static(&old, p, fresh_id, cfg, out, now);
            }
            if self.members.len() + self.pending.len() >= cfg.max_size {
                return err(ErrorCode::GROUP_MAX_SIZE_REACHED);
            }
            if p.require_known_member && p.instance_id.is_none() {
                self.pending.insert(fresh_id.clone(), now.saturating_add(p.session_timeout_ms as i64));
                return Some(JoinResult::error(ErrorCode::MEMBER_ID_REQUIRED, &fresh_id));
            }
            self.add_member(fresh_id, p, cfg, out, now);
            return None;
        }
        if self.is_fenced(&p.member_id, p.instance_id.as_deref()) {
            return err(ErrorCode::FENCED_INSTANCE_ID);
        }
        if self.pending.remove(&p.member_id).is_some() {
            let id = p.member_id.clone();
            self.add_member(id, p, cfg, out, now);
            return None;
        }
        let Some(member) = self.members.get_mut(&p.member_id) else {
            return err(ErrorCode::UNKNOWN_MEMBER_ID);
        };
        member.refresh(now);
        let unchanged = member.same_protocols(&p.protocols);
        let is_leader = self.leader.as_deref() == Some(p.member_id.as_str());
        match self.state {
            GroupState::Empty | GroupState::Dead => err(ErrorCode::UNKNOWN_MEMBER_ID),
            GroupState::CompletingRebalance if unchanged => Some(self.result(&p.member_id, ErrorCode::NONE)),
            GroupState::Stable if unchanged && !is_leader => Some(self.result(&p.member_id, ErrorCode::NONE)),
            state => {
                let id = p.member_id.clone();
                self.update_member(&id, p, out);
                if state == GroupState::PreparingRebalance {
                    self.maybe_complete_join(out, now);
                } else {
                    let why = out.why(|| {
                        let role = if is_leader { "leader " } else { "" };
                        let changed = if unchanged { "" } else { " with new protocols" };
                        format!("{role}{} rejoined{changed}", self.who(&id))
                    });
                    self.prepare_rebalance(cfg, &why, out, now);
                }
                None
            }
        }
    }

    /// A rejoin updates what the member supports and parks its JoinGroup (an earlier parked one
    /// is answered REBALANCE_IN_PROGRESS so that it does not hang).
    fn update_member(&mut self, id: &str, p: JoinParams, out: &mut Out) {
        let Some(m) = self.members.get_mut(id) else { return };
        if let Some(old) = m.awaiting_join.replace(p.waiter) {
            out.completions.push(Completion::join(old, JoinResult::error(ErrorCode::REBALANCE_IN_PROGRESS, id)));
        }
        m.protocols = p.protocols;
        m.session_timeout_ms = p.session_timeout_ms;
        m.rebalance_timeout_ms = p.rebalance_timeout_ms;
        m.client_id = p.client_id;
    }

    fn add_member(&mut self, id: String, p: JoinParams, cfg: &GroupConfig, out: &mut Out, now: Millis) {
        if self.members.is_empty() {
            self.protocol_type = Some(p.protocol_type.clone());
        }
        if let Some(i) = &p.instance_id {
            self.statics.insert(i.clone(), id.clone());
        }
        self.next_seq += 1;
        let mut m = Member {
            id: id.clone(),
            instance_id: p.instance_id,
            client_id: p.client_id,
            client_host: p.client_host,
            session_timeout_ms: p.session_timeout_ms,
            rebalance_timeout_ms: p.rebalance_timeout_ms,
            protocols: p.protocols,
            assignment: Bytes::new(),
            awaiting_join: Some(p.waiter),
            awaiting_sync: None,
            synced: false,
            session_deadline: now,
            seq: self.next_seq,
        };
        m.refresh(now);
        self.members.insert(id.clone(), m);
        let who = out.why(|| self.who(&id));
        let group = &self.id;
        out.note(now, "member-joined", None, || format!("{who} joined group {group} (member {id})"));
        if self.leader.is_none() {
            self.leader = Some(id);
        }
        match self.state {
            GroupState::PreparingRebalance => {
                // Kafka's InitialDelayedJoin: each new member in the delay window extends it, up to
                // the rebalance timeout. The join deadline itself stays (Kafka's DelayedJoin).
                if self.delay_until > now {
                    self.delay_until = now.saturating_add(cfg.initial_rebalance_delay_ms).min(self.join_deadline);
                }
                self.maybe_complete_join(out, now);
            }
            _ => {
                let why = out.why(|| format!("{who} joined"));
                self.prepare_rebalance(cfg, &why, out, now)
            }
        }
    }

    /// A static member rejoining without its member id (a restart): it takes a new id, the old
    /// one's parked requests are fenced, and it keeps its assignment.
    fn replace_static(
        &mut self,
        old: &str,
        p: JoinParams,
        fresh: String,
        cfg: &GroupConfig,
        out: &mut Out,
        now: Millis,
    ) -> Option<JoinResult> {
        let Some(mut m) = self.members.remove(old) else {
            return Some(JoinResult::error(ErrorCode::UNKNOWN_MEMBER_ID, old));
        };
        if let Some(w) = m.awaiting_join.take() {
            out.completions.push(Completion::join(w, JoinResult::error(ErrorCode::FENCED_INSTANCE_ID, old)));
        }
        if let Some(w) = m.awaiting_sync.take() {
            out.completions.push(Completion::sync(w, SyncResult::error(ErrorCode::FENCED_INSTANCE_ID)));
        }
        let unchanged = m.same_protocols(&p.protocols);
        m.id = fresh.clone();
        m.protocols = p.protocols;
        m.session_timeout_ms = p.session_timeout_ms;
        m.rebalance_timeout_ms = p.rebalance_timeout_ms;
        m.client_id = p.client_id;
        m.refresh(now);
        let was_leader = self.leader.as_deref() == Some(old);
        if was_leader {
            self.leader = Some(fresh.clone());
        }
        if let Some(i) = &p.instance_id {
            self.statics.insert(i.clone(), fresh.clone());
        }
        self.members.insert(fresh.clone(), m);
        let (group, instance) = (&self.id, p.instance_id.as_deref().unwrap_or(""));
        out.note(now, "member-joined", None, || {
            format!("static member {instance} rejoined group {group} as {fresh}: {old} is fenced")
        });
        if self.state == GroupState::Stable && unchanged && !was_leader {
            out.records.push(self.metadata_record(now));
            return Some(self.result(&fresh, ErrorCode::NONE));
        }
        if let Some(m) = self.members.get_mut(&fresh) {
            m.awaiting_join = Some(p.waiter);
        }
        if self.state == GroupState::PreparingRebalance {
            self.maybe_complete_join(out, now);
        } else {
            let why = out.why(|| format!("static member {instance} restarted"));
            self.prepare_rebalance(cfg, &why, out, now);
        }
        None
    }

    /// The join phase begins (`why`: what changed, for the note).
    fn prepare_rebalance(&mut self, cfg: &GroupConfig, why: &str, out: &mut Out, now: Millis) {
        // A group's first members joining is how it forms; a rebalance of a working group is a disturbance.
        let anomaly = (self.state != GroupState::Empty).then_some("rebalance");
        let (id, generation) = (&self.id, self.generation);
        out.note(now, "rebalance-start", anomaly, || {
            format!("group {id} rebalances (generation {generation} → {}): {why}", generation + 1)
        });
        if self.state == GroupState::CompletingRebalance {
            for m in self.members.values_mut() {
                m.assignment = Bytes::new();
                if let Some(w) = m.awaiting_sync.take() {
                    out.completions.push(Completion::sync(w, SyncResult::error(ErrorCode::REBALANCE_IN_PROGRESS)));
                }
            }
        }
        let timeout = self.members.values().map(|m| m.rebalance_timeout_ms as i64).max().unwrap_or(0);
        self.join_deadline = now.saturating_add(timeout);
        self.delay_until = if self.state == GroupState::Empty {
            now.saturating_add(cfg.initial_rebalance_delay_ms).min(self.join_deadline)
        } else {
            now
        };
        self.transition(GroupState::PreparingRebalance, out, now);
        self.maybe_complete_join(out, now);
    }

    pub fn maybe_complete_join(&mut self, out: &mut Out, now: Millis) {
        if self.state != GroupState::PreparingRebalance {
            return;
        }
        let all_joined = self.pending.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some());
        if (all_joined && now >= self.delay_until) || now >= self.join_deadline {
            self.complete_join(out, now);
        }
    }

    /// The join phase ends: members that did not rejoin are removed, the generation moves on,
    /// a protocol is chosen and every parked JoinGroup answered (the leader gets the members).
    fn complete_join(&mut self, out: &mut Out, now: Millis) {
        let gone: Vec<String> =
            self.members.values().filter(|m| m.awaiting_join.is_none()).map(|m| m.id.clone()).collect();
        for id in gone {
            let (who, group) = (out.why(|| self.who(&id)), &self.id);
            let timeout = self.members.get(&id).map_or(0, |m| m.rebalance_timeout_ms);
            out.note(now, "member-evicted", Some("evicted"), || {
                format!("{who} did not rejoin group {group} within the rebalance timeout {timeout} ms: removed")
            });
            self.drop_member(&id, out);
        }
        self.pending.clear();
        self.generation += 1;
        if self.members.is_empty() {
            self.protocol_name = None;
            self.leader = None;
            let (id, generation) = (&self.id, self.generation);
            out.note(now, "generation", None, || format!("group {id} generation {generation}: no members left"));
            self.transition(GroupState::Empty, out, now);
            out.records.push(self.metadata_record(now));
            return;
        }
        self.protocol_name = self.select_protocol();
        if !self.leader.as_ref().is_some_and(|l| self.members.contains_key(l)) {
            self.leader = self.members.values().min_by_key(|m| m.seq).map(|m| m.id.clone());
        }
        out.note(now, "generation", None, || {
            let mut members: Vec<&Member> = self.members.values().collect();
            members.sort_by_key(|m| m.seq);
            let names: Vec<String> = members.iter().map(|m| self.who(&m.id)).collect();
            let leader = self.leader.as_deref().map(|l| self.who(l)).unwrap_or_default();
            let protocol = self.protocol_name.as_deref().unwrap_or("?");
            format!(
                "group {} generation {} with {protocol}: leader {leader}, members {}",
                self.id,
                self.generation,
                names.join(", ")
            )
        });
        self.transition(GroupState::CompletingRebalance, out, now);
        let timeout = self.members.values().map(|m| m.rebalance_timeout_ms as i64).max().unwrap_or(0);
        self.sync_deadline = now.saturating_add(timeout);
        let ids: Vec<String> = self.members.keys().cloned().collect();
        for id in ids {
            let result = self.result(&id, ErrorCode::NONE);
            if let Some(m) = self.members.get_mut(&id) {
                m.synced = false;
                m.refresh(now);
                if let Some(w) = m.awaiting_join.take() {
                    out.completions.push(Completion::join(w, result));
                }
            }
        }
        out.records.push(self.metadata_record(now));
    }

    #[allow(clippy::too_many_arguments)]
    pub fn sync(
        &mut self,
        member_id: &str,
        instance_id: Option<&str>,
        generation: i32,
        protocol: (Option<&str>, Option<&str>),
        assignments: Vec<(String, Bytes)>,
        waiter: Waiter,
        out: &mut Out,
        now: Millis,
    ) -> Option<SyncResult> {
        let err = |e| Some(SyncResult::error(e));
        if self.state == GroupState::Dead {
            return err(ErrorCode::COORDINATOR_NOT_AVAILABLE);
        }
        if self.is_fenced(member_id, instance_id) {
            return err(ErrorCode::FENCED_INSTANCE_ID);
        }
        if !self.members.contains_key(member_id) {
            return err(ErrorCode::UNKNOWN_MEMBER_ID);
        }
        if generation != self.generation {
            return err(ErrorCode::ILLEGAL_GENERATION);
        }
        let mismatch = |given: Option<&str>, ours: &Option<String>| given.is_some_and(|g| Some(g) != ours.as_deref());
        if mismatch(protocol.0, &self.protocol_type) || mismatch(protocol.1, &self.protocol_name) {
            return err(ErrorCode::INCONSISTENT_GROUP_PROTOCOL);
        }
        match self.state {
            GroupState::Empty | GroupState::Dead => err(ErrorCode::UNKNOWN_MEMBER_ID),
            GroupState::PreparingRebalance => err(ErrorCode::REBALANCE_IN_PROGRESS),
            GroupState::Stable => {
                let m = self.members.get_mut(member_id)?;
                m.refresh(now);
                Some(self.sync_result(member_id))
            }
            GroupState::CompletingRebalance => {
                let m = self.members.get_mut(member_id)?;
                m.refresh(now);
                m.synced = true;
                if let Some(old) = m.awaiting_sync.replace(waiter) {
                    out.completions.push(Completion::sync(old, SyncResult::error(ErrorCode::REBALANCE_IN_PROGRESS)));
                }
                if self.leader.as_deref() == Some(member_id) {
                    let mut given: BTreeMap<String, Bytes> = assignments.into_iter().collect();
                    for m in self.members.values_mut() {
                        m.assignment = given.remove(&m.id).unwrap_or_default();
                    }
                    self.transition(GroupState::Stable, out, now);
                    let ids: Vec<String> = self.members.keys().cloned().collect();
                    for id in ids {
                        let result = self.sync_result(&id);
                        if let Some(w) = self.members.get_mut(&id).and_then(|m| m.awaiting_sync.take()) {
                            out.completions.push(Completion::sync(w, result));
                        }
                    }
                    out.records.push(self.metadata_record(now));
                }
                None
            }
        }
    }

    fn sync_result(&self, member_id: &str) -> SyncResult {
        SyncResult {
            error: ErrorCode::NONE,
            protocol_type: self.protocol_type.clone(),
            protocol_name: self.protocol_name.clone(),
            assignment: self.members.get(member_id).map(|m| m.assignment.clone()).unwrap_or_default(),
        }
    }

    pub fn heartbeat(&mut self, member_id: &str, instance_id: Option<&str>, generation: i32, now: Millis) -> ErrorCode {
        if self.state == GroupState::Dead {
            return ErrorCode::COORDINATOR_NOT_AVAILABLE;
        }
        if self.is_fenced(member_id, instance_id) {
            return ErrorCode::FENCED_INSTANCE_ID;
        }
        let Some(m) = self.members.get_mut(member_id) else {
            return ErrorCode::UNKNOWN_MEMBER_ID;
        };
        if generation != self.generation {
            return ErrorCode::ILLEGAL_GENERATION;
        }
        m.refresh(now);
        match self.state {
            GroupState::Empty | GroupState::Dead => ErrorCode::UNKNOWN_MEMBER_ID,
            GroupState::PreparingRebalance => ErrorCode::REBALANCE_IN_PROGRESS,
            GroupState::CompletingRebalance | GroupState::Stable => ErrorCode::NONE,
        }
    }

    /// One member of a LeaveGroup: by instance id (static) or member id.
    pub fn leave(
        &mut self,
        member_id: &str,
        instance_id: Option<&str>,
        cfg: &GroupConfig,
        out: &mut Out,
        now: Millis,
    ) -> ErrorCode {
        if self.state == GroupState::Dead {
            return ErrorCode::COORDINATOR_NOT_AVAILABLE;
        }
        let id = match instance_id {
            Some(i) => match self.statics.get(i) {
                None => return ErrorCode::UNKNOWN_MEMBER_ID,
                Some(id) if !member_id.is_empty() && id != member_id => return ErrorCode::FENCED_INSTANCE_ID,
                Some(id) => id.clone(),
            },
            None => member_id.to_string(),
        };
        if self.pending.remove(&id).is_some() {
            self.maybe_complete_join(out, now);
            return ErrorCode::NONE;
        }
        if !self.members.contains_key(&id) {
            return ErrorCode::UNKNOWN_MEMBER_ID;
        }
        let (who, group) = (out.why(|| self.who(&id)), &self.id);
        out.note(now, "member-left", None, || format!("{who} left group {group}"));
        let why = out.why(|| format!("{who} left"));
        self.remove_member(&id, cfg, &why, out, now);
        ErrorCode::NONE
    }

    /// Removes a member (left, expired, fenced) and answers its parked requests.
    fn drop_member(&mut self, id: &str, out: &mut Out) {
        let Some(mut m) = self.members.remove(id) else { return };
        if let Some(w) = m.awaiting_join.take() {
            out.completions.push(Completion::join(w, JoinResult::error(ErrorCode::UNKNOWN_MEMBER_ID, id)));
        }
        if let Some(w) = m.awaiting_sync.take() {
            out.completions.push(Completion::sync(w, SyncResult::error(ErrorCode::UNKNOWN_MEMBER_ID)));
        }
        if let Some(i) = &m.instance_id {
            if self.statics.get(i).map(String::as_str) == Some(id) {
                self.statics.remove(i);
            }
        }
        if self.leader.as_deref() == Some(id) {
            self.leader = None;
        }
    }

    /// Removes a member and moves the group on: a rebalance, or the end of the join phase.
    fn remove_member(&mut self, id: &str, cfg: &GroupConfig, why: &str, out: &mut Out, now: Millis) {
        self.drop_member(id, out);
        match self.state {
            GroupState::Stable | GroupState::CompletingRebalance => self.prepare_rebalance(cfg, why, out, now),
            GroupState::PreparingRebalance => self.maybe_complete_join(out, now),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    /// Time passed: expired sessions, join and sync deadlines.
    pub fn tick(&mut self, cfg: &GroupConfig, out: &mut Out, now: Millis) {
        let before = self.pending.len();
        self.pending.retain(|_, deadline| *deadline > now);
        let expired: Vec<String> = self
            .members
            .values()
            .filter(|m| !m.kept_alive() && m.session_deadline <= now)
            .map(|m| m.id.clone())
            .collect();
        for id in expired {
            let (who, group) = (out.why(|| self.who(&id)), &self.id);
            let timeout = self.members.get(&id).map_or(0, |m| m.session_timeout_ms);
            out.note(now, "member-evicted", Some("evicted"), || {
                format!("{who} missed its session timeout {timeout} ms: removed from group {group}")
            });
            let why = out.why(|| format!("{who}'s session expired"));
            self.remove_member(&id, cfg, &why, out, now);
        }
        if self.state == GroupState::CompletingRebalance && now >= self.sync_deadline {
            let unsynced: Vec<String> = self.members.values().filter(|m| !m.synced).map(|m| m.id.clone()).collect();
            if !unsynced.is_empty() {
                let names = out.why(|| unsynced.iter().map(|id| self.who(id)).collect::<Vec<_>>().join(", "));
                for id in &unsynced {
                    let (who, group) = (out.why(|| self.who(id)), &self.id);
                    out.note(now, "member-evicted", Some("evicted"), || {
                        format!("{who} did not send SyncGroup in time: removed from group {group}")
                    });
                    self.drop_member(id, out);
                }
                let why = out.why(|| format!("{names} did not sync"));
                self.prepare_rebalance(cfg, &why, out, now);
            }
        }
        if before != self.pending.len() || self.state == GroupState::PreparingRebalance {
            self.maybe_complete_join(out, now);
        }
    }

    /// The earliest time `tick` has work.
    pub fn next_deadline(&self) -> Option<Millis> {
        let sessions = self.members.values().filter(|m| !m.kept_alive()).map(|m| m.session_deadline);
        let pending = self.pending.values().copied();
        let phase = match self.state {
            GroupState::PreparingRebalance => {
                let all_joined = self.pending.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some());
                Some(if all_joined { self.join_deadline.min(self.delay_until) } else { self.join_deadline })
            }
            GroupState::CompletingRebalance if self.members.values().any(|m| !m.synced) => Some(self.sync_deadline),
            _ => None,
        };
        sessions.chain(pending).chain(phase).min()
    }

    pub fn metadata_record(&self, now: Millis) -> LogRecord {
        LogRecord { partition: self.partition, key: log::group_key(&self.id), value: Some(log::group_value(self, now)) }
    }
}
