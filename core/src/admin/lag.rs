//! What `kafka-consumer-groups` computes from the admin answers: lag per partition (`--describe`)
//! and the offsets a reset would commit (`--reset-offsets`), and the tables it prints. Pure
//! functions over answers already fetched; no requests here.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::GroupDescription;
use crate::consumer::TopicPartition;
use crate::error::{Error, ErrorCode};

/// Kafka's tool prints this for a value it does not have.
pub const MISSING: &str = "-";

/// One line of `--describe`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LagRow {
    pub group: String,
    pub topic: String,
    pub partition: i32,
    /// The committed offset.
    pub current_offset: Option<i64>,
    /// The high watermark, or the last stable offset for read_committed.
    pub log_end_offset: Option<i64>,
    pub lag: Option<i64>,
    /// None for committed partitions no member owns.
    pub consumer_id: Option<String>,
    pub host: Option<String>,
    pub client_id: Option<String>,
}

/// The partitions whose end offsets `lag_rows` needs: those assigned to members and those committed.
pub fn lag_partitions(desc: &GroupDescription, committed: &BTreeMap<TopicPartition, i64>) -> Vec<TopicPartition> {
    let mut out: Vec<TopicPartition> =
        desc.members.iter().flat_map(|m| m.assignment.iter().cloned()).chain(committed.keys().cloned()).collect();
    out.sort();
    out.dedup();
    out
}

/// Lag as Kafka's tool computes it: end - committed when both are known (never for -1).
pub fn lag(current: Option<i64>, end: Option<i64>) -> Option<i64> {
    match (current.filter(|o| *o >= 0), end.filter(|o| *o >= 0)) {
        (Some(c), Some(e)) => Some(e - c),
        _ => None,
    }
}

/// The rows of `--describe` in Kafka's order: members with partitions, most partitions first,
/// each member's partitions in order; then committed partitions no member owns.
pub fn lag_rows(
    desc: &GroupDescription,
    committed: &BTreeMap<TopicPartition, i64>,
    end_offsets: &BTreeMap<TopicPartition, i64>,
) -> Vec<LagRow> {
    let row = |tp: &TopicPartition, member: Option<&super::MemberDescription>| {
        let current = committed.get(tp).copied();
        let end = end_offsets.get(tp).copied();
        LagRow {
            group: desc.group_id.clone(),
            topic: tp.topic.clone(),
            partition: tp.partition,
            current_offset: current,
            log_end_offset: end,
            lag: lag(current, end),
            consumer_id: member.map(|m| m.member_id.clone()),
            host: member.map(|m| m.host.clone()),
            client_id: member.map(|m| m.client_id.clone()),
        }
    };
    let mut members: Vec<&super::MemberDescription> =
        desc.members.iter().filter(|m| !m.assignment.is_empty()).collect();
    members.sort_by_key(|m| std::cmp::Reverse(m.assignment.len()));
    let mut rows = Vec::new();
    let mut assigned = std::collections::BTreeSet::new();
    for m in members {
        let mut tps = m.assignment.clone();
        tps.sort();
        for tp in &tps {
            assigned.insert(tp.clone());
            rows.push(row(tp, Some(m)));
        }
    }
    for tp in committed.keys().filter(|tp| !assigned.contains(*tp)) {
        rows.push(row(tp, None));
    }
    rows
}

fn opt(v: &Option<impl ToString>) -> String {
    v.as_ref().map_or_else(|| MISSING.to_string(), ToString::to_string)
}

/// The `--describe` table as Kafka's tool prints it: a header and one line per row, columns at
/// least 15 wide (group, topic, consumer id and host as wide as their longest value).
pub fn format_lag_table(rows: &[LagRow]) -> String {
    let width = |f: &dyn Fn(&LagRow) -> usize| rows.iter().map(f).max().unwrap_or(0).max(15);
    let g = width(&|r| r.group.len());
    let t = width(&|r| r.topic.len());
    let c = width(&|r| r.consumer_id.as_ref().map_or(1, String::len));
    let h = width(&|r| r.host.as_ref().map_or(1, String::len));
    let mut out = String::new();
    let mut line = |cols: [&str; 9]| {
        let _ = writeln!(
            out,
            "{:<g$} {:<t$} {:<10} {:<15} {:<15} {:<15} {:<c$} {:<h$} {}",
            cols[0], cols[1], cols[2], cols[3], cols[4], cols[5], cols[6], cols[7], cols[8]
        );
    };
    line([
        "GROUP",
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "CONSUMER-ID",
        "HOST",
        "CLIENT-ID",
    ]);
    for r in rows {
        line([
            &r.group,
            &r.topic,
            &r.partition.to_string(),
            &opt(&r.current_offset),
            &opt(&r.log_end_offset),
            &opt(&r.lag),
            &opt(&r.consumer_id),
            &opt(&r.host),
            &opt(&r.client_id),
        ]);
    }
    out
}

