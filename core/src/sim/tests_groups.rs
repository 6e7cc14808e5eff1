//! Consumer groups in the simulation: one topic, a producer, and group members driven by an
//! application model (poll, process = record it, commit after processing, sync or async), with
//! membership churn (join, close, stall past `max.poll.interval.ms`, network cut so that no
//! heartbeat arrives) under random network faults. The invariants are checked by
//! `tests_groups_checks.rs` at every step; the scenarios are in `tests_groups_scenarios.rs`.

use std::collections::{BTreeMap, BTreeSet};

use bytes::Bytes;

use super::test_support::create_topic;
use super::tests_groups_checks::Checks;
use super::*;
use crate::consumer::{OffsetAndMetadata, TopicPartition};

pub(super) const TOPIC: &str = "events";
pub(super) const GROUP: &str = "g";
pub(super) const SESSION_MS: Millis = 6_000;
pub(super) const MAX_POLL_MS: Millis = 8_000;
/// The application's loop period: poll, process, commit, then this much virtual time passes.
const TICK_MS: Millis = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum CommitMode {
    /// `commit` and wait for its completion before polling again (Java's `commitSync`).
    Sync,
    /// `commit` and carry on (Java's `commitAsync`).
    Async,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    Active,
    /// The application does not poll until then (past `max.poll.interval.ms`, the member leaves
    /// and loses its partitions; it rejoins when it polls again).
    Stalled {
        until: Millis,
    },
    /// Every message to or from the member is dropped until then: no heartbeat arrives, the
    /// coordinator removes it after `session.timeout.ms`.
    Cut {
        until: Millis,
    },
    /// `close` was called.
    Closed,
    /// The process was killed (`Simulation::crash`); started again (a new member) at `restart_at`.
    Crashed {
        restart_at: Option<Millis>,
    },
}

#[derive(Debug)]
pub(super) struct Member {
    pub node: NodeId,
    pub name: String,
    pub status: Status,
    pub commit: CommitMode,
    /// A sync commit the application waits for.
    pub awaiting: Option<u64>,
    /// A commit failed: the next poll commits every position (what was processed) again.
    pub dirty: bool,
    /// The partitions the member owns by the events it delivered (Assigned, Revoked, Lost).
    pub owned: BTreeSet<TopicPartition>,
    /// The generation of the last `Joined` event.
    pub generation: i32,
    /// To crash between processing and committing, then restart after this long (if given), with
    /// the ticks left to wait for records to process.
    pub crash_before_commit: Option<(Option<Millis>, u32)>,
}

impl Member {
    /// Runs and has not closed.
    pub fn alive(&self) -> bool {
        !matches!(self.status, Status::Closed | Status::Crashed { .. })
    }

    pub fn crashed(&self) -> bool {
        matches!(self.status, Status::Crashed { .. })
    }
}

/// What a scenario varies.
#[derive(Clone, Debug)]
pub(super) struct Setup {
    pub seed: u64,
    pub assignor: &'static str,
    pub partitions: i32,
    pub faults: RandomFaults,
}

impl Setup {
    pub fn new(seed: u64, assignor: &'static str) -> Setup {
        Setup { seed, assignor, partitions: 6, faults: RandomFaults::default() }
    }

    /// Drops and delays of requests and responses, on links that keep their order as TCP does.
    pub fn with_faults(mut self) -> Setup {
        self.faults = RandomFaults {
            drop_request: 0.02,
            drop_response: 0.02,
            duplicate_request: 0.0,
            delay_probability: 0.05,
            delay_max_ms: 50,
        };
        self
    }

    pub fn cooperative(&self) -> bool {
        self.assignor == "cooperative-sticky"
    }
}

pub(super) struct World {
    pub sim: Simulation,
    pub setup: Setup,
    /// The test's own choices (who joins, who stalls): a generator apart from the network's.
    pub rng: Rng,
    pub producer: NodeId,
    pub sent: u64,
    /// Delivery reports received (with unlimited retries, every record is delivered).
    pub delivered: u64,
    pub members: Vec<Member>,
    /// How many times each record (partition, offset) was processed.
    pub processed: BTreeMap<(i32, i64), u32>,
    /// Partitions a crashed member owned: (partition, its position at the crash, when), until
    /// another member processes a record of it.
    pub crash_watches: Vec<(i32, i64, Millis)>,
    /// Records processed by a crashed member, not committed, and processed again by the next owner.
    pub reprocessed_after_crash: u64,
    pub checks: Checks,
}

