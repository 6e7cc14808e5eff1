//! The lessons and the tape replayer for JavaScript.
//!
//! `lessons()` lists the twelve lessons (id, slug, title, guided text, runs with their key
//! moments); `replayLesson(id, run)` and `replayTape(json, at)` replay a tape and return the
//! ledger (verdicts, copies, markers, groups, applications) at the moments asked, as plain
//! JSON-compatible objects. The page and the Node tests read the same expectations as
//! `cargo test`: the lesson files in `wasm/lessons/`.

use kafkette::{Error, Millis};
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::engine::lessons::{self, Lesson};
use crate::engine::replay::Replayer;
use crate::engine::tape::{Tape, TAPE_FORMAT_VERSION};
use crate::{js_error, to_js};

/// Moments per replay call: a page asks for a few, a scrubber for at most one per frame.
const MOMENTS_MAX: usize = 10_000;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LessonSummary {
    id: u32,
    slug: String,
    title: String,
    text: String,
    runs: Vec<RunSummary>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunSummary {
    name: String,
    end_ms: Millis,
    moments: Vec<MomentSummary>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MomentSummary {
    at: Millis,
    caption: String,
}

fn all() -> Result<Vec<Lesson>, JsValue> {
    lessons::lessons().map_err(js_error)
}

/// The tape format version `replayTape` reads.
#[wasm_bindgen(js_name = tapeFormatVersion)]
pub fn tape_format_version() -> u32 {
    TAPE_FORMAT_VERSION
}

/// Every lesson: `{ id, slug, title, text, runs: [{ name, endMs, moments: [{ at, caption }] }] }`.
#[wasm_bindgen(js_name = lessons)]
pub fn list_lessons() -> Result<JsValue, JsValue> {
    let list: Vec<LessonSummary> = all()?
        .into_iter()
        .map(|l| LessonSummary {
            id: l.id,
            slug: l.slug,
            title: l.title,
            text: l.text,
            runs: l
                .runs
                .into_iter()
                .map(|r| RunSummary {
                    name: r.name,
                    end_ms: r.tape.end_ms,
                    moments: r.moments.into_iter().map(|m| MomentSummary { at: m.at, caption: m.caption }).collect(),
                })
                .collect(),
        })
        .collect();
    to_js(&list, "ledger")
}

/// A lesson run's tape as JSON text (to load into the sandbox, or to share).
#[wasm_bindgen(js_name = lessonTape)]
pub fn lesson_tape(id: u32, run: &str) -> Result<String, JsValue> {
    let lesson = all()?.into_iter().find(|l| l.id == id);
    let lesson = lesson.ok_or_else(|| js_error(Error::invalid_arg(format!("no lesson {id}"))))?;
    let found = lesson.runs.into_iter().find(|r| r.name == run);
    let run = found.ok_or_else(|| js_error(Error::invalid_arg(format!("lesson {id} has no run {run:?}"))))?;
    Ok(run.tape.to_json())
}

/// Replays a lesson run; returns `[{ at, ledger }]` at each of its key moments.
#[wasm_bindgen(js_name = replayLesson)]
pub fn replay_lesson(id: u32, run: &str) -> Result<JsValue, JsValue> {
    let tape = lesson_tape(id, run)?;
    let lesson = all()?.into_iter().find(|l| l.id == id);
    let at: Vec<Millis> = lesson
        .and_then(|l| l.runs.into_iter().find(|r| r.name == run))
        .map(|r| r.moments.iter().map(|m| m.at).collect())
        .unwrap_or_default();
    replay(Tape::from_json(&tape).map_err(js_error)?, &at)
}

/// Replays a tape (JSON text, format `tapeFormatVersion()`); returns `[{ at, ledger }]` at
/// each time in `at` (milliseconds after the start, ascending; empty: its end).
#[wasm_bindgen(js_name = replayTape)]
pub fn replay_tape(tape: &str, at: Vec<f64>) -> Result<JsValue, JsValue> {
    let tape = Tape::from_json(tape).map_err(js_error)?;
    let mut times = Vec::with_capacity(at.len().min(MOMENTS_MAX));
    for t in at {
        if !(t.is_finite() && t >= 0.0 && t.fract() == 0.0) {
            return Err(js_error(Error::invalid_arg(format!("bad moment {t}: a whole number of milliseconds"))));
        }
        times.push(t as Millis);
    }
    if times.is_empty() {
        times.push(tape.end_ms);
    }
    replay(tape, &times)
}

#[derive(Serialize)]
struct At<T> {
    at: Millis,
    ledger: T,
}

fn replay(tape: Tape, at: &[Millis]) -> Result<JsValue, JsValue> {
    if at.len() > MOMENTS_MAX {
        return Err(js_error(Error::invalid_arg(format!("{} moments, at most {MOMENTS_MAX}", at.len()))));
    }
    if at.windows(2).any(|w| w[0] > w[1]) {
        return Err(js_error(Error::invalid_arg("moments must be in ascending order")));
    }
    let mut r = Replayer::new(tape).map_err(js_error)?;
    let mut out = Vec::with_capacity(at.len());
    for t in at {
        r.run_until(*t);
        out.push(At { at: *t, ledger: r.ledger() });
    }
    to_js(&out, "ledger")
}
