//! The twelve lessons of the playground (PLAYGROUND.md), each a golden run: one JSON file per
//! lesson in `wasm/lessons/` holds its title, guided text, and runs (a tape plus the ledger
//! verdicts and markers expected at key moments). `cargo test` and the Node tests read the same
//! files, so the expectations live once; the tests here also assert each lesson's point in
//! Rust, so a lesson whose expectations were edited away still fails.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::replay::Replayer;
use super::tape::Tape;
use kafkette::{Error, Millis, Result};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_delivery;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_producer;
#[cfg(test)]
mod tests_txn;

macro_rules! lesson_file {
    ($name:literal) => {
        ($name, include_str!(concat!("../../../lessons/", $name, ".json")))
    };
}

/// The lesson files (name without `.json`, text), in lesson order.
pub const LESSON_FILES: &[(&str, &str)] = &[
    lesson_file!("01-keys-partitions"),
    lesson_file!("02-retries-duplicate"),
    lesson_file!("03-retries-reorder"),
    lesson_file!("04-at-most-once"),
    lesson_file!("05-at-least-once"),
    lesson_file!("06-auto-commit-loss"),
    lesson_file!("07-rebalances"),
    lesson_file!("08-slow-consumer"),
    lesson_file!("09-read-committed"),
    lesson_file!("10-zombie-fencing"),
    lesson_file!("11-exactly-once"),
    lesson_file!("12-lag-retention"),
];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Lesson {
    pub id: u32,
    pub slug: String,
    pub title: String,
    /// The short guided text shown beside the run.
    pub text: String,
    pub runs: Vec<LessonRun>,
}

/// One golden run: a tape and what the ledger must show at key moments.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct LessonRun {
    pub name: String,
    pub tape: Tape,
    pub moments: Vec<Moment>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Moment {
    /// Virtual time after the tape's start.
    pub at: Millis,
    /// What it means for the learner.
    #[serde(default)]
    pub caption: String,
    /// A subset of the ledger's JSON (see `mismatches`).
    pub expect: Value,
}

/// Every lesson, parsed (the files are part of the build; a bad one is a build-time bug that
/// `every_lesson_file_parses` catches, and is reported here as an error, not a panic).
pub fn lessons() -> Result<Vec<Lesson>> {
    LESSON_FILES.iter().map(|(name, text)| parse(name, text)).collect()
}

pub fn parse(name: &str, text: &str) -> Result<Lesson> {
    let lesson: Lesson = serde_json::from_str(text).map_err(|e| Error::invalid_arg(format!("{name}: {e}")))?;
    for run in &lesson.runs {
        run.tape.validate().map_err(|e| Error::invalid_arg(format!("{name}, run {:?}: {e}", run.name)))?;
    }
    Ok(lesson)
}

/// The ledger (as JSON) at each of a run's moments.
pub fn replay(run: &LessonRun) -> Result<Vec<Value>> {
    let mut r = Replayer::new(run.tape.clone())?;
    let mut out = Vec::new();
    for m in &run.moments {
        r.run_until(m.at);
        out.push(serde_json::to_value(r.ledger()).map_err(|e| Error::internal(e.to_string()))?);
    }
    Ok(out)
}

/// Where `actual` differs from `expected`, as "path: expected X, got Y" lines; empty if it
/// matches. `expected` is a subset: objects need only the keys they name; an object matched
/// against an array of objects picks elements by their `id` (or `name`) field; arrays and
/// scalars must be equal.
pub fn mismatches(expected: &Value, actual: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", expected, actual, &mut out);
    out
}

fn walk(path: &str, expected: &Value, actual: &Value, out: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, v) in e {
                match a.get(k) {
                    Some(av) => walk(&format!("{path}.{k}"), v, av, out),
                    None => out.push(format!("{path}.{k}: expected {v}, missing")),
                }
            }
        }
        (Value::Object(e), Value::Array(a)) => {
            for (k, v) in e {
                let key = |x: &&Value| x.get("id").or_else(|| x.get("name")).and_then(Value::as_str) == Some(k);
                match a.iter().find(key) {
                    Some(av) => walk(&format!("{path}[{k}]"), v, av, out),
                    None => out.push(format!("{path}[{k}]: expected {v}, no such element")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => {
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                walk(&format!("{path}[{i}]"), ev, av, out);
            }
        }
        _ if expected == actual => {}
        _ => out.push(format!("{path}: expected {expected}, got {actual}")),
    }
}
