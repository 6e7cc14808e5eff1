//! The tape: everything a run depends on besides the code. State = f(seed, configuration,
//! tape): the same `Tape` replayed (`replay.rs`) gives the same broker, clients, ledger and
//! journal, in `cargo test`, under Node and in every browser.
//!
//! JSON is the exchange format (export, import, the lessons' golden files): camelCase keys,
//! actions as `{"at": 1200, "op": "produce", ...}` with `at` in milliseconds of virtual time
//! after the run's start. Configuration values are strings with Kafka's property names.

use std::collections::BTreeMap;

use kafkette::{Error, Millis, Result};
use serde::{Deserialize, Serialize};

/// The version of this format. The page's first tape (`playground/src/tape.js`, one producer
/// and a few ops) is version 1; version 2 is this one.
pub const TAPE_FORMAT_VERSION: u32 = 2;

/// The longest run a tape may ask for (virtual time): one day.
pub const TAPE_DURATION_MS_MAX: Millis = 86_400_000;

/// Actions per tape; a learner's session is far below it, a hostile import is refused.
pub const TAPE_ACTIONS_MAX: usize = 10_000;

/// Topics, producers and applications per tape, and partitions per topic: a page draws them all.
pub const TAPE_CLIENTS_MAX: usize = 32;
pub const TOPIC_PARTITIONS_MAX: i32 = 64;

/// The shortest application loop: a faster one would only burn the learner's CPU.
pub const POLL_INTERVAL_MS_MIN: Millis = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Tape {
    pub version: u32,
    pub seed: u64,
    pub config: TapeConfig,
    /// In time order (equal times keep their order).
    #[serde(default)]
    pub actions: Vec<Stamped>,
    /// The run ends at this time (after the start); the replayer runs the world until then.
    pub end_ms: Millis,
}

/// What exists when the run starts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TapeConfig {
    /// One-way network latency of every link (default 1 ms) and its jitter (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<Millis>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter_ms: Option<Millis>,
    /// Broker properties (`transaction.max.timeout.ms`, `log.retention.check.interval.ms`...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub broker: BTreeMap<String, String>,
    #[serde(default)]
    pub topics: Vec<TopicSpec>,
    #[serde(default)]
    pub producers: Vec<ProducerSpec>,
    #[serde(default)]
    pub apps: Vec<AppSpec>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    /// Topic properties (`retention.ms`...).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub configs: BTreeMap<String, String>,
}

/// A producer the learner drives directly from the tape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProducerSpec {
    pub name: String,
    /// Producer properties (`enable.idempotence`, `acks`, `retries`, `transactional.id`...).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// What a consumer application does with what it polls (`app.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AppKind {
    /// Polls and processes each record itself (processing = the ledger notes it).
    Consumer,
    /// Polls and hands records to a worker queue; the worker processes `workerRate` per cycle.
    Handoff,
    /// Consume-process-produce in transactions: copies each record to `output`, sends an
    /// "email" per record (a side effect outside Kafka), commits the input offsets with
    /// `send_offsets_to_transaction`.
    Copier,
}

/// When a `Consumer` app commits its positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CommitPolicy {
    /// Commit what was polled, then process it: at most once.
    BeforeProcessing,
    /// Process, then commit: at least once.
    AfterProcessing,
    /// The application never commits (auto-commit does, if `enable.auto.commit` is on).
    Never,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppSpec {
    pub name: String,
    pub kind: AppKind,
    /// Topics it subscribes to (in its `group.id`), or reads with `assign`.
    pub topics: Vec<String>,
    /// Partitions of `topics[0]` to assign instead of subscribing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assign: Option<Vec<i32>>,
    /// Consumer properties (`group.id`, `isolation.level`, `enable.auto.commit`, `max.poll.records`...).
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    #[serde(default = "default_commit")]
    pub commit: CommitPolicy,
    /// The application loops every this many milliseconds; 0: only `cycle` actions run it.
    #[serde(default = "default_poll_interval")]
    pub poll_interval_ms: Millis,
    /// Started at the beginning (else by a `start` action).
    #[serde(default = "yes")]
    pub start: bool,
    /// Whether its processing counts toward the messages' verdicts (a copier's does not: the
    /// readers of its output do).
    #[serde(default = "yes")]
    pub sink: bool,
    /// `Handoff`: records the worker processes per cycle.
    #[serde(default = "one")]
    pub worker_rate: usize,
    /// `Copier`: the topic it writes copies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<String>,
    /// `Copier`: producer properties (`transactional.id` is required).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub producer: BTreeMap<String, String>,
}

fn default_commit() -> CommitPolicy {
    CommitPolicy::AfterProcessing
}
fn default_poll_interval() -> Millis {
    100
}
fn yes() -> bool {
    true
}
fn one() -> usize {
    1
}

/// One action at a virtual time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stamped {
    pub at: Millis,
    #[serde(flatten)]
    pub action: Action,
}

/// A point in an application's cycle where a crash can be armed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CrashPoint {
    AfterPoll,
    AfterProcessing,
    BeforeCommit,
    AfterCommit,
}

