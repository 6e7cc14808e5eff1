//! The session's event log, sequence-diagram arrows and lag points, derived step by step from
//! what the step added: the simulation journal's new entries (messages and their fate,
//! deliveries, consumer events, crashes, faults), the records the broker stored, the
//! applications' processing and notes, the tape actions and their errors, the core's notes (why
//! the broker, its coordinators and the clients decided what they did; a new group generation is
//! a rebalance),
//! verdict changes and lag changes. Each step only looks at what is new (the journal from where
//! the last step stopped, each partition from its last scanned offset), so a long run costs the
//! same per step as a short one; verdicts, which need the whole ledger (its cost grows with
//! messages x journal), are followed only while that stays under `VERDICT_WORK_MAX`: every lesson,
//! not a run of a million records.

use std::collections::BTreeMap;

use kafkette::record::Batch;
use kafkette::sim::{Direction, EventKind, Fate, NodeId};
use kafkette::Millis;
use serde::Serialize;

use super::ledger::Verdict;
use super::replay::Replayer;
use super::session_frame::{api_lane, Arrow};

/// The rules of the core's notes that a client decided (the others are the broker's or its
/// coordinators').
const CLIENT_RULES: &[&str] = &[
    "retry",
    "sequence-reset",
    "batch-expired",
    "batch-failed",
    "offset-reset",
    "partitions-assigned",
    "partitions-revoked",
    "partitions-lost",
    "poll-timeout",
];

/// Messages x journal entries up to which a step that may change a verdict computes the ledger
/// to see (beyond it the log still has everything else, verdict changes excepted).
pub const VERDICT_WORK_MAX: usize = 400_000;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub i: usize,
    pub at: Millis,
    pub step: u64,
    /// "action" | "message" | "client" | "broker" | "app" | "fault" | "error".
    pub kind: &'static str,
    pub node: Option<String>,
    pub text: String,
    pub rule: Option<String>,
    pub anomaly: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tick {
    pub at: Millis,
    pub step: u64,
    /// "rebalance" or "anomaly".
    pub kind: &'static str,
    pub anomaly: Option<String>,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LagPoint {
    pub at: Millis,
    pub app: String,
    pub topic: String,
    pub partition: i32,
    pub lag: i64,
    pub stable_lag: i64,
}

/// How far the log, the arrows and the lag have been derived, and what the next step compares
/// against. Cloned with the replayer for keyframes.
#[derive(Debug, Clone, Default)]
pub struct Deriver {
    journal: usize,
    /// The message id of each (node, delivery) sent, from the recorder's first `sent` entries.
    sent_ids: BTreeMap<(usize, u64), String>,
    sent: usize,
    processed: usize,
    actions: usize,
    /// Notes taken per application (by index).
    notes: Vec<u64>,
    /// The next offset to look at, per partition.
    scanned: BTreeMap<(String, i32), i64>,
    /// Where each message id was first stored.
    first_copy: BTreeMap<String, (String, i32, i64)>,
    verdicts: BTreeMap<String, Verdict>,
    lag: BTreeMap<(String, String, i32), (i64, i64)>,
    /// Whether the broker was up after the last step (`None` before the first).
    broker_up: Option<bool>,
    /// Response arrows not received yet: (node, correlation id) -> arrow index.
    awaiting: BTreeMap<(usize, i32), usize>,
    /// Broker decisions about a client's request not yet seen on a response arrow:
    /// node -> (time, API the decision answers, rule). The broker notes its decision while it
    /// handles the request, before the response goes on the wire at the same instant.
    answers: BTreeMap<usize, Vec<Answer>>,
}

/// A broker decision waiting for its response arrow: (time, the APIs it may answer, rule).
type Answer = (Millis, &'static [&'static str], &'static str);

struct Out<'a> {
    events: &'a mut Vec<Event>,
    at: Millis,
    step: u64,
}

impl Out<'_> {
    fn push(&mut self, kind: &'static str, node: Option<String>, rule: &str, text: String, anomaly: Option<&str>) {
        self.events.push(Event {
            i: self.events.len(),
            at: self.at,
            step: self.step,
            kind,
            node,
            text,
            rule: (!rule.is_empty()).then(|| rule.to_string()),
            anomaly: anomaly.map(str::to_string),
        });
    }
}