impl World {
    pub fn new(setup: Setup) -> World {
        let config =
            SimConfig { seed: setup.seed, latency_ms: 1, jitter_ms: 3, in_order_links: true, ..SimConfig::default() };
        let mut sim = Simulation::new(config, BrokerConfig::default());
        create_topic(&mut sim, TOPIC, setup.partitions);
        let producer = sim
            .add_producer(
                "producer",
                ProducerConfig::from_pairs([
                    ("enable.idempotence", "false"),
                    ("linger.ms", "5"),
                    ("request.timeout.ms", "1000"),
                    ("retry.backoff.ms", "50"),
                ])
                .unwrap(),
            )
            .unwrap();
        sim.set_random_faults(setup.faults.clone());
        let rng = Rng::new(setup.seed ^ 0x5eed_6709);
        let checks = Checks::new(setup.partitions, setup.cooperative());
        World {
            sim,
            setup,
            rng,
            producer,
            sent: 0,
            delivered: 0,
            members: Vec::new(),
            processed: BTreeMap::new(),
            crash_watches: Vec::new(),
            reprocessed_after_crash: 0,
            checks,
        }
    }

    fn member_config(&self) -> ConsumerConfig {
        let session = SESSION_MS.to_string();
        let max_poll = MAX_POLL_MS.to_string();
        ConsumerConfig::from_pairs([
            ("group.id", GROUP),
            ("enable.auto.commit", "false"),
            ("auto.offset.reset", "earliest"),
            ("partition.assignment.strategy", self.setup.assignor),
            ("session.timeout.ms", session.as_str()),
            ("heartbeat.interval.ms", "1000"),
            ("max.poll.interval.ms", max_poll.as_str()),
            ("request.timeout.ms", "2000"),
            ("retry.backoff.ms", "100"),
            ("fetch.max.wait.ms", "100"),
            ("max.poll.records", "50"),
        ])
        .unwrap()
    }

    /// A new member subscribes to the topic.
    pub fn join(&mut self, commit: CommitMode) -> usize {
        let name = format!("m{}", self.members.len());
        let node = self.sim.add_consumer(&name, self.member_config()).unwrap();
        self.sim.with_consumer(node, |c, _| c.subscribe(vec![TOPIC.to_string()])).unwrap();
        self.members.push(Member {
            node,
            name,
            status: Status::Active,
            commit,
            awaiting: None,
            dirty: false,
            crash_before_commit: None,
            owned: BTreeSet::new(),
            generation: -1,
        });
        self.members.len() - 1
    }

    pub fn join_random(&mut self) -> usize {
        let commit = if self.rng.chance(0.5) { CommitMode::Sync } else { CommitMode::Async };
        self.join(commit)
    }

    pub fn close(&mut self, i: usize) {
        let node = self.members[i].node;
        self.sim.with_consumer(node, |c, _| c.close_group());
        self.members[i].status = Status::Closed;
    }

    /// Kill the member's process; it starts again (as a new member) after `restart_after` if given.
    pub fn crash(&mut self, i: usize, restart_after: Option<Millis>) {
        let node = self.members[i].node;
        let now = self.sim.now();
        let owned: Vec<TopicPartition> = self.members[i].owned.iter().cloned().collect();
        for tp in owned {
            if let Some(pos) = self.sim.consumer(node).position(&tp) {
                self.crash_watches.push((tp.partition, pos, now));
            }
        }
        self.sim.crash(node);
        self.members[i].status = Status::Crashed { restart_at: restart_after.map(|d| now + d) };
    }

    fn restart(&mut self, i: usize) {
        let node = self.members[i].node;
        self.sim.restart(node).unwrap();
        self.sim.with_consumer(node, |c, _| c.subscribe(vec![TOPIC.to_string()])).unwrap();
        let m = &mut self.members[i];
        m.status = Status::Active;
        m.awaiting = None;
        m.dirty = false;
        m.owned.clear();
        m.generation = -1;
    }

