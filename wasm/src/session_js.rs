//! The playground's `Session` for JavaScript (contract sections 1-3): a tape replayed step by
//! step, forwards and backwards, with a frame of everything the views draw, the event log, the
//! whole run's timeline, forks, actions applied from the page, and side-by-side diffs.
//!
//! Values cross as plain JSON-compatible objects; errors are `Error`s with a `.code`
//! ("INVALID_ARG"...) and a message naming the problem; nothing here panics on bad input.

use kafkette::Error;
use wasm_bindgen::prelude::*;

use crate::engine::session::{check_ms, Diff, Session};
use crate::engine::tape::Tape;
use crate::{js_error, to_js};

/// A whole number of steps from JavaScript.
fn check_count(n: f64, what: &str) -> Result<u64, JsValue> {
    if !n.is_finite() || !(0.0..=9_007_199_254_740_991.0).contains(&n) {
        return Err(js_error(Error::invalid_arg(format!("{what}: {n} is not a step number"))));
    }
    Ok(n.floor() as u64)
}

#[wasm_bindgen(js_name = Session)]
pub struct JsSession {
    inner: Session,
}

#[wasm_bindgen(js_class = Session)]
impl JsSession {
    /// A session of a tape (JSON text, format version 2) at step 0.
    #[wasm_bindgen(constructor)]
    pub fn new(tape: &str) -> Result<JsSession, JsValue> {
        Ok(JsSession { inner: Session::from_json(tape).map_err(js_error)? })
    }

    /// A lesson run's session (`run` omitted: the lesson's first run).
    pub fn lesson(id: f64, run: Option<String>) -> Result<JsSession, JsValue> {
        if !(id.is_finite() && id.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&id)) {
            return Err(js_error(Error::invalid_arg(format!("no lesson {id}"))));
        }
        Ok(JsSession { inner: Session::lesson(id as u32, run.as_deref()).map_err(js_error)? })
    }

    /// The lessons (the same list as `lessons()`).
    #[wasm_bindgen(js_name = lessonRuns)]
    pub fn lesson_runs() -> Result<JsValue, JsValue> {
        crate::lessons_js::list_lessons()
    }

    /// The tape as it is now (after apply, setEndMs), JSON text.
    #[wasm_bindgen(js_name = tapeJson)]
    pub fn tape_json(&self) -> String {
        self.inner.tape_json()
    }

    #[wasm_bindgen(js_name = endMs)]
    pub fn end_ms(&self) -> f64 {
        self.inner.end_ms() as f64
    }

    /// Virtual time now, ms after the tape's start.
    pub fn at(&self) -> f64 {
        self.inner.at() as f64
    }

    /// The current step's index (0: the world built, nothing run).
    pub fn step(&self) -> f64 {
        self.inner.step() as f64
    }

    /// Runs the next step; false at the end of the run.
    #[wasm_bindgen(js_name = stepForward)]
    pub fn step_forward(&mut self) -> Result<bool, JsValue> {
        self.inner.step_forward().map_err(js_error)
    }

    /// Back one step; false at step 0.
    #[wasm_bindgen(js_name = stepBack)]
    pub fn step_back(&mut self) -> Result<bool, JsValue> {
        self.inner.step_back().map_err(js_error)
    }

    /// To the last step whose time is at or before `ms`.
    pub fn seek(&mut self, ms: f64) -> Result<(), JsValue> {
        self.inner.seek(ms).map_err(js_error)
    }

    /// To step `i` (the last step, when the run has fewer).
    #[wasm_bindgen(js_name = seekStep)]
    pub fn seek_step(&mut self, i: f64) -> Result<(), JsValue> {
        let i = check_count(i, "seekStep")?;
        self.inner.seek_step(i).map_err(js_error)
    }

    /// Everything the views draw, now.
    pub fn frame(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.frame(), "session")
    }

    /// Event log entries with index `from` (default 0) and later, up to now.
    pub fn events(&self, from: Option<f64>) -> Result<JsValue, JsValue> {
        let from = check_count(from.unwrap_or(0.0), "events")?;
        to_js(&self.inner.events(from.min(usize::MAX as u64) as usize), "session")
    }

    /// The whole run's rebalances and anomalies: `{ endMs, steps, ticks }`.
    pub fn timeline(&mut self) -> Result<JsValue, JsValue> {
        let t = self.inner.timeline().map_err(js_error)?.clone();
        to_js(&t, "session")
    }

    /// The time of the first anomaly strictly after `afterMs`, or undefined.
    #[wasm_bindgen(js_name = nextAnomaly)]
    pub fn next_anomaly(&mut self, after_ms: f64) -> Result<Option<f64>, JsValue> {
        Ok(self.inner.next_anomaly(after_ms).map_err(js_error)?.map(|t| t as f64))
    }

    /// Adds an action (JSON text of one tape action) now: the tape's later actions are dropped.
    pub fn apply(&mut self, action: &str) -> Result<(), JsValue> {
        self.inner.apply(action).map_err(js_error)
    }

    /// An independent copy at this moment.
    pub fn fork(&self) -> JsSession {
        JsSession { inner: self.inner.fork() }
    }

    /// Lengthens or shortens the run.
    #[wasm_bindgen(js_name = setEndMs)]
    pub fn set_end_ms(&mut self, ms: f64) -> Result<(), JsValue> {
        self.inner.set_end_ms(ms).map_err(js_error)
    }

    /// Two tapes side by side at `atMs`: verdicts, counts and the rows that differ.
    pub fn diff(tape_a: &str, tape_b: &str, at_ms: f64) -> Result<JsValue, JsValue> {
        check_ms(at_ms, "diff").map_err(js_error)?;
        let a = Tape::from_json(tape_a).map_err(|e| js_error(Error::invalid_arg(format!("tape A: {e}"))))?;
        let b = Tape::from_json(tape_b).map_err(|e| js_error(Error::invalid_arg(format!("tape B: {e}"))))?;
        to_js(&Diff::compute(a, b, at_ms).map_err(js_error)?, "session")
    }
}