/// Where `--reset-offsets` moves a group's partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResetTo {
    Earliest,
    Latest,
    /// Clamped to the partition's earliest and latest offsets, as Kafka's tool does.
    Offset(i64),
    /// The first offset at or after this time (ms); the latest where no record is that new.
    Timestamp(i64),
}

/// The offsets a reset commits, from each partition's earliest and latest offsets and (for
/// `Timestamp`) the offset ListOffsets found for the time (-1: none).
pub fn reset_plan(
    to: ResetTo,
    partitions: &[TopicPartition],
    earliest: &BTreeMap<TopicPartition, i64>,
    latest: &BTreeMap<TopicPartition, i64>,
    by_time: &BTreeMap<TopicPartition, i64>,
) -> Result<Vec<(TopicPartition, i64)>, Error> {
    let get = |m: &BTreeMap<TopicPartition, i64>, tp: &TopicPartition, what: &str| {
        m.get(tp).copied().ok_or_else(|| {
            Error::new(ErrorCode::UNKNOWN_TOPIC_OR_PARTITION, format!("no {what} offset known for {tp}"))
        })
    };
    let mut plan = Vec::with_capacity(partitions.len());
    for tp in partitions {
        let offset = match to {
            ResetTo::Earliest => get(earliest, tp, "earliest")?,
            ResetTo::Latest => get(latest, tp, "latest")?,
            ResetTo::Offset(n) => {
                let (lo, hi) = (get(earliest, tp, "earliest")?, get(latest, tp, "latest")?);
                n.clamp(lo, hi.max(lo))
            }
            ResetTo::Timestamp(_) => match get(by_time, tp, "by-time")? {
                o if o >= 0 => o,
                _ => get(latest, tp, "latest")?,
            },
        };
        plan.push((tp.clone(), offset));
    }
    plan.sort();
    Ok(plan)
}

/// The reset table as Kafka's tool prints it (GROUP TOPIC PARTITION NEW-OFFSET).
pub fn format_reset_table(group: &str, plan: &[(TopicPartition, i64)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<30} {:<30} {:<10} {:<15}", "GROUP", "TOPIC", "PARTITION", "NEW-OFFSET");
    for (tp, o) in plan {
        let _ = writeln!(out, "{group:<30} {:<30} {:<10} {o:<15}", tp.topic, tp.partition);
    }
    out
}

/// Milliseconds since the epoch of an ISO-8601 time as `--to-datetime` takes it:
/// `YYYY-MM-DDTHH:mm:SS[.sss][Z|+HH:MM|-HH:MM]`; without a zone, UTC.
pub fn parse_datetime_ms(s: &str) -> Result<i64, Error> {
    let bad = || {
        Error::new(
            ErrorCode::INVALID_REQUEST,
            format!("{s:?} is not a time like 2024-01-31T12:00:00.000 (optionally ending Z or +HH:MM)"),
        )
    };
    let num = |t: &str| -> Result<i64, Error> {
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        t.parse().map_err(|_| bad())
    };
    let (date, rest) = s.split_once('T').ok_or_else(bad)?;
    let d: Vec<&str> = date.split('-').collect();
    let [y, mo, da] = d.as_slice() else { return Err(bad()) };
    let (y, mo, da) = (num(y)?, num(mo)?, num(da)?);
    // The zone: Z, +HH:MM or -HH:MM after the time.
    let (time, offset_min) = if let Some(t) = rest.strip_suffix('Z') {
        (t, 0)
    } else if let Some(i) = rest.rfind(['+', '-']) {
        let (t, z) = rest.split_at(i);
        let sign = if z.starts_with('-') { -1 } else { 1 };
        let (zh, zm) = z[1..].split_once(':').ok_or_else(bad)?;
        (t, sign * (num(zh)? * 60 + num(zm)?))
    } else {
        (rest, 0)
    };
    let (hms, millis) = match time.split_once('.') {
        Some((hms, frac)) => {
            let frac3: String = frac.chars().chain("000".chars()).take(3).collect();
            (hms, num(&frac3)?)
        }
        None => (time, 0),
    };
    let t: Vec<&str> = hms.split(':').collect();
    let (h, mi, sec) = match t.as_slice() {
        [h, m, s] => (num(h)?, num(m)?, num(s)?),
        [h, m] => (num(h)?, num(m)?, 0),
        _ => return Err(bad()),
    };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || sec > 60 {
        return Err(bad());
    }
    // Days from the civil date (Howard Hinnant's algorithm).
    let y2 = if mo <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + da - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Ok(((days * 24 + h) * 60 + mi - offset_min) * 60_000 + sec * 1000 + millis)
}

#[cfg(test)]
#[path = "lag_tests.rs"]
mod tests;