/// The network's answer to one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LinkFault {
    Drop,
    Delay,
    Duplicate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum LinkDirection {
    Request,
    Response,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Action {
    /// Nothing but time passing (its stamp).
    Wait,
    /// A producer sends the application message `id` (the record's value).
    Produce {
        producer: String,
        topic: String,
        id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partition: Option<i32>,
    },
    /// Send what the producer has batched now, without waiting for `linger.ms`.
    Flush {
        producer: String,
    },
    InitTransactions {
        producer: String,
    },
    BeginTransaction {
        producer: String,
    },
    CommitTransaction {
        producer: String,
    },
    AbortTransaction {
        producer: String,
    },
    /// The producer process dies: it never sends or receives again.
    CrashProducer {
        producer: String,
    },
    /// A new producer `successor` with `producer`'s configuration (so its `transactional.id`)
    /// starts and initialises transactions; `producer` lives on as a zombie.
    Zombie {
        producer: String,
        successor: String,
    },
    /// Starts an application that was configured with `start: false`.
    Start {
        app: String,
    },
    /// Closes an application cleanly (it leaves its group).
    Stop {
        app: String,
    },
    /// One poll of an application.
    Poll {
        app: String,
    },
    /// The application processes what it holds.
    Process {
        app: String,
    },
    /// The application commits its positions (and waits for the answer).
    Commit {
        app: String,
    },
    /// One whole cycle (poll, then commit and process in its policy's order).
    Cycle {
        app: String,
    },
    /// Crash the application at `point` of its next cycle (now, without a point).
    Crash {
        app: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        point: Option<CrashPoint>,
    },
    /// A crashed application starts again: a new consumer (and producer) with its configuration.
    Restart {
        app: String,
    },
    /// The application's next processing takes `ms` (it does not poll meanwhile).
    Pause {
        app: String,
        ms: Millis,
    },
    /// The network drops, delays or duplicates the next message of `api` on a client's link.
    /// `node` names a producer or an application (its consumer; `<app>.producer` its producer).
    Fault {
        node: String,
        api: String,
        #[serde(default = "response")]
        direction: LinkDirection,
        fault: LinkFault,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        delay_ms: Option<Millis>,
    },
    /// The broker process stops: it answers nothing (requests are lost), and every client
    /// connection closes, so clients notice at once.
    BrokerDown,
    /// The broker starts again with its logs, groups, offsets and transactions (a broker with
    /// its log on disk; the simulation has one broker).
    BrokerUp,
}

fn response() -> LinkDirection {
    LinkDirection::Response
}

impl Tape {
    pub fn from_json(text: &str) -> Result<Tape> {
        let tape: Tape = serde_json::from_str(text).map_err(|e| Error::invalid_arg(format!("tape: {e}")))?;
        tape.validate()?;
        Ok(tape)
    }

    pub fn to_json(&self) -> String {
        // A Tape holds only strings, numbers, maps and lists: serialising it cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks what serde cannot: the version, time order, bounds and names.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(Error::invalid_arg(format!("tape: {m}")));
        if self.version != TAPE_FORMAT_VERSION {
            return bad(format!(
                "format version {} is not supported (this engine reads {TAPE_FORMAT_VERSION})",
                self.version
            ));
        }
        if !(0..=TAPE_DURATION_MS_MAX).contains(&self.end_ms) {
            return bad(format!("endMs {} is outside 0..={TAPE_DURATION_MS_MAX}", self.end_ms));
        }
        if self.actions.len() > TAPE_ACTIONS_MAX {
            return bad(format!("{} actions, at most {TAPE_ACTIONS_MAX}", self.actions.len()));
        }
        let mut last = 0;
        for (i, a) in self.actions.iter().enumerate() {
            if a.at < last || a.at > self.end_ms {
                return bad(format!("action {i} at {} ms is out of order or after endMs", a.at));
            }
            last = a.at;
        }
        let c = &self.config;
        let mut names: Vec<&str> = c.producers.iter().map(|p| p.name.as_str()).collect();
        names.extend(c.apps.iter().map(|a| a.name.as_str()));
        let mut sorted = names.clone();
        sorted.sort_unstable();
        if let Some(w) = sorted.windows(2).find(|w| w[0] == w[1]) {
            return bad(format!("two clients are named {:?}", w[0]));
        }
        if c.topics.len() > TAPE_CLIENTS_MAX || c.producers.len() > TAPE_CLIENTS_MAX || c.apps.len() > TAPE_CLIENTS_MAX
        {
            return bad(format!("at most {TAPE_CLIENTS_MAX} topics, producers and apps each"));
        }
        if let Some(t) = c.topics.iter().find(|t| !(1..=TOPIC_PARTITIONS_MAX).contains(&t.partitions)) {
            return bad(format!("topic {:?}: {} partitions, 1..={TOPIC_PARTITIONS_MAX}", t.name, t.partitions));
        }
        if c.latency_ms.is_some_and(|l| !(0..=60_000).contains(&l))
            || c.jitter_ms.is_some_and(|j| !(0..=60_000).contains(&j))
        {
            return bad("latencyMs and jitterMs are 0..=60000".to_string());
        }
        for app in &c.apps {
            if app.poll_interval_ms != 0
                && !(POLL_INTERVAL_MS_MIN..=TAPE_DURATION_MS_MAX).contains(&app.poll_interval_ms)
            {
                return bad(format!("app {:?}: pollIntervalMs 0 or {POLL_INTERVAL_MS_MIN}..", app.name));
            }
            if app.topics.is_empty() {
                return bad(format!("app {:?} reads no topic", app.name));
            }
            if app.kind == AppKind::Copier && app.output.is_none() {
                return bad(format!("copier {:?} has no output topic", app.name));
            }
        }
        Ok(())
    }
}