    pub fn stall(&mut self, i: usize, for_ms: Millis) {
        self.members[i].status = Status::Stalled { until: self.sim.now() + for_ms };
    }

    /// Cut the member off the network (both directions) for `for_ms`.
    pub fn cut(&mut self, i: usize, for_ms: Millis) {
        let node = self.members[i].node;
        for direction in [Direction::Request, Direction::Response] {
            self.sim.inject(FaultRule { node: Some(node), api: None, direction, fault: Fault::Drop, count: u32::MAX });
        }
        self.members[i].status = Status::Cut { until: self.sim.now() + for_ms };
    }

    fn heal(&mut self, i: usize) {
        let node = self.members[i].node;
        self.sim.rules.retain(|r| r.node != Some(node));
        self.members[i].status = Status::Active;
    }

    /// Send `n` records, spread over the partitions.
    pub fn produce(&mut self, n: u64) {
        for _ in 0..n {
            let partition = (self.sent % self.setup.partitions as u64) as i32;
            let value = Bytes::from(format!("v{}", self.sent));
            let record = ProducerRecord {
                topic: TOPIC.to_string(),
                partition: Some(partition),
                key: None,
                value: Some(value),
                headers: vec![],
                timestamp: None,
            };
            self.sim.send(self.producer, record).unwrap();
            self.sent += 1;
        }
    }

    /// Let `TICK_MS` of virtual time pass (invariants checked at every step), then run every
    /// member's application loop once.
    pub fn tick(&mut self) {
        let checks = &mut self.checks;
        let members = &self.members;
        self.sim.run_until_cond(TICK_MS, |sim| {
            checks.step(sim, members);
            false
        });
        let now = self.sim.now();
        for i in 0..self.members.len() {
            match self.members[i].status {
                Status::Stalled { until } if now >= until => self.members[i].status = Status::Active,
                Status::Cut { until } if now >= until => self.heal(i),
                Status::Crashed { restart_at: Some(at) } if now >= at => self.restart(i),
                _ => {}
            }
            if self.members[i].crashed() {
                continue;
            }
            self.take_events(i);
            if self.members[i].status == Status::Active && self.members[i].awaiting.is_none() {
                match self.members[i].crash_before_commit {
                    Some((restart, ticks)) => {
                        // Processed, then the process dies before its commit.
                        if self.process(i).is_some() || ticks == 0 {
                            self.members[i].crash_before_commit = None;
                            self.crash(i, restart);
                        } else {
                            self.members[i].crash_before_commit = Some((restart, ticks - 1));
                        }
                    }
                    None => self.poll_and_process(i),
                }
            }
        }
    }

    pub fn run_for(&mut self, ms: Millis) {
        let stop = self.sim.now() + ms;
        while self.sim.now() < stop {
            self.tick();
        }
    }

    fn take_events(&mut self, i: usize) {
        let node = self.members[i].node;
        for ev in self.sim.take_consumer_events(node) {
            let m = &mut self.members[i];
            match &ev {
                ConsumerEvent::Joined { generation_id, .. } => m.generation = *generation_id,
                ConsumerEvent::Assigned(tps) => m.owned.extend(tps.iter().cloned()),
                ConsumerEvent::Revoked(tps) | ConsumerEvent::Lost(tps) => {
                    for tp in tps {
                        m.owned.remove(tp);
                    }
                }
                ConsumerEvent::CommitCompleted { id, result } => {
                    if m.awaiting == Some(*id) {
                        m.awaiting = None;
                    }
                    m.dirty |= result.is_err();
                }
                _ => {}
            }
            self.checks.event(m, &ev);
        }
        let m = &self.members[i];
        if m.alive() {
            let actual: BTreeSet<TopicPartition> = self.sim.consumer(m.node).assignment().into_iter().collect();
            assert_eq!(m.owned, actual, "seed {}: {}'s events disagree with its assignment", self.setup.seed, m.name);
        }
    }

    /// The application: poll, process each record (record it), then commit what it processed.
    fn poll_and_process(&mut self, i: usize) {
        let node = self.members[i].node;
        let Some(next) = self.process(i) else { return };
        // After a failed commit, the positions of every partition: all it handed out was processed.
        let offsets = (!std::mem::take(&mut self.members[i].dirty))
            .then(|| next.into_iter().map(|(tp, o)| (tp, OffsetAndMetadata::new(o))).collect());
        let id = self.sim.with_consumer(node, |c, now| c.commit(offsets, now)).unwrap();
        if self.members[i].commit == CommitMode::Sync {
            self.members[i].awaiting = Some(id);
        }
    }

