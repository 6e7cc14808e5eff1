//! The delivery ledger: one row per application message (its id is the record's value) with
//! its send attempts, the copies the broker stores, how often each application processed it,
//! and a verdict computed here, not by the page. Plus the markers of every partition (log
//! start, committed offsets per group, positions, LSO, high watermark, log end) and the groups.
//!
//! Copies are read from the broker's logs as they are; a transactional copy's fate comes from
//! the control record that follows it for the same producer id (COMMIT, ABORT, or none yet).

use std::collections::BTreeMap;

use kafkette::broker::{Broker, PartitionLog};
use kafkette::record::{Batch, ControlType};
use kafkette::sim::{Direction, EventKind, SimEvent};
use kafkette::Millis;
use serde::Serialize;

use super::app::AppView;

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Verdict {
    /// Processed exactly once by the readers (or, with no readers, stored once).
    ExactlyOnce,
    /// Processed (or stored) more than once.
    Duplicated,
    /// Never stored, deleted before it was read, or passed over by the readers (their position
    /// or committed offset is beyond it) without being processed.
    Lost,
    /// Its only copies are in aborted transactions, and no reader processed them: correct.
    Aborted,
    /// Not decided yet: in flight, in a transaction still open, or not reached by the readers.
    Pending,
    /// Every send failed with an error the producer was told of (fenced, timed out): not stored.
    Rejected,
    /// A `read_uncommitted` reader processed a copy from an aborted transaction.
    AbortedRead,
}

impl Verdict {
    /// Which verdict a row shows when its readers disagree: the most alarming one.
    fn severity(self) -> u8 {
        match self {
            Verdict::AbortedRead => 6,
            Verdict::Lost => 5,
            Verdict::Duplicated => 4,
            Verdict::Rejected => 3,
            Verdict::Pending => 2,
            Verdict::Aborted => 1,
            Verdict::ExactlyOnce => 0,
        }
    }
}

/// The fate of one stored copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CopyState {
    /// Not transactional.
    Plain,
    Committed,
    Aborted,
    /// In a transaction not ended yet.
    Open,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Copy {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub state: CopyState,
}

/// One application sent `id` (a tape `produce`, or a copier's copy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub id: String,
    pub node: usize,
    pub delivery: u64,
}

