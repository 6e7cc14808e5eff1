//! The replayer: applies a `Tape` to an `Engine`. It builds the world the configuration
//! describes (broker, topics, producers, applications), then interleaves three things in
//! virtual time: the simulation's own events, the applications' loops, and the tape's actions
//! (at their stamps, in tape order). Nothing else feeds in, so a tape always gives the same run.
//!
//! An action that cannot apply (a commit by a crashed application, a send on a fenced producer)
//! does not stop the replay: it is noted in `errors` with its index, as the page shows it.

use std::collections::BTreeMap;

use kafkette::admin::{AdminEvent, AdminResult, NewTopic};
use kafkette::broker::BrokerConfig;
use kafkette::config::AdminConfig;
use kafkette::sim::{Direction, Fault, FaultRule, NodeId, SimConfig, Simulation};
use kafkette::{Error, Millis, Result};

use super::app::{kill, App, Recorder};
use super::ledger::{Ledger, Observed, Sent};
use super::tape::{Action, AppKind, LinkDirection, LinkFault, Tape, TopicSpec};
use super::{api_key, Engine, NodeKind, ADMIN_WAIT_MS_MAX};

#[derive(Clone)]
pub struct Replayer {
    engine: Engine,
    tape: Tape,
    start_ms: Millis,
    /// Index of the next action to apply.
    next: usize,
    producers: BTreeMap<String, usize>,
    apps: Vec<App>,
    rec: Recorder,
    errors: Vec<String>,
    /// The error of each tape action that could not apply, by index.
    action_errors: BTreeMap<usize, Error>,
    /// Where the current round is (`unit`).
    phase: Phase,
}

/// The progress of a round at one virtual time (see `Replayer::unit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Between rounds.
    Idle,
    /// The world's events up to this (absolute) time run first.
    Toward(Millis),
    /// Applications from index `from` whose wake time is at or before `now` run next.
    Apps { from: usize, now: Millis },
    /// Tape actions stamped at or before `now` apply next.
    Actions { now: Millis },
}

impl Replayer {
    /// Builds the world of `tape`'s configuration at time 0 (nothing of the tape applied yet).
    pub fn new(tape: Tape) -> Result<Replayer> {
        tape.validate()?;
        let c = &tape.config;
        let defaults = SimConfig::default();
        let sim = SimConfig {
            seed: tape.seed,
            latency_ms: c.latency_ms.unwrap_or(defaults.latency_ms),
            jitter_ms: c.jitter_ms.unwrap_or(defaults.jitter_ms),
            start_ms: defaults.start_ms,
            ..defaults
        };
        let broker = BrokerConfig::from_pairs(c.broker.iter())?;
        let start_ms = sim.start_ms;
        // The engine's own constructor takes the broker's defaults; the tape may set its properties.
        let mut engine = Engine::new(sim.clone());
        engine.sim = Simulation::new(sim, broker);
        let mut r = Replayer {
            engine,
            start_ms,
            next: 0,
            producers: BTreeMap::new(),
            apps: Vec::new(),
            rec: Recorder::default(),
            errors: Vec::new(),
            action_errors: BTreeMap::new(),
            phase: Phase::Idle,
            tape: tape.clone(),
        };
        for t in &tape.config.topics {
            create_topic(&mut r.engine, t)?;
        }
        // Setting up took virtual time; the tape's clock starts now.
        r.start_ms = r.engine.sim.now();
        for p in &tape.config.producers {
            let config: Vec<(String, String)> = p.config.clone().into_iter().collect();
            let node = r.engine.add_producer(&p.name, &config)?;
            r.producers.insert(p.name.clone(), node);
        }
        for spec in &tape.config.apps {
            if spec.kind == AppKind::Copier && !spec.producer.contains_key("transactional.id") {
                return Err(Error::invalid_arg(format!("tape: copier {:?} needs a transactional.id", spec.name)));
            }
            let mut app = App::new(spec.clone(), r.start_ms);
            if spec.start {
                app.start(&mut r.engine)?;
            }
            r.apps.push(app);
        }
        Ok(r)
    }

