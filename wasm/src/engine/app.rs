//! The consumer applications the lessons run, over the engine's clients: each polls, processes
//! (processing a record = noting it in the ledger), and commits in its policy's order.
//!
//! A cycle is a short list of steps (`Step`) run in order; a stall (`pause`) suspends the list
//! until its time comes, and a crash armed at a named point ends the process there: its
//! clients never send or receive again, and whatever it held in memory is gone. `restart`
//! starts a new incarnation with the same configuration (new consumer, new producer), which
//! carries on from what the broker kept (committed offsets, the transactional id's epoch).
//!
//! Waiting for a commit (or a transaction operation) runs the world until its answer, as a
//! blocking `commitSync` would; other applications are not scheduled meanwhile.

use std::collections::{BTreeMap, VecDeque};

use bytes::Bytes;
use kafkette::consumer::{ConsumerEvent, ConsumerRecord, OffsetAndMetadata, TopicPartition};
use kafkette::producer::{ProducerRecord, TxnOffset, TxnOp};
use kafkette::sim::NodeId;
use kafkette::{Error, Millis, Result};
use serde::Serialize;

use super::ledger::{Processed, Sent};
use super::tape::{AppKind, AppSpec, CommitPolicy, CrashPoint};
use super::Engine;

/// How long an application waits for a commit or a transaction operation (Java's
/// `default.api.timeout.ms`).
pub const APP_WAIT_MS_MAX: Millis = 60_000;

/// Notes kept per application (the newest).
const NOTES_MAX: usize = 200;

/// What the applications did that the ledger needs.
#[derive(Debug, Clone, Default)]
pub struct Recorder {
    pub sent: Vec<Sent>,
    pub processed: Vec<Processed>,
    /// `(application, message id)` per side effect outside Kafka.
    pub effects: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AppState {
    NotStarted,
    Running,
    Crashed,
    Stopped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Poll,
    Process,
    Commit,
    Stall,
    Check(CrashPoint),
    Begin,
    SendOffsets,
    CommitTxn,
}

#[derive(Clone)]
pub struct App {
    pub spec: AppSpec,
    /// Virtual time of the run's start (notes and records show times after it).
    start_ms: Millis,
    pub state: AppState,
    pub incarnation: u32,
    pub consumer: Option<usize>,
    pub producer: Option<usize>,
    /// When the application next runs (a new cycle, or the rest of a stalled one).
    pub wake_at: Option<Millis>,
    steps: VecDeque<Step>,
    /// Polled, not processed yet.
    held: Vec<ConsumerRecord>,
    /// `Handoff`: handed to the worker, not processed yet.
    queue: VecDeque<ConsumerRecord>,
    /// The next offset after what this cycle polled, per partition: what its commit commits
    /// (as an application calling `commitSync(offsets)` for the records it handled).
    to_commit: BTreeMap<TopicPartition, i64>,
    crash_at: Option<CrashPoint>,
    stall_ms: Option<Millis>,
    commits_ok: u32,
    commits_failed: u32,
    revoked: u32,
    lost: u32,
    resets: u32,
    notes: VecDeque<String>,
    /// Notes taken in all (the oldest are dropped from `notes`).
    notes_taken: u64,
}

/// What the page (and the golden runs) see of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppView {
    pub name: String,
    pub state: AppState,
    pub incarnation: u32,
    /// "topic-partition" of its consumer's assignment.
    pub assignment: Vec<String>,
    pub generation: i32,
    pub processed: u32,
    pub effects: u32,
    pub held: usize,
    pub queued: usize,
    pub commits_ok: u32,
    pub commits_failed: u32,
    /// Partitions revoked from it in orderly rebalances, and lost (evicted, fenced), in total.
    pub revoked: u32,
    pub lost: u32,
    /// Times `auto.offset.reset` moved a position (out of range after retention...).
    pub offset_resets: u32,
    pub notes: Vec<String>,
}

impl App {
    pub fn new(spec: AppSpec, start_ms: Millis) -> App {
        App {
            spec,
            start_ms,
            state: AppState::NotStarted,
            incarnation: 0,
            consumer: None,
            producer: None,
            wake_at: None,
            steps: VecDeque::new(),
            held: Vec::new(),
            queue: VecDeque::new(),
            to_commit: BTreeMap::new(),
            crash_at: None,
            stall_ms: None,
            commits_ok: 0,
            commits_failed: 0,
            revoked: 0,
            lost: 0,
            resets: 0,
            notes: VecDeque::new(),
            notes_taken: 0,
        }
    }