impl Deriver {
    /// Appends what step `step` added.
    pub fn derive(
        &mut self,
        r: &Replayer,
        step: u64,
        events: &mut Vec<Event>,
        arrows: &mut Vec<Arrow>,
        lag: &mut Vec<LagPoint>,
    ) {
        let start = r.start_ms();
        let sim = &r.engine().sim;
        let at = r.at();
        let mut out = Out { events, at, step };
        let mut relevant = false;

        // Tape actions applied in this step, and their errors.
        let done = r.actions_done();
        for i in self.actions..done {
            let a = &r.tape().actions[i];
            out.at = a.at;
            let op = super::replay::op_name(&a.action);
            let text = super::session_frame::describe(&a.action);
            out.push("action", None, op, format!("action {i}: {text}"), None);
            if let Some(err) = r.action_errors().get(&i) {
                out.push("error", None, "action-refused", format!("action {i} ({op}) could not apply: {err}"), None);
            }
            relevant = true;
        }
        self.actions = done;

        // The journal's new entries.
        for s in &r.recorder().sent[self.sent.min(r.recorder().sent.len())..] {
            self.sent_ids.insert((s.node, s.delivery), s.id.clone());
        }
        self.sent = r.recorder().sent.len();
        let sent_ids = &self.sent_ids;
        let sent_id =
            |node: Option<NodeId>, delivery: u64| node.and_then(|n| sent_ids.get(&(n.0, delivery))).map(String::as_str);
        let journal = sim.journal();
        let name = |n: Option<NodeId>| n.map(|n| sim.node_name(n).to_string());
        for e in &journal[self.journal.min(journal.len())..] {
            let node = name(e.node);
            let who = node.clone().unwrap_or_else(|| "broker".into());
            // Setting the world up (topics created) happened before the tape's clock started.
            let t = (e.at - start).max(0);
            out.at = t;
            match &e.kind {
                EventKind::NodeAdded { name } => {
                    out.push("client", node.clone(), "node-added", format!("{name} starts"), None);
                }
                EventKind::NodeCrashed => {
                    relevant = true;
                    out.push(
                        "client",
                        node,
                        "crash",
                        format!("{who} crashed: it sends and receives nothing"),
                        Some("crash"),
                    );
                }
                EventKind::NodeRestarted => {
                    relevant = true;
                    out.push("client", node, "restart", format!("{who} restarts as a fresh process"), None);
                }
                EventKind::FaultArmed { rule } => {
                    out.push("fault", node, "fault-armed", format!("fault armed on {who}'s link: {rule}"), None);
                }
                EventKind::Send { delivery } => {
                    let id = sent_id(e.node, *delivery);
                    out.push("client", node, "send", format!("{who} sends {}", id.unwrap_or("a record")), None);
                }
                EventKind::Message { direction, api, correlation_id, fate } => {
                    let client = node.clone().unwrap_or_else(|| "?".into());
                    let lane = api_lane(api, e.node.is_some_and(|n| transactional(r, n)));
                    let (from, to, dir) = match direction {
                        Direction::Request => (client.clone(), lane.to_string(), "request"),
                        Direction::Response => (lane.to_string(), client.clone(), "response"),
                    };
                    let mut label = arrow_label(r, e.node, *direction, api, *correlation_id);
                    if *direction == Direction::Response {
                        // The decisions the broker noted for this client's request of this API now:
                        // "Produce response #7: duplicate-sequence", "EndTxn response #9: txn-rejected".
                        if let Some(pending) = e.node.and_then(|n| self.answers.get_mut(&n.0)) {
                            let (now, later): (Vec<_>, Vec<_>) =
                                pending.drain(..).partition(|(at, apis, _)| *at == t && apis.contains(&api.as_str()));
                            *pending = later.into_iter().filter(|(at, _, _)| *at >= t).collect();
                            let mut rules: Vec<&str> = now.into_iter().map(|(_, _, rule)| rule).collect();
                            rules.dedup();
                            if !rules.is_empty() {
                                label = format!("{label}: {}", rules.join(", "));
                            }
                        }
                    }
                    let latency = r.latency_ms();
                    let (fate_name, arrive_at) = match fate {
                        Fate::Sent => ("sent", latency.map(|l| t + l)),
                        Fate::Dropped => ("dropped", None),
                        Fate::Delayed { by_ms } => ("delayed", latency.map(|l| t + l + by_ms)),
                        Fate::Duplicated => ("duplicated", latency.map(|l| t + l)),
                    };
                    if *direction == Direction::Response {
                        if let Some(n) = e.node {
                            self.awaiting.insert((n.0, *correlation_id), arrows.len());
                        }
                    }
                    arrows.push(Arrow {
                        i: arrows.len(),
                        at: t,
                        arrive_at,
                        received_at: None,
                        from: from.clone(),
                        to: to.clone(),
                        api: api.clone(),
                        direction: dir,
                        correlation_id: *correlation_id,
                        fate: fate_name,
                        label: label.clone(),
                    });
                    let text = format!("{from} → {to}: {label}");
                    match fate {
                        Fate::Sent => out.push("message", node, "", text, None),
                        Fate::Dropped => {
                            relevant = true;
                            out.push("fault", node, "drop", format!("{text}: lost on the network"), Some("drop"))
                        }
                        Fate::Delayed { by_ms } => {
                            out.push("fault", node, "delay", format!("{text}: delayed by {by_ms} ms"), None)
                        }
                        Fate::Duplicated => {
                            out.push("fault", node, "duplicate-message", format!("{text}: arrives twice"), None)
                        }
                    }
                }
                EventKind::ResponseReceived { correlation_id, .. } => {
                    if let Some(i) = e.node.and_then(|n| self.awaiting.remove(&(n.0, *correlation_id))) {
                        if let Some(a) = arrows.get_mut(i) {
                            a.received_at = Some(t);
                        }
                    }
                }
                EventKind::Delivered { delivery, partition, offset } => {
                    relevant = true;
                    let id = sent_id(e.node, *delivery).unwrap_or("a record");
                    out.push(
                        "client",
                        node,
                        "delivered",
                        format!("{who}: {id} acknowledged, partition {partition} offset {offset}"),
                        None,
                    );
                }
                EventKind::DeliveryFailed { delivery, error } => {
                    relevant = true;
                    let id = sent_id(e.node, *delivery).unwrap_or("a record");
                    let fenced = error.contains("FENCED") || error.contains("EPOCH");
                    let rule = if fenced { "producer-fenced" } else { "delivery-failed" };
                    let text = format!("{who}: {id} failed with {error}");
                    out.push("client", node, rule, text, fenced.then_some("fenced"));
                }
                EventKind::Consumed { topic, partition, offset } => {
                    relevant = true;
                    out.push("client", node, "consumed", format!("{who} polled {topic}-{partition}@{offset}"), None);
                }
                EventKind::ConsumerEvent { what } => {
                    relevant = true;
                    // The consumer's own notes carry the anomalies (evicted, reset).
                    out.push("client", node, consumer_rule(what), format!("{who}: {what}"), None);
                }
                EventKind::AdminEvent { what } => {
                    out.push("client", node, "admin", format!("{who}: {what}"), None);
                }
                EventKind::Note { rule, text, anomaly } => {
                    // A new generation ends a rebalance: the timeline's rebalance tick.
                    let anomaly = anomaly.or((*rule == "generation").then_some("rebalance"));
                    if anomaly.is_some() {
                        relevant = true;
                    }
                    let kind = if CLIENT_RULES.contains(rule) { "client" } else { "broker" };
                    if let (Some(n), Some(api)) = (e.node, answered_api(rule)) {
                        if kind == "broker" {
                            self.answers.entry(n.0).or_default().push((t, api, rule));
                        }
                    }
                    out.push(kind, node, rule, text.clone(), anomaly);
                }
            }
        }
        self.journal = journal.len();
        out.at = at;

        let up = sim.broker_up();
        if self.broker_up.is_some_and(|was| was != up) {
            relevant = true;
            if up {
                out.push(
                    "broker",
                    None,
                    "restart",
                    "the broker is back with its logs, groups and transactions".into(),
                    None,
                );
            } else {
                out.push(
                    "broker",
                    None,
                    "crash",
                    "the broker is down: requests are lost, every connection closed".into(),
                    Some("crash"),
                );
            }
        }
        self.broker_up = Some(up);

        // What the applications processed, and their notes.
        let rec = r.recorder();
        for p in &rec.processed[self.processed..] {
            relevant = true;
            out.at = p.at;
            out.push(
                "app",
                Some(p.app.clone()),
                "processed",
                format!("{} processed {} ({}-{}@{})", p.app, p.id, p.topic, p.partition, p.offset),
                None,
            );
        }
        self.processed = rec.processed.len();
        for (k, app) in r.apps().iter().enumerate() {
            if self.notes.len() <= k {
                self.notes.push(0);
            }
            let total = app.notes_taken();
            let new = (total - self.notes[k]) as usize;
            let notes = app.recent_notes();
            for n in notes.iter().skip(notes.len().saturating_sub(new)) {
                let (when, text) = n.split_once(" ms: ").unwrap_or(("", n.as_str()));
                out.at = when.parse().unwrap_or(at);
                let rule = note_rule(text);
                out.push("app", Some(app.name().to_string()), rule, format!("{}: {text}", app.name()), None);
            }
            self.notes[k] = total;
        }

        out.at = at;

        // Records the broker stored since the last step.
        let broker = sim.broker();
        for (topic, tp) in broker.topics().filter(|(n, _)| !n.starts_with("__")) {
            for (p, log) in tp.partitions().iter().enumerate() {
                let key = (topic.to_string(), p as i32);
                let from = self.scanned.get(&key).copied().unwrap_or(0);
                if log.log_end_offset() <= from {
                    continue;
                }
                for stored in log.batches_from(from) {
                    let batch = Batch { header: stored.header, bytes: stored.bytes.clone() };
                    let h = batch.header;
                    if batch.control_type().is_some() {
                        continue;
                    }
                    let Ok(records) = batch.records() else { continue };
                    for rec in records.map_while(Result::ok).filter(|x| x.offset >= from) {
                        let Some(v) = rec.value.as_deref() else { continue };
                        let id = String::from_utf8_lossy(v).into_owned();
                        let here = (topic.to_string(), p as i32, rec.offset);
                        match self.first_copy.get(&id) {
                            Some(first) if *first != here && !h.is_transactional() => {
                                relevant = true;
                                out.push(
                                    "broker",
                                    None,
                                    "stored-twice",
                                    format!(
                                        "{id} stored again at {topic}-{p}@{} (first copy at {}-{}@{})",
                                        rec.offset, first.0, first.1, first.2
                                    ),
                                    Some("duplicate"),
                                );
                                self.verdicts.insert(id.clone(), Verdict::Duplicated);
                            }
                            Some(_) => {}
                            None => {
                                self.first_copy.insert(id.clone(), here);
                            }
                        }
                    }
                }
                self.scanned.insert(key, log.log_end_offset());
            }
        }

        // Verdicts that changed for the worse.
        if relevant && rec.sent.len().saturating_mul(journal.len()) <= VERDICT_WORK_MAX {
            let ledger = r.ledger_now();
            for m in &ledger.messages {
                let old = self.verdicts.insert(m.id.clone(), m.verdict);
                if old == Some(m.verdict) {
                    continue;
                }
                let (anomaly, what) = match m.verdict {
                    Verdict::Lost => ("lost", "is lost: no reader will process it"),
                    Verdict::Duplicated if old != Some(Verdict::Duplicated) => {
                        ("duplicate", "is duplicated: processed or stored more than once")
                    }
                    Verdict::AbortedRead => ("aborted-read", "was read from an aborted transaction"),
                    _ => continue,
                };
                out.push("broker", None, "verdict", format!("{} {what}", m.id), Some(anomaly));
            }
        }

        // Lag, whenever it changed.
        let mut now_lag = BTreeMap::new();
        for app in r.apps() {
            for (topic, p, pos) in app.positions(r.engine()) {
                let Some(log) =
                    broker.topics().find(|(n, _)| *n == topic).and_then(|(_, t)| t.partitions().get(p as usize))
                else {
                    continue;
                };
                let l = (log.high_watermark() - pos).max(0);
                let s = (log.last_stable_offset() - pos).max(0);
                now_lag.insert((app.name().to_string(), topic, p), (l, s));
            }
        }
        for (k, v) in &now_lag {
            if self.lag.get(k) != Some(v) {
                lag.push(LagPoint {
                    at,
                    app: k.0.clone(),
                    topic: k.1.clone(),
                    partition: k.2,
                    lag: v.0,
                    stable_lag: v.1,
                });
            }
        }
        self.lag = now_lag;
    }