    /// Poll and process (record) what comes; the offsets to commit after it, or None when there is
    /// nothing to process or commit.
    fn process(&mut self, i: usize) -> Option<BTreeMap<TopicPartition, i64>> {
        let node = self.members[i].node;
        let records = self.sim.poll(node);
        if records.is_empty() && !self.members[i].dirty {
            return None;
        }
        let mut next: BTreeMap<TopicPartition, i64> = BTreeMap::new();
        for r in &records {
            let tp = TopicPartition::new(&*r.topic, r.partition);
            assert!(
                self.members[i].owned.contains(&tp),
                "seed {}: {} got a record of {tp}, which it does not own",
                self.setup.seed,
                self.members[i].name
            );
            *self.processed.entry((r.partition, r.offset)).or_default() += 1;
            self.watch_crashed(r.partition, r.offset);
            next.insert(tp, r.offset + 1);
        }
        Some(next)
    }

    /// The first record of a partition a crashed member owned, processed by its next owner: it is
    /// the group's committed offset (what the crashed member processed past it is processed again).
    fn watch_crashed(&mut self, partition: i32, offset: i64) {
        if !self.crash_watches.iter().any(|w| w.0 == partition) {
            return;
        }
        let committed = self.sim.broker().groups().offset(GROUP, &(TOPIC.to_string(), partition)).0;
        let start = committed.map_or(0, |o| o.offset);
        for (_, position, at) in self.crash_watches.iter().filter(|w| w.0 == partition) {
            assert!(
                offset == start && start <= *position,
                "seed {}: partition {partition}, owned by a member that crashed at {at} at position {position}, \
                 resumed at offset {offset} with {start} committed",
                self.setup.seed
            );
            self.reprocessed_after_crash += (position - start) as u64;
        }
        self.crash_watches.retain(|w| w.0 != partition);
    }

    pub fn heal_all(&mut self) {
        for i in 0..self.members.len() {
            match self.members[i].status {
                Status::Stalled { .. } => self.members[i].status = Status::Active,
                Status::Cut { .. } => self.heal(i),
                Status::Crashed { restart_at: Some(_) } => self.restart(i),
                _ => {}
            }
        }
    }

    pub fn active(&self) -> Vec<usize> {
        (0..self.members.len()).filter(|&i| self.members[i].status == Status::Active).collect()
    }

    /// Membership churn for `ms` of virtual time: every tick a member may join, close, stall, be
    /// cut off or (with `crashes`) crash; records are produced all along.
    pub fn churn(&mut self, ms: Millis, max_members: usize, crashes: bool) {
        let stop = self.sim.now() + ms;
        while self.sim.now() < stop {
            self.produce(2);
            if self.rng.chance(0.04) {
                let alive = self.members.iter().filter(|m| m.alive()).count();
                let active = self.active();
                match self.rng.below(if crashes { 5 } else { 4 }) {
                    0 if alive < max_members => {
                        self.join_random();
                    }
                    1 if active.len() > 1 => {
                        let i = active[self.rng.below(active.len() as u64) as usize];
                        self.close(i);
                    }
                    2 if !active.is_empty() => {
                        let i = active[self.rng.below(active.len() as u64) as usize];
                        let extra = self.rng.below(4_000) as Millis;
                        self.stall(i, MAX_POLL_MS + extra);
                    }
                    3 if !active.is_empty() => {
                        let i = active[self.rng.below(active.len() as u64) as usize];
                        let extra = self.rng.below(4_000) as Millis;
                        self.cut(i, SESSION_MS + extra);
                    }
                    4 if active.len() > 1 => {
                        let i = active[self.rng.below(active.len() as u64) as usize];
                        let restart = self.rng.chance(0.5).then(|| self.rng.below(10_000) as Millis);
                        // Half the crashes come between processing and committing (commits are
                        // quick: a crash at a random moment rarely finds processed records
                        // uncommitted).
                        if self.rng.chance(0.5) {
                            self.members[i].crash_before_commit = Some((restart, 50));
                        } else {
                            self.crash(i, restart);
                        }
                    }
                    _ => {}
                }
            }
            self.tick();
        }
    }