    /// Replays the whole tape, up to its `endMs`.
    pub fn run(tape: Tape) -> Result<Replayer> {
        let mut r = Replayer::new(tape)?;
        let end = r.tape.end_ms;
        r.run_until(end);
        Ok(r)
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    pub fn tape(&self) -> &Tape {
        &self.tape
    }

    /// Virtual time since the tape's start.
    pub fn at(&self) -> Millis {
        self.engine.sim.now() - self.start_ms
    }

    /// Actions that could not apply, as "action N (op): why".
    pub fn errors(&self) -> &[String] {
        &self.errors
    }

    /// Why each tape action that could not apply failed, by its index.
    pub fn action_errors(&self) -> &BTreeMap<usize, Error> {
        &self.action_errors
    }

    /// How many of the tape's actions were applied (or tried).
    pub fn actions_done(&self) -> usize {
        self.next
    }

    /// What the applications did (sends, processing, side effects).
    pub fn recorder(&self) -> &Recorder {
        &self.rec
    }

    pub fn apps(&self) -> &[App] {
        &self.apps
    }

    /// The virtual time (absolute) the tape's clock starts at.
    pub fn start_ms(&self) -> Millis {
        self.start_ms
    }

    /// The one-way latency of every link, when it is the same for every message (no jitter).
    pub fn latency_ms(&self) -> Option<Millis> {
        let c = &self.tape.config;
        let defaults = SimConfig::default();
        (c.jitter_ms.unwrap_or(defaults.jitter_ms) == 0).then(|| c.latency_ms.unwrap_or(defaults.latency_ms))
    }

    /// Continues with `tape`, which must agree with the current one on its configuration and
    /// on every action applied so far (a fork from now: `Session::apply`, `setEndMs`).
    pub fn set_tape(&mut self, tape: Tape) -> Result<()> {
        tape.validate()?;
        let same = tape.config == self.tape.config
            && tape.seed == self.tape.seed
            && tape.actions.get(..self.next) == self.tape.actions.get(..self.next);
        if !same {
            return Err(Error::invalid_arg("tape: not a continuation of this run"));
        }
        self.tape = tape;
        // A round heading for a later time stops at the new tape's next action first, as a
        // replay of the new tape would.
        if let Phase::Toward(t) = self.phase {
            if let Some(next) = self.next_round_at().filter(|n| *n < t) {
                self.phase = Phase::Toward(next.max(self.engine.sim.now()));
            }
        }
        Ok(())
    }

    /// The tape's producers by name, with their node numbers.
    pub fn producer_nodes(&self) -> &BTreeMap<String, usize> {
        &self.producers
    }

    /// Runs the world, the applications and the tape up to `at` (ms after the start).
    pub fn run_until(&mut self, at: Millis) {
        let stop = self.start_ms + at.min(self.tape.end_ms);
        while self.unit(stop) {}
        if stop > self.engine.sim.now() {
            self.engine.sim.run_until(stop);
        }
        self.settle();
    }

    /// Runs exactly one unit towards the tape's end: one simulation event (a message arriving,
    /// a timer), one application wake, one tape action, or, once nothing else is left before
    /// the end, the clock moving to the end. False when the run is at its end.
    pub fn step(&mut self) -> bool {
        let end = self.start_ms + self.tape.end_ms;
        if self.unit(end) {
            return true;
        }
        // Nothing of the applications or the tape is left before the end: the world's own
        // events, one at a time, then the clock.
        if self.engine.sim.next_event_time().is_some_and(|t| t <= end) {
            self.engine.sim.step();
        } else if self.engine.sim.now() < end {
            self.engine.sim.run_until(end);
        } else {
            return false;
        }
        self.settle();
        true
    }

    /// The time (ms after the start) the next `step` starts at, if any: it may jump. (A step
    /// can take time: an application waiting for its commit ends it later.)
    pub fn next_step_at(&self) -> Option<Millis> {
        let end = self.start_ms + self.tape.end_ms;
        let now = self.engine.sim.now();
        let sim = self.engine.sim.next_event_time();
        let app_due = |from: usize, at: Millis| {
            self.apps[from.min(self.apps.len())..].iter().any(|a| a.wake_at.is_some_and(|w| w <= at))
        };
        let action_due = |at: Millis| self.tape.actions.get(self.next).is_some_and(|a| self.start_ms + a.at <= at);
        // The phases `unit` passes through without running anything fall through, as there.
        let t = match self.phase {
            Phase::Apps { from, now: at } if app_due(from, at) => Some(now),
            Phase::Apps { now: at, .. } | Phase::Actions { now: at } if action_due(at) => Some(now),
            Phase::Toward(t) => Some(sim.filter(|n| *n <= t).unwrap_or(t)),
            _ => {
                let next = self.next_round_at().filter(|t| *t <= end);
                match next {
                    Some(t) if t > now => Some(sim.filter(|s| *s <= t).unwrap_or(t)),
                    Some(_) => Some(now),
                    None => match sim.filter(|s| *s <= end) {
                        Some(s) => Some(s),
                        None => (now < end).then_some(end),
                    },
                }
            }
        };
        t.map(|t| t.max(now) - self.start_ms)
    }

    /// When the applications or the tape next have something to do (absolute virtual time).
    fn next_round_at(&self) -> Option<Millis> {
        let action = self.tape.actions.get(self.next).map(|a| self.start_ms + a.at);
        let app = self.apps.iter().filter_map(|a| a.wake_at).min();
        [action, app].into_iter().flatten().min()
    }

    /// One unit of a round, with nothing after `stop` starting a round. A round at time t:
    /// the world's events up to t, one by one; then each application due (in order); then
    /// each tape action due. `run_until` loops it.
    fn unit(&mut self, stop: Millis) -> bool {
        loop {
            match self.phase {
                Phase::Idle => {
                    let Some(t) = self.next_round_at().filter(|t| *t <= stop) else { return false };
                    let now = self.engine.sim.now();
                    self.phase = if t > now { Phase::Toward(t) } else { Phase::Apps { from: 0, now } };
                }
                Phase::Toward(t) => {
                    if self.engine.sim.next_event_time().is_some_and(|n| n <= t) {
                        self.engine.sim.step();
                        self.settle();
                        return true;
                    }
                    // The clock moving to the round's time is a unit of its own when it moves (as
                    // at the end of the run), so a session stopped there and given a new action
                    // stands where a replay of its new tape would.
                    let moved = self.engine.sim.now() < t;
                    self.engine.sim.run_until(t);
                    self.phase = Phase::Apps { from: 0, now: self.engine.sim.now() };
                    if moved {
                        self.settle();
                        return true;
                    }
                }
                Phase::Apps { from, now } => {
                    let due = (from..self.apps.len()).find(|i| self.apps[*i].wake_at.is_some_and(|w| w <= now));
                    if let Some(i) = due {
                        self.apps[i].wake(&mut self.engine, &mut self.rec);
                        self.phase = Phase::Apps { from: i + 1, now };
                        self.settle();
                        return true;
                    }
                    // A stalled application's consumer still has news (rebalances, evictions): note it now.
                    self.settle();
                    self.phase = Phase::Actions { now };
                }
                Phase::Actions { now } => {
                    if self.tape.actions.get(self.next).is_some_and(|a| self.start_ms + a.at <= now) {
                        let i = self.next;
                        self.next += 1;
                        let action = self.tape.actions[i].action.clone();
                        if let Err(e) = self.apply(&action) {
                            self.errors.push(format!("action {i} ({}): {e}", op_name(&action)));
                            self.action_errors.insert(i, e);
                        }
                        self.settle();
                        return true;
                    }
                    self.phase = Phase::Idle;
                }
            }
        }
    }

    /// Takes the news every unit leaves (consumer events into the applications' notes, failed
    /// transaction operations into the errors) so that what a frame shows depends only on the
    /// units run, not on when it was looked at.
    fn settle(&mut self) {
        for app in &mut self.apps {
            app.drain_events(&mut self.engine);
        }
        self.drain_txn_events();
    }

    fn producer(&self, name: &str) -> Result<usize> {
        self.producers.get(name).copied().ok_or_else(|| Error::invalid_arg(format!("no producer {name:?}")))
    }

    fn app(&mut self, name: &str) -> Result<&mut App> {
        find_app(&mut self.apps, name)
    }

    /// A client by the name the tape uses: a producer, an application (its consumer), or
    /// `<app>.producer` (a copier's producer).
    fn client(&mut self, name: &str) -> Result<usize> {
        if let Some(p) = self.producers.get(name) {
            return Ok(*p);
        }
        let (app, producer) = match name.strip_suffix(".producer") {
            Some(app) => (app, true),
            None => (name, false),
        };
        let app = self.app(app)?;
        let node = if producer { app.producer } else { app.consumer };
        node.ok_or_else(|| Error::state(format!("{name} is not running")))
    }

    fn apply(&mut self, action: &Action) -> Result<()> {
        let e = &mut self.engine;
        match action {
            Action::Wait => {}
            Action::Produce { producer, topic, id, key, partition } => {
                let node = self.producer(producer)?;
                let record = Engine::text_record(topic, key.as_deref(), Some(id), *partition);
                let delivery = self.engine.send(node, record)?;
                self.rec.sent.push(Sent { id: id.clone(), node, delivery });
            }
            Action::Flush { producer } => {
                let node = self.producer(producer)?;
                self.engine.flush_producer(node)?;
            }
            Action::InitTransactions { producer } => {
                let node = NodeId(self.producer(producer)?);
                self.engine.sim.with_producer(node, |p, now| p.init_transactions(now))?;
            }
            Action::BeginTransaction { producer } => {
                let node = NodeId(self.producer(producer)?);
                self.engine.sim.with_producer(node, |p, _| p.begin_transaction())?;
            }
            Action::CommitTransaction { producer } => {
                let node = NodeId(self.producer(producer)?);
                self.engine.sim.with_producer(node, |p, now| p.commit_transaction(now))?;
            }
            Action::AbortTransaction { producer } => {
                let node = NodeId(self.producer(producer)?);
                self.engine.sim.with_producer(node, |p, now| p.abort_transaction(now))?;
            }
            Action::CrashProducer { producer } => {
                let node = self.producer(producer)?;
                kill(&mut self.engine, node);
            }
            Action::Zombie { producer, successor } => {
                let spec = self.tape.config.producers.iter().find(|p| &p.name == producer);
                let spec = spec.ok_or_else(|| Error::invalid_arg(format!("no producer {producer:?}")))?;
                if self.producers.contains_key(successor) || self.apps.iter().any(|a| a.name() == successor) {
                    return Err(Error::invalid_arg(format!("a client is named {successor:?} already")));
                }
                let config: Vec<(String, String)> = spec.config.clone().into_iter().collect();
                let node = self.engine.add_producer(successor, &config)?;
                self.producers.insert(successor.clone(), node);
                self.engine.sim.with_producer(NodeId(node), |p, now| p.init_transactions(now))?;
            }
            Action::Start { app } | Action::Restart { app } => {
                find_app(&mut self.apps, app)?.start(e)?;
            }
            Action::Stop { app } => {
                find_app(&mut self.apps, app)?.stop(e);
            }
            Action::Poll { app } | Action::Process { app } | Action::Commit { app } => {
                let step = op_name(action);
                find_app(&mut self.apps, app)?.single(e, &mut self.rec, step)?;
            }
            Action::Cycle { app } => {
                find_app(&mut self.apps, app)?.cycle(e, &mut self.rec)?;
            }
            Action::Crash { app, point } => {
                let a = find_app(&mut self.apps, app)?;
                match point {
                    Some(p) => a.arm_crash(*p),
                    None => a.crash(e, "now"),
                }
            }
            Action::Pause { app, ms } => {
                if !(0..=super::tape::TAPE_DURATION_MS_MAX).contains(ms) {
                    return Err(Error::invalid_arg(format!("pause of {ms} ms")));
                }
                self.app(app)?.pause(*ms);
            }
            Action::Fault { node, api, direction, fault, delay_ms } => {
                let node = self.client(node)?;
                let api = api_key(api)?;
                let direction = match direction {
                    LinkDirection::Request => Direction::Request,
                    LinkDirection::Response => Direction::Response,
                };
                let fault = match fault {
                    LinkFault::Drop => Fault::Drop,
                    LinkFault::Duplicate => Fault::Duplicate,
                    LinkFault::Delay => {
                        Fault::Delay(delay_ms.unwrap_or(1_000).clamp(0, super::tape::TAPE_DURATION_MS_MAX))
                    }
                };
                self.engine.sim.inject(FaultRule {
                    node: Some(NodeId(node)),
                    api: Some(api),
                    direction,
                    fault,
                    count: 1,
                });
            }
            Action::BrokerDown | Action::BrokerUp => {
                let down = matches!(action, Action::BrokerDown);
                if self.engine.sim.broker_up() != down {
                    let state = if down { "down" } else { "up" };
                    return Err(Error::state(format!("the broker is {state} already")));
                }
                self.engine.sim.set_broker_down(down);
            }
        }
        self.drain_txn_events();
        Ok(())
    }

    /// The tape's own producers' transaction results go to the errors list when they fail.
    fn drain_txn_events(&mut self) {
        for (name, node) in &self.producers {
            let p = self.engine.sim.producer(NodeId(*node));
            while let Some(ev) = p.poll_txn_event() {
                if let Err(e) = ev.result {
                    self.errors.push(format!("{name}: {:?} failed: {e}", ev.op));
                }
            }
        }
    }

    /// The ledger and markers now.
    pub fn ledger(&mut self) -> Ledger {
        self.settle();
        self.ledger_now()
    }

    /// The ledger as of the last unit (every unit settles its news, so nothing is missing).
    pub fn ledger_now(&self) -> Ledger {
        let mut positions = Vec::new();
        let mut views = Vec::new();
        for app in &self.apps {
            for (topic, p, pos) in app.positions(&self.engine) {
                positions.push((app.name().to_string(), topic, p, pos));
            }
            views.push(app.view(&self.engine, &self.rec));
        }
        let mut audiences: Vec<(String, Option<String>, Vec<String>)> = Vec::new();
        for a in self.apps.iter().filter(|a| a.spec.sink) {
            let group = a.spec.config.get("group.id").cloned();
            let name = group.clone().unwrap_or_else(|| a.name().to_string());
            match audiences.iter_mut().find(|(n, _, _)| *n == name) {
                Some((_, _, apps)) => apps.push(a.name().to_string()),
                None => audiences.push((name, group, vec![a.name().to_string()])),
            }
        }
        let uncommitted_readers = self
            .apps
            .iter()
            .filter(|a| a.spec.config.get("isolation.level").is_none_or(|l| l == "read_uncommitted"))
            .map(|a| a.name().to_string())
            .collect();
        let observed = Observed {
            at: self.at(),
            sent: &self.rec.sent,
            processed: &self.rec.processed,
            effects: &self.rec.effects,
            journal: self.engine.sim.journal(),
            audiences,
            uncommitted_readers,
            positions,
            apps: views,
            errors: self.errors.clone(),
        };
        Ledger::compute(self.engine.sim.broker(), observed)
    }
}

fn find_app<'a>(apps: &'a mut [App], name: &str) -> Result<&'a mut App> {
    apps.iter_mut().find(|a| a.name() == name).ok_or_else(|| Error::invalid_arg(format!("no app {name:?}")))
}