    /// The timeline's ticks from a whole run's events.
    pub fn ticks(&self, events: &[Event]) -> Vec<Tick> {
        events
            .iter()
            .filter_map(|e| {
                let a = e.anomaly.as_deref()?;
                let kind = match a {
                    // One tick per rebalance: when its new generation starts.
                    "rebalance" if e.rule.as_deref() == Some("generation") => "rebalance",
                    "rebalance" => return None,
                    _ => "anomaly",
                };
                Some(Tick { at: e.at, step: e.step, kind, anomaly: Some(a.to_string()), text: e.text.clone() })
            })
            .collect()
    }
}

/// The request a broker decision answers, for the decisions a response arrow is labelled with
/// (the rule ids of `kafkette::notes::RULES`).
fn answered_api(rule: &str) -> Option<&'static [&'static str]> {
    Some(match rule {
        "duplicate-sequence" | "out-of-order-sequence" | "fenced-epoch" | "txn-verify-failed" | "unknown-producer" => {
            &["Produce"]
        }
        "producer-fenced" | "epoch-bump" => &["InitProducerId"],
        "txn-rejected" => &["InitProducerId", "AddPartitionsToTxn", "AddOffsetsToTxn", "EndTxn"],
        "commit-rejected" => &["OffsetCommit", "TxnOffsetCommit"],
        "offset-out-of-range" => &["Fetch"],
        _ => return None,
    })
}