    pub fn name(&self) -> &str {
        &self.spec.name
    }

    fn note(&mut self, e: &Engine, what: impl Into<String>) {
        if self.notes.len() == NOTES_MAX {
            self.notes.pop_front();
        }
        let at = e.sim.now() - self.start_ms;
        self.notes.push_back(format!("{at} ms: {}", what.into()));
        self.notes_taken += 1;
    }

    /// How many notes it took in all.
    pub fn notes_taken(&self) -> u64 {
        self.notes_taken
    }

    /// Its newest notes ("N ms: what"), oldest first.
    pub fn recent_notes(&self) -> &VecDeque<String> {
        &self.notes
    }

    /// Starts (or restarts) the application: a new consumer, and for a copier a new
    /// transactional producer that initialises (fencing its predecessor).
    pub fn start(&mut self, e: &mut Engine) -> Result<()> {
        if self.state == AppState::Running {
            return Err(Error::state(format!("app {} is running already", self.spec.name)));
        }
        self.incarnation += 1;
        let name = match self.incarnation {
            1 => self.spec.name.clone(),
            n => format!("{}#{n}", self.spec.name),
        };
        let config: Vec<(String, String)> = self.spec.config.clone().into_iter().collect();
        let c = e.add_consumer(&name, &config)?;
        let node = NodeId(c);
        let topics = self.spec.topics.clone();
        match &self.spec.assign {
            Some(partitions) => {
                let tps = partitions.iter().map(|p| (TopicPartition::new(topics[0].clone(), *p), None)).collect();
                e.sim.with_consumer(node, |c, _| c.assign(tps));
            }
            None => e.sim.with_consumer(node, |c, _| c.subscribe(topics))?,
        }
        self.consumer = Some(c);
        self.state = AppState::Running;
        self.steps.clear();
        self.held.clear();
        self.queue.clear();
        self.stall_ms = None;
        if self.spec.kind == AppKind::Copier {
            let config: Vec<(String, String)> = self.spec.producer.clone().into_iter().collect();
            let p = e.add_producer(&format!("{name}.producer"), &config)?;
            self.producer = Some(p);
            e.sim.with_producer(NodeId(p), |p, now| p.init_transactions(now))?;
            if let Err(err) = self.wait_txn(e, TxnOp::InitTransactions) {
                self.note(e, format!("init_transactions failed: {err}"));
            }
        }
        self.note(e, format!("started as {name}"));
        self.wake_at = (self.spec.poll_interval_ms > 0).then(|| e.sim.now());
        Ok(())
    }

    /// Closes the consumer cleanly (leaves the group, auto-commits if enabled).
    pub fn stop(&mut self, e: &mut Engine) {
        if let Some(c) = self.consumer.take() {
            e.sim.with_consumer(NodeId(c), |c, _| c.close_group());
        }
        self.state = AppState::Stopped;
        self.wake_at = None;
        self.steps.clear();
        self.note(e, "stopped");
    }

    /// The process dies now: its clients go silent, what it held in memory is gone.
    pub fn crash(&mut self, e: &mut Engine, why: &str) {
        for node in [self.consumer.take(), self.producer.take()].into_iter().flatten() {
            kill(e, node);
        }
        let dropped = self.held.len() + self.queue.len();
        self.held.clear();
        self.queue.clear();
        self.to_commit.clear();
        self.steps.clear();
        self.crash_at = None;
        self.wake_at = None;
        self.state = AppState::Crashed;
        self.note(e, format!("crashed {why} ({dropped} records in memory lost)"));
    }

    pub fn arm_crash(&mut self, point: CrashPoint) {
        self.crash_at = Some(point);
    }

    pub fn pause(&mut self, ms: Millis) {
        self.stall_ms = Some(ms);
    }

    /// Runs one whole cycle now (the tape's `cycle`).
    pub fn cycle(&mut self, e: &mut Engine, rec: &mut Recorder) -> Result<()> {
        self.running()?;
        if self.steps.is_empty() {
            self.steps = self.cycle_steps();
        }
        self.run_steps(e, rec);
        Ok(())
    }

