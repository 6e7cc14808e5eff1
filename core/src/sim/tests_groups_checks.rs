//! The invariants of the group simulations (`tests_groups.rs`), checked at every step of the
//! simulation (what the coordinator and the members' state machines hold) and at every event a
//! member delivers to its application:
//! - no partition is owned by two members in the same generation;
//! - no partition is owned by two live members at once (members the coordinator has): a
//!   partition is revoked before it is granted elsewhere;
//! - the group's committed offsets never move backwards;
//! - cooperative-sticky: a partition revoked from a member in generation G does not come back to
//!   it in G+1 when the members did not change (it was revoked to move, not to stay).

use std::collections::{BTreeMap, BTreeSet};

use super::tests_groups::{Member, Setup, GROUP, TOPIC};
use super::{Machine, Simulation};
use crate::consumer::ConsumerEvent;

/// What happened in a run, to show the scenarios exercise what they claim.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Counts {
    pub steps: u64,
    pub generations: i32,
    pub revoked: u64,
    pub lost: u64,
    pub commits_failed: u64,
    /// Cooperative revocations checked against the next generation.
    pub revocations_checked: u64,
}

pub(super) struct Checks {
    partitions: i32,
    cooperative: bool,
    /// The highest committed offset seen per partition.
    committed: BTreeMap<i32, i64>,
    /// (generation, partition) → the member (by name) that owned it in that generation.
    gen_owner: BTreeMap<(i32, i32), String>,
    /// The coordinator's members of each generation (by id), as the join phase ended.
    gen_members: BTreeMap<i32, BTreeSet<String>>,
    /// Cooperative: (member, generation, revoked partitions).
    revocations: Vec<(String, i32, Vec<i32>)>,
    pub counts: Counts,
}

impl Checks {
    pub fn new(partitions: i32, cooperative: bool) -> Checks {
        Checks {
            partitions,
            cooperative,
            committed: BTreeMap::new(),
            gen_owner: BTreeMap::new(),
            gen_members: BTreeMap::new(),
            revocations: Vec::new(),
            counts: Counts::default(),
        }
    }

    /// After every step of the simulation.
    pub fn step(&mut self, sim: &Simulation, members: &[Member]) {
        self.counts.steps += 1;
        let seed = sim.config.seed;
        let groups = sim.broker().groups();
        let mut live: BTreeSet<&str> = BTreeSet::new();
        if let Some(g) = groups.group(GROUP) {
            use crate::group::GroupState::{CompletingRebalance, Stable};
            if matches!(g.state, CompletingRebalance | Stable) {
                self.gen_members.entry(g.generation).or_insert_with(|| g.members.keys().cloned().collect());
                self.counts.generations = self.counts.generations.max(g.generation);
            }
            live = g.members.keys().map(|k| k.as_str()).collect();
        }
        for p in 0..self.partitions {
            let Some(o) = groups.offset(GROUP, &(TOPIC.to_string(), p)).0 else { continue };
            let last = self.committed.entry(p).or_insert(o.offset);
            assert!(
                o.offset >= *last,
                "seed {seed}: the committed offset of partition {p} went back from {last} to {}",
                o.offset
            );
            *last = o.offset;
        }
        let mut live_owner: BTreeMap<i32, &str> = BTreeMap::new();
        for m in members.iter().filter(|m| !m.crashed()) {
            let Machine::Consumer(c) = &sim.nodes[m.node.0].machine else { unreachable!("members are consumers") };
            let Some(meta) = c.group_metadata() else { continue };
            for tp in c.assignment() {
                if live.contains(meta.member_id.as_str()) {
                    if let Some(other) = live_owner.insert(tp.partition, &m.name) {
                        panic!(
                            "seed {seed} at {}: partition {} owned by live members {other} and {} at once",
                            sim.now(),
                            tp.partition,
                            m.name
                        );
                    }
                }
                if meta.generation_id >= 0 {
                    let owner = self.gen_owner.entry((meta.generation_id, tp.partition)).or_insert(m.name.clone());
                    assert!(
                        *owner == m.name,
                        "seed {seed} at {}: partition {} owned by {owner} and {} in generation {}",
                        sim.now(),
                        tp.partition,
                        m.name,
                        meta.generation_id
                    );
                }
            }
        }
    }

    /// Every event a member's application receives (after the member's bookkeeping).
    pub fn event(&mut self, m: &Member, ev: &ConsumerEvent) {
        match ev {
            ConsumerEvent::Revoked(tps) => {
                self.counts.revoked += tps.len() as u64;
                if self.cooperative && m.alive() {
                    let parts = tps.iter().map(|tp| tp.partition).collect();
                    self.revocations.push((m.name.clone(), m.generation, parts));
                }
            }
            ConsumerEvent::Lost(tps) => self.counts.lost += tps.len() as u64,
            ConsumerEvent::CommitCompleted { result: Err(_), .. } => self.counts.commits_failed += 1,
            _ => {}
        }
    }

    /// At the end of a run: the cooperative revocations against the generation that followed.
    pub fn finish(&mut self, setup: &Setup) {
        for (name, generation, parts) in &self.revocations {
            let (Some(before), Some(after)) =
                (self.gen_members.get(generation), self.gen_members.get(&(generation + 1)))
            else {
                continue;
            };
            if before != after {
                continue;
            }
            self.counts.revocations_checked += 1;
            for p in parts {
                assert!(
                    self.gen_owner.get(&(generation + 1, *p)) != Some(name),
                    "seed {} ({}): {name} revoked partition {p} in generation {generation} and got it back in the \
                     next one, with the same members",
                    setup.seed,
                    setup.assignor
                );
            }
        }
    }
}