/// Whether `node` is a producer with a `transactional.id` (its InitProducerId goes to the
/// transaction coordinator).
fn transactional(r: &Replayer, node: NodeId) -> bool {
    r.engine().sim.producer_ref(node).is_some_and(|p| p.config().transactional_id.is_some())
}

/// A Produce request's batches (from the producer's in-flight list), else the API name.
fn arrow_label(r: &Replayer, node: Option<NodeId>, dir: Direction, api: &str, cid: i32) -> String {
    if api == "Produce" && dir == Direction::Request {
        if let Some(p) = node.and_then(|n| r.engine().sim.producer_ref(n)) {
            let batches: Vec<String> = p
                .in_flight_batches()
                .into_iter()
                .filter(|b| b.correlation_id == cid)
                .map(|b| match b.base_sequence {
                    Some(s) if b.records > 1 => {
                        format!("{}-{} seq {}..{}", b.topic, b.partition, s, s + b.records as i32 - 1)
                    }
                    Some(s) => format!("{}-{} seq {}", b.topic, b.partition, s),
                    None => format!("{}-{} ({} records)", b.topic, b.partition, b.records),
                } + &retry(b.attempts))
                .collect();
            if !batches.is_empty() {
                return format!("Produce {}", batches.join(", "));
            }
        }
    }
    match dir {
        Direction::Request => format!("{api} #{cid}"),
        Direction::Response => format!("{api} response #{cid}"),
    }
}