    /// Runs one step now (the tape's `poll`, `process`, `commit`).
    pub fn single(&mut self, e: &mut Engine, rec: &mut Recorder, step: &str) -> Result<()> {
        self.running()?;
        let step = match step {
            "poll" => Step::Poll,
            "process" => Step::Process,
            _ => Step::Commit,
        };
        self.steps.push_front(step);
        let rest = self.steps.split_off(1);
        self.run_steps(e, rec);
        self.steps.extend(rest);
        Ok(())
    }

    /// Called when `wake_at` has come: continue a stalled cycle or start the next one.
    pub fn wake(&mut self, e: &mut Engine, rec: &mut Recorder) {
        self.wake_at = None;
        if self.state != AppState::Running {
            return;
        }
        if self.steps.is_empty() {
            self.steps = self.cycle_steps();
        }
        self.run_steps(e, rec);
        if self.state == AppState::Running && self.wake_at.is_none() && self.spec.poll_interval_ms > 0 {
            self.wake_at = Some(e.sim.now() + self.spec.poll_interval_ms);
        }
    }

    fn running(&self) -> Result<()> {
        match self.state {
            AppState::Running => Ok(()),
            s => Err(Error::state(format!("app {} is {s:?}", self.spec.name))),
        }
    }

    fn cycle_steps(&self) -> VecDeque<Step> {
        use CrashPoint::*;
        use Step::*;
        let steps: &[Step] = match (self.spec.kind, self.spec.commit) {
            (AppKind::Consumer, CommitPolicy::BeforeProcessing) => &[
                Poll,
                Check(AfterPoll),
                Check(BeforeCommit),
                Commit,
                Check(AfterCommit),
                Process,
                Stall,
                Check(AfterProcessing),
            ],
            (AppKind::Consumer, CommitPolicy::AfterProcessing) => &[
                Poll,
                Check(AfterPoll),
                Process,
                Stall,
                Check(AfterProcessing),
                Check(BeforeCommit),
                Commit,
                Check(AfterCommit),
            ],
            (AppKind::Consumer | AppKind::Handoff, _) => {
                &[Poll, Check(AfterPoll), Process, Stall, Check(AfterProcessing)]
            }
            (AppKind::Copier, _) => &[
                Poll,
                Check(AfterPoll),
                Begin,
                Process,
                Stall,
                Check(AfterProcessing),
                SendOffsets,
                Check(BeforeCommit),
                CommitTxn,
                Check(AfterCommit),
            ],
        };
        steps.iter().copied().collect()
    }

    fn run_steps(&mut self, e: &mut Engine, rec: &mut Recorder) {
        while let Some(step) = self.steps.pop_front() {
            if self.state != AppState::Running {
                return;
            }
            self.drain_events(e);
            match step {
                Step::Poll => {
                    let got = self.poll(e);
                    let idle = self.held.is_empty() && self.queue.is_empty();
                    if got == 0 && idle && self.spec.kind != AppKind::Handoff {
                        self.steps.clear();
                    }
                }
                Step::Process => self.process(e, rec),
                Step::Commit => self.commit(e),
                Step::Stall => {
                    if let Some(ms) = self.stall_ms.take() {
                        self.note(e, format!("processing takes {ms} ms"));
                        self.wake_at = Some(e.sim.now() + ms);
                        return;
                    }
                }
                Step::Check(point) => {
                    if self.crash_at == Some(point) {
                        let why = format!("{point:?}");
                        self.crash(e, &format!("at {why}"));
                        return;
                    }
                }
                Step::Begin => self.txn_call(e, "begin_transaction", |p, _| p.begin_transaction()),
                Step::SendOffsets => self.send_offsets(e),
                Step::CommitTxn => {
                    self.txn_call(e, "commit_transaction", |p, now| p.commit_transaction(now));
                    match self.wait_txn(e, TxnOp::CommitTransaction) {
                        Ok(()) => self.commits_ok += 1,
                        Err(err) => {
                            self.commits_failed += 1;
                            self.note(e, format!("commit_transaction failed: {err}"));
                            self.txn_call(e, "abort_transaction", |p, now| p.abort_transaction(now));
                        }
                    }
                }
            }
        }
    }

    fn poll(&mut self, e: &mut Engine) -> usize {
        let Some(c) = self.consumer else { return 0 };
        let records = e.sim.poll(NodeId(c));
        let n = records.len();
        for r in &records {
            self.to_commit.insert(TopicPartition::new(r.topic.to_string(), r.partition), r.offset + 1);
        }
        match self.spec.kind {
            AppKind::Handoff => self.queue.extend(records),
            _ => self.held.extend(records),
        }
        self.drain_events(e);
        n
    }