pub(super) fn op_name(a: &Action) -> &'static str {
    match a {
        Action::Wait => "wait",
        Action::Produce { .. } => "produce",
        Action::Flush { .. } => "flush",
        Action::InitTransactions { .. } => "initTransactions",
        Action::BeginTransaction { .. } => "beginTransaction",
        Action::CommitTransaction { .. } => "commitTransaction",
        Action::AbortTransaction { .. } => "abortTransaction",
        Action::CrashProducer { .. } => "crashProducer",
        Action::Zombie { .. } => "zombie",
        Action::Start { .. } => "start",
        Action::Stop { .. } => "stop",
        Action::Poll { .. } => "poll",
        Action::Process { .. } => "process",
        Action::Commit { .. } => "commit",
        Action::Cycle { .. } => "cycle",
        Action::Crash { .. } => "crash",
        Action::Restart { .. } => "restart",
        Action::Pause { .. } => "pause",
        Action::Fault { .. } => "fault",
        Action::BrokerDown => "brokerDown",
        Action::BrokerUp => "brokerUp",
    }
}

/// Creates a topic with its configs through the engine's admin client, waiting for the answer.
fn create_topic(e: &mut Engine, spec: &TopicSpec) -> Result<()> {
    let admin = match e.admin {
        Some(a) => a,
        None => {
            let a = e.sim.add_admin("admin", AdminConfig::default())?;
            e.nodes.push(("admin".into(), NodeKind::Admin));
            e.admin = Some(a);
            a
        }
    };
    let configs = spec.configs.clone().into_iter().collect();
    let topic = NewTopic { name: spec.name.clone(), num_partitions: spec.partitions, replication_factor: 1, configs };
    let request = e.sim.with_admin(admin, |a, now| a.create_topics(vec![topic], false, now));
    let mut answer = None;
    e.sim.run_until_cond(ADMIN_WAIT_MS_MAX, |s| {
        for AdminEvent::Completed { id, result } in s.take_admin_events(admin) {
            if id == request {
                answer = Some(result);
            }
        }
        answer.is_some()
    });
    let name = &spec.name;
    match answer {
        Some(Ok(AdminResult::CreateTopics(topics))) => match topics.into_iter().find(|(t, _)| t == name) {
            Some((_, result)) => result.map_err(|e| Error::invalid_arg(format!("tape: topic {name}: {e}"))),
            None => Err(Error::internal(format!("creating topic {name}: no answer for it"))),
        },
        Some(Ok(other)) => Err(Error::internal(format!("creating topic {name}: unexpected answer {other:?}"))),
        Some(Err(e)) => Err(e),
        None => Err(Error::timed_out(format!("creating topic {name}"))),
    }
}