/// One application processed a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Processed {
    pub app: String,
    pub incarnation: u32,
    pub id: String,
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerRow {
    pub id: String,
    /// Application sends (a `produce`, a copier's copy).
    pub sends: u32,
    /// Produce requests its producer put on the wire between the send and the delivery report
    /// (retries included; shared by records that travel together).
    pub attempts: u32,
    /// Delivery reports that were errors.
    pub failed: u32,
    pub copies: Vec<Copy>,
    /// Copies that a read_committed reader can see (plain or committed).
    pub visible_copies: u32,
    /// Times processed, by application (all incarnations).
    pub processed: BTreeMap<String, u32>,
    /// Side effects outside Kafka (a copier's emails), by application.
    pub effects: BTreeMap<String, u32>,
    /// The verdict for each audience of readers (a group, or an application without one).
    pub verdict_by_reader: BTreeMap<String, Verdict>,
    /// The most alarming of them (with no readers: from the copies stored).
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartitionMarkers {
    /// "topic-partition".
    pub id: String,
    pub topic: String,
    pub partition: i32,
    pub log_start_offset: i64,
    pub last_stable_offset: i64,
    pub high_watermark: i64,
    pub log_end_offset: i64,
    /// Committed offset by group id.
    pub committed: BTreeMap<String, i64>,
    /// Position by application (its live consumer).
    pub positions: BTreeMap<String, i64>,
    /// Offsets behind, by application: the high watermark minus its position, and the last
    /// stable offset minus its position (all a read_committed reader can catch up to).
    pub lag: BTreeMap<String, i64>,
    pub stable_lag: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupView {
    pub id: String,
    pub state: &'static str,
    pub generation: i32,
    /// Client ids of the members (the consumers' node names).
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ledger {
    /// Virtual time since the run's start.
    pub at: Millis,
    pub messages: Vec<LedgerRow>,
    /// Verdict by message id (the same as in `messages`, for quick lookups).
    pub verdicts: BTreeMap<String, Verdict>,
    pub markers: Vec<PartitionMarkers>,
    pub groups: Vec<GroupView>,
    pub apps: Vec<AppView>,
    /// Tape actions that could not apply, and transaction operations that failed.
    pub errors: Vec<String>,
}

/// What the replayer observed, besides the broker's state.
pub struct Observed<'a> {
    pub at: Millis,
    pub sent: &'a [Sent],
    pub processed: &'a [Processed],
    /// `(application, message id)` per side effect.
    pub effects: &'a [(String, String)],
    pub journal: &'a [SimEvent],
    /// Applications whose processing decides verdicts, by audience: the applications of one
    /// group share its records (one of them processing a record is the group processing it);
    /// an application without a group is an audience of its own. `(name, group, apps)`.
    pub audiences: Vec<(String, Option<String>, Vec<String>)>,
    /// Applications reading with read_uncommitted.
    pub uncommitted_readers: Vec<String>,
    /// `(application, topic, partition, position)` of live consumers.
    pub positions: Vec<(String, String, i32, i64)>,
    pub apps: Vec<AppView>,
    pub errors: Vec<String>,
}

impl Ledger {
    pub fn compute(broker: &Broker, o: Observed<'_>) -> Ledger {
        let mut copies: BTreeMap<String, Vec<Copy>> = BTreeMap::new();
        let mut markers = Vec::new();
        for (topic, t) in broker.topics().filter(|(name, _)| !name.starts_with("__")) {
            for (p, log) in t.partitions().iter().enumerate() {
                let p = p as i32;
                for (id, copy) in stored_copies(topic, p, log) {
                    copies.entry(id).or_default().push(copy);
                }
                markers.push(PartitionMarkers {
                    id: format!("{topic}-{p}"),
                    topic: topic.to_string(),
                    partition: p,
                    log_start_offset: log.log_start_offset(),
                    last_stable_offset: log.last_stable_offset(),
                    high_watermark: log.high_watermark(),
                    log_end_offset: log.log_end_offset(),
                    committed: BTreeMap::new(),
                    positions: BTreeMap::new(),
                    lag: BTreeMap::new(),
                    stable_lag: BTreeMap::new(),
                });
            }
        }
        let mut groups = Vec::new();
        for g in broker.groups().groups() {
            for ((topic, p), c) in g.offsets.committed() {
                if let Some(m) = markers.iter_mut().find(|m| &m.topic == topic && m.partition == *p) {
                    m.committed.insert(g.id.clone(), c.offset);
                }
            }
            if g.protocol_type.as_deref().is_some_and(|t| t != "consumer") {
                continue;
            }
            let members = g.members.values().map(|m| m.client_id.clone()).collect();
            groups.push(GroupView { id: g.id.clone(), state: g.state.name(), generation: g.generation, members });
        }
        for (app, topic, p, pos) in &o.positions {
            if let Some(m) = markers.iter_mut().find(|m| &m.topic == topic && m.partition == *p) {
                m.positions.insert(app.clone(), *pos);
                m.lag.insert(app.clone(), (m.high_watermark - pos).max(0));
                m.stable_lag.insert(app.clone(), (m.last_stable_offset - pos).max(0));
            }
        }

        // Rows in the order messages were first sent.
        let mut order: Vec<&str> = Vec::new();
        let mut by_id = ById::default();
        for s in o.sent {
            let sends = by_id.sent.entry(s.id.as_str()).or_default();
            if sends.is_empty() {
                order.push(&s.id);
            }
            sends.push(s);
        }
        for p in o.processed {
            by_id.processed.entry(p.id.as_str()).or_default().push(p);
        }
        for (app, m) in o.effects {
            by_id.effects.entry(m.as_str()).or_default().push(app.as_str());
        }
        let attempts = all_attempts(o.journal);
        let messages: Vec<LedgerRow> = order
            .iter()
            .map(|id| row(id, &o, &markers, copies.remove(*id).unwrap_or_default(), &attempts, &by_id))
            .collect();
        let verdicts = messages.iter().map(|r| (r.id.clone(), r.verdict)).collect();
        Ledger { at: o.at, messages, verdicts, markers, groups, apps: o.apps, errors: o.errors }
    }
}

fn row(
    id: &str,
    o: &Observed<'_>,
    markers: &[PartitionMarkers],
    copies: Vec<Copy>,
    all: &BTreeMap<(usize, u64), (u32, u32, u32)>,
    by_id: &ById<'_>,
) -> LedgerRow {
    let none = Vec::new();
    let sends: &Vec<&Sent> = by_id.sent.get(id).unwrap_or(&none);
    let processed_rows: &[&Processed] = by_id.processed.get(id).map_or(&[], Vec::as_slice);
    let (attempts, failed, unreported) = sends.iter().fold((0, 0, 0), |(a, f, u), s| {
        let (a2, f2, u2) = all.get(&(s.node, s.delivery)).copied().unwrap_or((0, 0, 1));
        (a + a2, f + f2, u + u2)
    });
    let mut processed: BTreeMap<String, u32> = BTreeMap::new();
    for p in processed_rows {
        *processed.entry(p.app.clone()).or_default() += 1;
    }
    let mut effects: BTreeMap<String, u32> = BTreeMap::new();
    for app in by_id.effects.get(id).map_or(&[][..], Vec::as_slice) {
        *effects.entry(app.to_string()).or_default() += 1;
    }
    let visible = copies.iter().filter(|c| matches!(c.state, CopyState::Plain | CopyState::Committed)).count() as u32;
    let open = copies.iter().any(|c| c.state == CopyState::Open);
    let undecided = |count: u32, passed: &dyn Fn(&Copy) -> bool| {
        if count == 1 {
            Verdict::ExactlyOnce
        } else if count > 1 {
            Verdict::Duplicated
        } else if visible == 0 && (open || (copies.is_empty() && unreported > 0)) {
            Verdict::Pending
        } else if visible == 0 && !copies.is_empty() {
            Verdict::Aborted
        } else if copies.is_empty() && sends.len() as u32 == failed && failed > 0 {
            Verdict::Rejected
        } else if visible > 0 && !copies.iter().any(passed) {
            Verdict::Pending
        } else {
            Verdict::Lost
        }
    };
    let mut verdict_by_reader = BTreeMap::new();
    for (audience, group, apps) in &o.audiences {
        let aborted_read = processed_rows.iter().filter(|p| apps.contains(&p.app)).any(|p| {
            o.uncommitted_readers.contains(&p.app)
                && copies.iter().any(|c| {
                    c.topic == p.topic
                        && c.partition == p.partition
                        && c.offset == p.offset
                        && c.state == CopyState::Aborted
                })
        });
        let count: u32 = processed.iter().filter(|(app, _)| apps.contains(app)).map(|(_, n)| n).sum();
        let v = if aborted_read {
            Verdict::AbortedRead
        } else {
            undecided(count, &|c: &Copy| passed(markers, apps, group.as_deref(), c))
        };
        verdict_by_reader.insert(audience.clone(), v);
    }
    let verdict = match verdict_by_reader.values().max_by_key(|v| v.severity()) {
        Some(v) => *v,
        // Without readers, what the log holds decides.
        None => undecided(visible, &|_| true),
    };
    LedgerRow {
        id: id.to_string(),
        sends: sends.len() as u32,
        attempts,
        failed,
        copies,
        visible_copies: visible,
        processed,
        effects,
        verdict_by_reader,
        verdict,
    }
}

/// Whether one of `apps`' positions, or `group`'s committed offset, is beyond a visible copy.
fn passed(markers: &[PartitionMarkers], apps: &[String], group: Option<&str>, c: &Copy) -> bool {
    if !matches!(c.state, CopyState::Plain | CopyState::Committed) {
        return false;
    }
    let Some(m) = markers.iter().find(|m| m.topic == c.topic && m.partition == c.partition) else { return false };
    let by_position = m.positions.iter().any(|(app, pos)| apps.contains(app) && *pos > c.offset);
    let by_commit = group.and_then(|g| m.committed.get(g)).is_some_and(|off| *off > c.offset);
    by_position || by_commit
}

/// The sends, processing and side effects of each message id (the rows would each scan them all).
#[derive(Default)]
struct ById<'a> {
    sent: BTreeMap<&'a str, Vec<&'a Sent>>,
    processed: BTreeMap<&'a str, Vec<&'a Processed>>,
    effects: BTreeMap<&'a str, Vec<&'a str>>,
}

/// `attempts` for every send at once, by `(node, delivery)`: one pass over the journal (the
/// ledger of a long run would pay sends x journal otherwise). Sends absent from the map have
/// `(0, 0, 1)`: no request carried them yet and no report came.
fn all_attempts(journal: &[SimEvent]) -> BTreeMap<(usize, u64), (u32, u32, u32)> {
    // Per node: records not travelled yet, and records travelling (awaiting their report).
    let mut queues: BTreeMap<usize, (Vec<u64>, Vec<u64>)> = BTreeMap::new();
    let mut counts: BTreeMap<(usize, u64), u32> = BTreeMap::new();
    let mut out: BTreeMap<(usize, u64), (u32, u32, u32)> = BTreeMap::new();
    for e in journal {
        let Some(node) = e.node else { continue };
        let n = node.0;
        match &e.kind {
            EventKind::Send { delivery } => queues.entry(n).or_default().0.push(*delivery),
            EventKind::Message { direction: Direction::Request, api, .. } if api == "Produce" => {
                let (fresh, travelling) = queues.entry(n).or_default();
                let carried = if fresh.is_empty() { &*travelling } else { &*fresh };
                for d in carried {
                    *counts.entry((n, *d)).or_default() += 1;
                }
                travelling.append(fresh);
            }
            EventKind::Delivered { delivery, .. } | EventKind::DeliveryFailed { delivery, .. } => {
                let (fresh, travelling) = queues.entry(n).or_default();
                fresh.retain(|d| d != delivery);
                travelling.retain(|d| d != delivery);
                let failed = matches!(e.kind, EventKind::DeliveryFailed { .. }) as u32;
                let n_attempts = counts.get(&(n, *delivery)).copied().unwrap_or(0);
                out.entry((n, *delivery)).or_insert((n_attempts, failed, 0));
            }
            _ => {}
        }
    }
    for (key, n_attempts) in counts {
        out.entry(key).or_insert((n_attempts, 0, 1));
    }
    out
}

/// `(attempts, failed, unreported)` of `s`: how many Produce requests carried it, and whether its delivery
/// report was an error. The journal does not say which records a request carried, so it is
/// inferred per producer: a request sent while some records have not travelled yet carries
/// those (their first attempt); any other request is a retry of every record still awaiting
/// its report. Exact when each request carries one batch, as in the lessons. `unreported` is 1
/// while no delivery report came.
#[cfg(test)]
fn attempts(journal: &[SimEvent], s: &Sent) -> (u32, u32, u32) {
    let node = Some(kafkette::sim::NodeId(s.node));
    let mut fresh: Vec<u64> = Vec::new();
    let mut travelling: Vec<u64> = Vec::new();
    let mut n = 0;
    for e in journal.iter().filter(|e| e.node == node) {
        match &e.kind {
            EventKind::Send { delivery } => fresh.push(*delivery),
            EventKind::Message { direction: Direction::Request, api, .. } if api == "Produce" => {
                let carried = if fresh.is_empty() { &travelling } else { &fresh };
                if carried.contains(&s.delivery) {
                    n += 1;
                }
                travelling.append(&mut fresh);
            }
            EventKind::Delivered { delivery, .. } | EventKind::DeliveryFailed { delivery, .. } => {
                fresh.retain(|d| d != delivery);
                travelling.retain(|d| d != delivery);
                if *delivery == s.delivery {
                    return (n, matches!(e.kind, EventKind::DeliveryFailed { .. }) as u32, 0);
                }
            }
            _ => {}
        }
    }
    (n, 0, 1)
}

/// `(message id, copy)` for every data record still in the log.
fn stored_copies(topic: &str, partition: i32, log: &PartitionLog) -> Vec<(String, Copy)> {
    let mut out: Vec<(String, Copy)> = Vec::new();
    // Indexes into `out` of each producer's transactional records not yet ended.
    let mut open: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for stored in log.batches() {
        let batch = Batch { header: stored.header, bytes: stored.bytes.clone() };
        let h = batch.header;
        if let Some(control) = batch.control_type() {
            let state = match control {
                ControlType::Commit => CopyState::Committed,
                ControlType::Abort => CopyState::Aborted,
            };
            for i in open.remove(&h.producer_id).unwrap_or_default() {
                out[i].1.state = state;
            }
            continue;
        }
        let Ok(records) = batch.records() else { continue };
        for r in records.map_while(Result::ok) {
            let Some(value) = r.value.as_deref() else { continue };
            if r.offset < log.log_start_offset() {
                continue;
            }
            let state = if h.is_transactional() { CopyState::Open } else { CopyState::Plain };
            if state == CopyState::Open {
                open.entry(h.producer_id).or_default().push(out.len());
            }
            let copy = Copy {
                topic: topic.to_string(),
                partition,
                offset: r.offset,
                producer_id: h.producer_id,
                producer_epoch: h.producer_epoch,
                state,
            };
            out.push((String::from_utf8_lossy(value).into_owned(), copy));
        }
    }
    out
}

#[cfg(test)]
mod attempts_tests {
    use super::super::{lessons, replay::Replayer};
    use super::{all_attempts, attempts};

    /// The one-pass count agrees with the per-send one on every lesson run, at its end.
    #[test]
    fn one_pass_attempts_agree_with_the_per_send_count() {
        for l in lessons::lessons().unwrap() {
            for run in l.runs {
                let r = Replayer::run(run.tape).unwrap();
                let journal = r.engine().sim.journal();
                let all = all_attempts(journal);
                for s in &r.recorder().sent {
                    let one = all.get(&(s.node, s.delivery)).copied().unwrap_or((0, 0, 1));
                    assert_eq!(one, attempts(journal, s), "lesson {} {:?}: {s:?}", l.id, run.name);
                }
            }
        }
    }
}