    fn process(&mut self, e: &mut Engine, rec: &mut Recorder) {
        let batch: Vec<ConsumerRecord> = match self.spec.kind {
            AppKind::Handoff => {
                let n = self.spec.worker_rate.min(self.queue.len());
                self.queue.drain(..n).collect()
            }
            _ => std::mem::take(&mut self.held),
        };
        let at = e.sim.now() - self.start_ms;
        for r in batch {
            let id = r.value.as_deref().map(|v| String::from_utf8_lossy(v).into_owned()).unwrap_or_default();
            rec.processed.push(Processed {
                app: self.spec.name.clone(),
                incarnation: self.incarnation,
                id: id.clone(),
                topic: r.topic.to_string(),
                partition: r.partition,
                offset: r.offset,
                at,
            });
            if self.spec.kind == AppKind::Copier {
                self.copy(e, rec, &r, id);
            }
        }
    }

    /// A copier's processing: the copy to its output topic (in the transaction) and an email.
    fn copy(&mut self, e: &mut Engine, rec: &mut Recorder, r: &ConsumerRecord, id: String) {
        let (Some(p), Some(output)) = (self.producer, self.spec.output.clone()) else { return };
        let record = ProducerRecord {
            topic: output,
            partition: None,
            key: r.key.clone(),
            value: Some(Bytes::from(id.clone())),
            headers: vec![],
            timestamp: None,
        };
        match e.sim.send(NodeId(p), record) {
            Ok(delivery) => rec.sent.push(Sent { id: id.clone(), node: p, delivery }),
            Err(err) => self.note(e, format!("send of {id} refused: {err}")),
        }
        rec.effects.push((self.spec.name.clone(), id));
    }

    fn commit(&mut self, e: &mut Engine) {
        let Some(c) = self.consumer else { return };
        let node = NodeId(c);
        // What this cycle polled; with nothing polled (a `commit` action alone), the positions.
        let offsets: Vec<(TopicPartition, OffsetAndMetadata)> =
            std::mem::take(&mut self.to_commit).into_iter().map(|(tp, o)| (tp, OffsetAndMetadata::new(o))).collect();
        let offsets = (!offsets.is_empty()).then_some(offsets);
        let id = match e.sim.with_consumer(node, |c, now| c.commit(offsets, now)) {
            Ok(id) => id,
            Err(err) => {
                self.commits_failed += 1;
                self.note(e, format!("commit refused: {err}"));
                return;
            }
        };
        let deadline = e.sim.now() + APP_WAIT_MS_MAX;
        loop {
            for ev in e.sim.take_consumer_events(node) {
                if let ConsumerEvent::CommitCompleted { id: done, result } = &ev {
                    if *done == id {
                        match result {
                            Ok(offsets) => {
                                self.commits_ok += 1;
                                let what: Vec<String> = offsets.iter().map(|(tp, o)| format!("{tp}@{o}")).collect();
                                self.note(e, format!("committed {}", what.join(", ")));
                            }
                            Err(err) => {
                                self.commits_failed += 1;
                                self.note(e, format!("commit failed: {err}"));
                            }
                        }
                        return;
                    }
                }
                self.event(e, ev);
            }
            if e.sim.next_event_time().is_none_or(|t| t > deadline) || !e.sim.step() {
                self.commits_failed += 1;
                self.note(e, "commit: no answer");
                return;
            }
        }
    }

    fn send_offsets(&mut self, e: &mut Engine) {
        let (Some(c), Some(p)) = (self.consumer, self.producer) else { return };
        let consumer = e.sim.consumer(NodeId(c));
        let offsets: Vec<TxnOffset> = consumer
            .assignment()
            .into_iter()
            .filter_map(|tp| {
                let offset = consumer.position(&tp)?;
                Some(TxnOffset { topic: tp.topic, partition: tp.partition, offset, metadata: None })
            })
            .collect();
        let Some(group) = consumer.group_metadata() else { return };
        let sent = e.sim.with_producer(NodeId(p), |p, now| p.send_offsets_to_transaction(offsets, &group, now));
        if let Err(err) = sent.and_then(|()| self.wait_txn(e, TxnOp::SendOffsetsToTransaction)) {
            self.note(e, format!("send_offsets_to_transaction failed: {err}"));
        }
    }