/// " (retry 2)" on a batch sent again (its second attempt is its first retry).
fn retry(attempts: u32) -> String {
    if attempts > 1 {
        format!(" (retry {})", attempts - 1)
    } else {
        String::new()
    }
}

/// The rule of a consumer event (its Debug text).
fn consumer_rule(what: &str) -> &'static str {
    // The first words of `ConsumerEvent`'s Display.
    let mut words = what.split_whitespace();
    match (words.next().unwrap_or(""), words.next().unwrap_or("")) {
        ("assigned", _) => "assigned",
        ("revoked", _) => "revoked",
        ("lost", _) => "lost",
        ("offset", "reset") => "reset",
        ("joined", _) => "joined",
        ("rebalancing:", _) => "rebalancing",
        ("commit", _) if what.contains(" failed: ") => "commit-failed",
        ("commit", _) => "commit-completed",
        ("error:", _) => "consumer-error",
        _ => "consumer",
    }
}

/// The rule of an application's note.
fn note_rule(text: &str) -> &'static str {
    let first = text.split_whitespace().next().unwrap_or("");
    match first {
        "committed" => "committed",
        "crashed" => "crash",
        "started" => "start",
        "stopped" => "stop",
        "processing" => "stall",
        "commit" => "commit-rejected",
        _ if text.contains("failed") => "failed",
        _ => "app",
    }
}