    /// The churn stops: faults off, everyone back; then the group must become Stable with every
    /// partition owned by exactly one live member within `bound_ms`, and every record must be
    /// processed and committed within `bound_ms` more. Returns the time it took to stabilize.
    pub fn settle(&mut self, bound_ms: Millis) -> Millis {
        self.sim.set_random_faults(RandomFaults::default());
        self.heal_all();
        if self.active().is_empty() {
            self.join_random();
        }
        self.sim.flush_producer(self.producer);
        let start = self.sim.now();
        while !self.stable() {
            assert!(
                self.sim.now() - start <= bound_ms,
                "seed {} ({}): the group is not stable {bound_ms} ms after the churn: {}",
                self.setup.seed,
                self.setup.assignor,
                self.describe()
            );
            self.tick();
        }
        let took = self.sim.now() - start;
        let start = self.sim.now();
        while !self.drained() {
            assert!(
                self.sim.now() - start <= bound_ms,
                "seed {} ({}): records unprocessed or uncommitted {bound_ms} ms after the group stabilized: {}",
                self.setup.seed,
                self.setup.assignor,
                self.describe()
            );
            self.tick();
        }
        self.checks.finish(&self.setup);
        took
    }

    /// Stable on both sides: the coordinator's members are exactly the live members, all in its
    /// generation, and their partitions cover the topic.
    pub fn stable(&mut self) -> bool {
        let Some(g) = self.sim.broker().groups().group(GROUP) else { return false };
        if g.state != crate::group::GroupState::Stable {
            return false;
        }
        let generation = g.generation;
        let broker_members: BTreeSet<String> = g.members.keys().cloned().collect();
        let mut ours = BTreeSet::new();
        let mut owned = BTreeSet::new();
        for m in self.members.iter().filter(|m| m.alive()) {
            let Machine::Consumer(c) = &self.sim.nodes[m.node.0].machine else { unreachable!() };
            let meta = c.group_metadata().expect("a group member");
            if !c.in_stable_group() || meta.generation_id != generation || m.generation != generation {
                return false;
            }
            ours.insert(meta.member_id);
            owned.extend(m.owned.iter().cloned());
        }
        ours == broker_members && owned.len() == self.setup.partitions as usize
    }

    /// Every record in the log processed at least once, and committed.
    pub fn drained(&mut self) -> bool {
        self.delivered += self.sim.take_deliveries(self.producer).len() as u64;
        if self.delivered < self.sent {
            return false;
        }
        (0..self.setup.partitions).all(|p| {
            let end = self.sim.broker().partition(TOPIC, p).unwrap().log_end_offset();
            let committed = self.sim.broker().groups().offset(GROUP, &(TOPIC.to_string(), p)).0.map(|o| o.offset);
            committed == Some(end) && (0..end).all(|o| self.processed.contains_key(&(p, o)))
        })
    }

    pub fn describe(&self) -> String {
        let g = self.sim.broker().groups().group(GROUP);
        let mut s = match g {
            Some(g) => {
                format!("coordinator: {:?} generation {} members {:?}; ", g.state, g.generation, g.members.keys())
            }
            None => "no group; ".to_string(),
        };
        for m in &self.members {
            let Machine::Consumer(c) = &self.sim.nodes[m.node.0].machine else { unreachable!() };
            let meta = c.group_metadata().unwrap();
            let owned: Vec<(i32, Option<i64>)> = m.owned.iter().map(|tp| (tp.partition, c.position(tp))).collect();
            s += &format!(
                "{} {:?} gen {} id {} awaiting {:?} owns (partition, position) {owned:?}; ",
                m.name, m.status, meta.generation_id, meta.member_id, m.awaiting
            );
        }
        for p in 0..self.setup.partitions {
            let end = self.sim.broker().partition(TOPIC, p).unwrap().log_end_offset();
            let committed = self.sim.broker().groups().offset(GROUP, &(TOPIC.to_string(), p)).0.map(|o| o.offset);
            s += &format!("p{p} end {end} committed {committed:?}; ");
        }
        s
    }
}