    fn txn_call(
        &mut self,
        e: &mut Engine,
        what: &str,
        f: impl FnOnce(&mut kafkette::producer::Producer, Millis) -> Result<()>,
    ) {
        let Some(p) = self.producer else { return };
        if let Err(err) = e.sim.with_producer(NodeId(p), f) {
            self.note(e, format!("{what} refused: {err}"));
        }
    }

    /// Runs the world until the producer reports `op` done.
    fn wait_txn(&mut self, e: &mut Engine, op: TxnOp) -> Result<()> {
        let Some(p) = self.producer else { return Err(Error::state("no producer")) };
        let node = NodeId(p);
        let deadline = e.sim.now() + APP_WAIT_MS_MAX;
        loop {
            while let Some(ev) = e.sim.producer(node).poll_txn_event() {
                if ev.op == op {
                    return ev.result;
                }
            }
            if e.sim.next_event_time().is_none_or(|t| t > deadline) || !e.sim.step() {
                return Err(Error::timed_out(format!("{op:?}")));
            }
        }
    }

    /// Notes the consumer's events (assignments, revocations, losses, resets, errors).
    pub fn drain_events(&mut self, e: &mut Engine) {
        let Some(c) = self.consumer else { return };
        for ev in e.sim.take_consumer_events(NodeId(c)) {
            self.event(e, ev);
        }
    }

    fn event(&mut self, e: &Engine, ev: ConsumerEvent) {
        match ev {
            ConsumerEvent::Assigned(tps) => self.note(e, format!("assigned {}", names(&tps))),
            ConsumerEvent::Revoked(tps) => {
                self.revoked += tps.len() as u32;
                self.note(e, format!("revoked {}", names(&tps)));
            }
            ConsumerEvent::Lost(tps) => {
                self.lost += tps.len() as u32;
                self.note(e, format!("lost {}", names(&tps)));
            }
            ConsumerEvent::OffsetReset { tp, from, to } => {
                self.resets += 1;
                self.note(e, format!("{tp}: offset {from} out of range, reset to {to}"));
            }
            ConsumerEvent::Joined { generation_id, .. } => self.note(e, format!("joined generation {generation_id}")),
            ConsumerEvent::Error(err) => self.note(e, format!("error: {err}")),
            ConsumerEvent::CommitCompleted { result: Err(err), .. } => {
                self.commits_failed += 1;
                self.note(e, format!("commit failed: {err}"));
            }
            _ => {}
        }
    }

    /// `(topic, partition, position)` of the live consumer's assignment.
    pub fn positions(&self, e: &Engine) -> Vec<(String, i32, i64)> {
        let Some(consumer) = self.consumer.and_then(|c| e.sim.consumer_ref(NodeId(c))) else { return Vec::new() };
        consumer
            .assignment()
            .into_iter()
            .filter_map(|tp| consumer.position(&tp).map(|o| (tp.topic, tp.partition, o)))
            .collect()
    }

    pub fn view(&self, e: &Engine, rec: &Recorder) -> AppView {
        let (assignment, generation) = match self.consumer.and_then(|c| e.sim.consumer_ref(NodeId(c))) {
            Some(consumer) => {
                let generation = consumer.group_metadata().map_or(-1, |m| m.generation_id);
                (consumer.assignment().iter().map(|tp| tp.to_string()).collect(), generation)
            }
            None => (Vec::new(), -1),
        };
        let name = &self.spec.name;
        AppView {
            name: name.clone(),
            state: self.state,
            incarnation: self.incarnation,
            assignment,
            generation,
            processed: rec.processed.iter().filter(|p| &p.app == name).count() as u32,
            effects: rec.effects.iter().filter(|(a, _)| a == name).count() as u32,
            held: self.held.len(),
            queued: self.queue.len(),
            commits_ok: self.commits_ok,
            commits_failed: self.commits_failed,
            revoked: self.revoked,
            lost: self.lost,
            offset_resets: self.resets,
            notes: self.notes.iter().cloned().collect(),
        }
    }
}

fn names(tps: &[TopicPartition]) -> String {
    let v: Vec<String> = tps.iter().map(|tp| tp.to_string()).collect();
    if v.is_empty() {
        "nothing".into()
    } else {
        v.join(", ")
    }
}

/// The process dies (`Simulation::crash`): it stops sending and ticking, responses to it are
/// lost, and the broker sees its connection close.
pub fn kill(e: &mut Engine, node: usize) {
    e.sim.crash(NodeId(node));
}
