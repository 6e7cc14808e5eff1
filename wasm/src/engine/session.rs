//! A playground session: one tape replayed step by step, forwards and backwards, with what the
//! page draws at each step (`frame`), the event log (`events`), the whole run's timeline, forks
//! and side-by-side comparisons.
//!
//! A step is one unit the replayer runs (`Replayer::step`): one simulation event, one
//! application wake or one tape action. Going back restores the nearest earlier keyframe (a
//! clone of the replayer kept every `KEYFRAME_EVERY` steps) and replays forward, so any step is
//! at most `KEYFRAME_EVERY` steps of work away (more once keyframes are thinned, past
//! `KEYFRAMES_MAX` of them).
//!
//! Everything here is a function of the tape: the same tape gives the same steps, events and
//! frames, whichever way the page moved to a step.

use std::collections::BTreeMap;

use kafkette::{Error, Millis, Result};
use serde::Serialize;

use super::lessons;
use super::replay::Replayer;
use super::session_events::{Deriver, Event, LagPoint, Tick};
use super::session_frame::{self, Arrow, Frame};
use super::tape::{Stamped, Tape, TAPE_ACTIONS_MAX, TAPE_DURATION_MS_MAX};

/// A keyframe every this many steps (and at step 0).
pub const KEYFRAME_EVERY: u64 = 64;

/// Keyframes kept at most; beyond, every other one is dropped (the spacing doubles).
pub const KEYFRAMES_MAX: usize = 256;

/// Steps one run may take: a tape that would run more is refused when the session gets there
/// (a page would never show them; a hostile tape must not hang the worker).
pub const SESSION_STEPS_MAX: u64 = 50_000_000;

/// Steps `apply` may run before its action comes due (the world's events of the same instant).
const APPLY_STEPS_MAX: u64 = 1_000_000;

/// The replayer and what the session derives from it, as of one step; cloned for keyframes.
#[derive(Clone)]
pub(super) struct World {
    pub(super) r: Replayer,
    pub(super) d: Deriver,
    pub(super) step: u64,
}

pub struct Session {
    w: World,
    /// Event log, arrows and lag points up to the current step (they only grow going forward;
    /// going back truncates them to `marks[step]`).
    events: Vec<Event>,
    arrows: Vec<Arrow>,
    lag: Vec<LagPoint>,
    /// `(events, arrows, lag)` lengths after each step, by step.
    marks: Vec<(usize, usize, usize)>,
    keyframes: Vec<World>,
    /// Keep a keyframe every this many steps (doubles when keyframes are thinned).
    keyframe_every: u64,
    timeline: Option<Timeline>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    pub end_ms: Millis,
    pub steps: u64,
    pub ticks: Vec<Tick>,
}

impl Session {
    /// A session at step 0 of `tape` (the world built, nothing run).
    pub fn new(tape: Tape) -> Result<Session> {
        let r = Replayer::new(tape)?;
        let mut d = Deriver::default();
        let mut events = Vec::new();
        let mut arrows = Vec::new();
        let mut lag = Vec::new();
        d.derive(&r, 0, &mut events, &mut arrows, &mut lag);
        let w = World { r, d, step: 0 };
        let marks = vec![(events.len(), arrows.len(), lag.len())];
        Ok(Session {
            keyframes: vec![w.clone()],
            w,
            events,
            arrows,
            lag,
            marks,
            keyframe_every: KEYFRAME_EVERY,
            timeline: None,
        })
    }

    pub fn from_json(tape: &str) -> Result<Session> {
        Session::new(Tape::from_json(tape)?)
    }

    /// A lesson run's session (run = the run's name; `None`: the lesson's first run).
    pub fn lesson(id: u32, run: Option<&str>) -> Result<Session> {
        let lesson = lessons::lessons()?.into_iter().find(|l| l.id == id);
        let lesson = lesson.ok_or_else(|| Error::invalid_arg(format!("no lesson {id}")))?;
        let found = match run {
            Some(name) => lesson.runs.into_iter().find(|r| r.name == name),
            None => lesson.runs.into_iter().next(),
        };
        let run = found.ok_or_else(|| Error::invalid_arg(format!("lesson {id} has no run {:?}", run.unwrap_or(""))))?;
        Session::new(run.tape)
    }

    pub fn tape(&self) -> &Tape {
        self.w.r.tape()
    }

    pub fn tape_json(&self) -> String {
        self.tape().to_json()
    }

    pub fn end_ms(&self) -> Millis {
        self.tape().end_ms
    }

    /// Virtual time now, ms after the tape's start.
    pub fn at(&self) -> Millis {
        self.w.r.at()
    }

    pub fn step(&self) -> u64 {
        self.w.step
    }

    pub fn replayer(&self) -> &Replayer {
        &self.w.r
    }

    /// Runs the next step; false (and nothing changes) at the end of the run.
    pub fn step_forward(&mut self) -> Result<bool> {
        if self.w.step >= SESSION_STEPS_MAX {
            return Err(Error::invalid_arg(format!(
                "the run takes more than {SESSION_STEPS_MAX} steps; shorten it (endMs) or slow it down"
            )));
        }
        if !self.w.r.step() {
            return Ok(false);
        }
        self.w.step += 1;
        let step = self.w.step;
        self.w.d.derive(&self.w.r, step, &mut self.events, &mut self.arrows, &mut self.lag);
        if self.marks.len() as u64 == step {
            self.marks.push((self.events.len(), self.arrows.len(), self.lag.len()));
        }
        if step % self.keyframe_every == 0 && self.keyframes.last().is_some_and(|k| k.step < step) {
            self.keyframes.push(self.w.clone());
            if self.keyframes.len() > KEYFRAMES_MAX {
                // Keep step 0 and every other one after it.
                let mut i = 0;
                self.keyframes.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                self.keyframe_every *= 2;
            }
        }
        Ok(true)
    }

    /// Back one step; false at step 0.
    pub fn step_back(&mut self) -> Result<bool> {
        if self.w.step == 0 {
            return Ok(false);
        }
        self.seek_step(self.w.step - 1)?;
        Ok(true)
    }

    /// To step `i` exactly (or the last step, when the run has fewer).
    pub fn seek_step(&mut self, i: u64) -> Result<()> {
        if i < self.w.step {
            let k = self.keyframes.iter().rposition(|k| k.step <= i);
            self.restore(k)?;
        }
        while self.w.step < i {
            if !self.step_forward()? {
                break;
            }
        }
        Ok(())
    }

    /// To the last step that starts at or before `ms` (ms after the start): every unit the
    /// golden replay (`Replayer::run_until(ms)`) runs. A step can take time (an application
    /// waiting for its commit), so `at()` may end up past `ms`.
    pub fn seek(&mut self, ms: f64) -> Result<()> {
        let ms = check_ms(ms, "seek")?;
        if ms < self.at() {
            // Perhaps past the target: from the last keyframe that is not (every step up to one
            // that ended by `ms` started by then).
            let k = self.keyframes.iter().rposition(|k| k.r.at() <= ms);
            self.restore(k)?;
        }
        while self.w.r.next_step_at().is_some_and(|t| t <= ms) {
            if !self.step_forward()? {
                break;
            }
        }
        Ok(())
    }

    /// Back to keyframe `k` (found by the caller; the first one is always there).
    fn restore(&mut self, k: Option<usize>) -> Result<()> {
        let w = k.or((!self.keyframes.is_empty()).then_some(0)).and_then(|k| self.keyframes.get(k));
        self.w = w.ok_or_else(|| Error::internal("session: no keyframe to go back to"))?.clone();
        self.truncate();
        Ok(())
    }

    fn truncate(&mut self) {
        let (e, a, l) = self.marks[self.w.step as usize];
        self.events.truncate(e);
        self.arrows.truncate(a);
        self.lag.truncate(l);
    }

    /// Everything the views draw, now.
    pub fn frame(&self) -> Frame {
        session_frame::frame(&self.w.r, self.w.step, &self.arrows, &self.lag)
    }

    /// Event log entries from index `from`, up to now.
    pub fn events(&self, from: usize) -> &[Event] {
        &self.events[from.min(self.events.len())..]
    }

    /// The whole run's rebalances and anomalies (a clone runs to the end once; cached).
    pub fn timeline(&mut self) -> Result<&Timeline> {
        if self.timeline.is_none() {
            // A copy without keyframes: it only goes forward.
            let mut s = Session {
                w: self.w.clone(),
                events: self.events.clone(),
                arrows: self.arrows.clone(),
                lag: self.lag.clone(),
                marks: self.marks[..=self.w.step as usize].to_vec(),
                keyframes: Vec::new(),
                keyframe_every: self.keyframe_every,
                timeline: None,
            };
            while s.step_forward()? {}
            let ticks = s.w.d.ticks(&s.events);
            self.timeline = Some(Timeline { end_ms: s.end_ms(), steps: s.w.step, ticks });
        }
        Ok(self.timeline.as_ref().expect("just computed"))
    }

    /// The time of the first anomaly tick strictly after `after_ms`.
    pub fn next_anomaly(&mut self, after_ms: f64) -> Result<Option<Millis>> {
        if after_ms.is_nan() {
            return Err(Error::invalid_arg("nextAnomaly: afterMs is not a number"));
        }
        let ticks = &self.timeline()?.ticks;
        Ok(ticks.iter().filter(|t| t.kind == "anomaly" && (t.at as f64) > after_ms).map(|t| t.at).next())
    }

    /// An independent copy at this moment, with the same tape.
    pub fn fork(&self) -> Session {
        Session {
            w: self.w.clone(),
            events: self.events.clone(),
            arrows: self.arrows.clone(),
            lag: self.lag.clone(),
            marks: self.marks[..=self.w.step as usize].to_vec(),
            keyframes: self.keyframes.iter().filter(|k| k.step <= self.w.step).cloned().collect(),
            keyframe_every: self.keyframe_every,
            timeline: self.timeline.clone(),
        }
    }

    /// Adds `action` (JSON of one tape action, its `at` ignored) at the current time: the
    /// tape's actions after now are dropped (a fork from here), the new one applies at once.
    pub fn apply(&mut self, action: &str) -> Result<()> {
        let mut value: serde_json::Value =
            serde_json::from_str(action).map_err(|e| Error::invalid_arg(format!("action: {e}")))?;
        let at = self.at();
        match value.as_object_mut() {
            Some(o) => {
                o.insert("at".into(), at.into());
            }
            None => return Err(Error::invalid_arg("action: not a JSON object")),
        }
        let stamped: Stamped = serde_json::from_value(value).map_err(|e| Error::invalid_arg(format!("action: {e}")))?;
        let mut tape = self.tape().clone();
        // What is applied already stays; what has not happened yet is replaced.
        tape.actions.truncate(self.w.r.actions_done());
        if tape.actions.len() >= TAPE_ACTIONS_MAX {
            return Err(Error::invalid_arg(format!("the tape has {TAPE_ACTIONS_MAX} actions already")));
        }
        tape.actions.push(stamped);
        tape.end_ms = tape.end_ms.max((at + 1_000).min(TAPE_DURATION_MS_MAX));
        tape.validate()?;
        // The action is due now: from the last keyframe before now, the new tape's units up to
        // it (the world's events of this instant first, as a replay of the new tape runs them).
        let (mut next, base) = self.refork(&tape, at)?;
        let n = tape.actions.len();
        let start = next.w.step;
        while next.w.r.actions_done() < n {
            if !next.step_forward()? || next.w.step - start > APPLY_STEPS_MAX {
                return Err(Error::internal("the new action did not come due"));
            }
        }
        // A refused action leaves the session as it was.
        if let Some(e) = next.w.r.action_errors().get(&(n - 1)) {
            return Err(e.clone());
        }
        self.adopt(next, base, &tape)
    }

    /// A session of `tape` (which agrees with this one's up to now) at this one's last keyframe
    /// before `now` (step 0 at the latest): everything it holds is the same under either tape.
    /// Returns it with that keyframe's step. It keeps only that keyframe until `adopt`.
    fn refork(&self, tape: &Tape, now: Millis) -> Result<(Session, u64)> {
        let k = self.keyframes.iter().rposition(|k| k.step == 0 || k.r.at() < now).unwrap_or(0);
        let mut w = self.keyframes.get(k).ok_or_else(|| Error::internal("session: no keyframe"))?.clone();
        w.r.set_tape(tape.clone())?;
        let step = w.step;
        let (e, a, l) = self.marks[step as usize];
        let next = Session {
            events: self.events[..e].to_vec(),
            arrows: self.arrows[..a].to_vec(),
            lag: self.lag[..l].to_vec(),
            marks: self.marks[..=step as usize].to_vec(),
            keyframes: vec![w.clone()],
            w,
            keyframe_every: self.keyframe_every,
            timeline: None,
        };
        Ok((next, step))
    }

    /// Becomes `next` (from `refork`), keeping this session's keyframes up to step `base`.
    fn adopt(&mut self, mut next: Session, base: u64, tape: &Tape) -> Result<()> {
        let mut keyframes = std::mem::take(&mut self.keyframes);
        keyframes.retain(|k| k.step < base);
        for k in &mut keyframes {
            k.r.set_tape(tape.clone())?;
        }
        keyframes.append(&mut next.keyframes);
        next.keyframes = keyframes;
        *self = next;
        Ok(())
    }

    /// Lengthens or shortens the run (not before now, nor before the tape's last action).
    pub fn set_end_ms(&mut self, ms: f64) -> Result<()> {
        let ms = check_ms(ms, "setEndMs")?;
        let mut tape = self.tape().clone();
        if let Some(a) = tape.actions.last().filter(|a| a.at > ms) {
            return Err(Error::invalid_arg(format!("endMs {ms}: an action is at {} ms", a.at)));
        }
        let now = self.at();
        if ms < now {
            return Err(Error::invalid_arg(format!("endMs {ms} is before now ({now} ms); seek back first")));
        }
        tape.end_ms = ms;
        // The old end may have moved the clock in a unit the new tape does not have: replay from
        // the last keyframe before now.
        let (mut next, base) = self.refork(&tape, now)?;
        next.seek(now as f64)?;
        self.adopt(next, base, &tape)
    }
}

/// A time from JavaScript: finite, whole, within a tape's range.
pub fn check_ms(ms: f64, what: &str) -> Result<Millis> {
    if !ms.is_finite() || ms < 0.0 || ms > TAPE_DURATION_MS_MAX as f64 {
        return Err(Error::invalid_arg(format!("{what}: {ms} is not a time in 0..={TAPE_DURATION_MS_MAX} ms")));
    }
    Ok(ms.floor() as Millis)
}

/// Two runs side by side at one moment: verdicts and counts, and the rows that differ.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Diff {
    pub at_ms: Millis,
    pub a: DiffSide,
    pub b: DiffSide,
    pub rows: Vec<DiffRow>,
    pub changes: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffSide {
    pub verdicts: BTreeMap<String, super::ledger::Verdict>,
    pub counts: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffRow {
    pub id: String,
    pub a: Option<super::ledger::Verdict>,
    pub b: Option<super::ledger::Verdict>,
    pub a_copies: usize,
    pub b_copies: usize,
    pub a_processed: u32,
    pub b_processed: u32,
    pub same: bool,
}

impl Diff {
    /// Replays both tapes to `at_ms` and compares their ledgers.
    pub fn compute(a: Tape, b: Tape, at_ms: f64) -> Result<Diff> {
        let at = check_ms(at_ms, "diff")?;
        let side = |tape: Tape| -> Result<super::ledger::Ledger> {
            let mut r = Replayer::new(tape)?;
            r.run_until(at);
            Ok(r.ledger())
        };
        let (la, lb) = (side(a)?, side(b)?);
        let summary = |l: &super::ledger::Ledger| {
            let mut counts: BTreeMap<String, u32> = BTreeMap::new();
            for m in &l.messages {
                *counts.entry(verdict_name(m.verdict)).or_default() += 1;
            }
            DiffSide { verdicts: l.verdicts.clone(), counts }
        };
        let mut ids: Vec<&str> = la.messages.iter().map(|m| m.id.as_str()).collect();
        for m in &lb.messages {
            if !ids.contains(&m.id.as_str()) {
                ids.push(&m.id);
            }
        }
        let rows: Vec<DiffRow> = ids
            .iter()
            .map(|id| {
                let ra = la.messages.iter().find(|m| m.id == *id);
                let rb = lb.messages.iter().find(|m| m.id == *id);
                let copies = |r: Option<&super::ledger::LedgerRow>| r.map_or(0, |r| r.copies.len());
                let processed = |r: Option<&super::ledger::LedgerRow>| r.map_or(0, |r| r.processed.values().sum());
                let (a, b) = (ra.map(|r| r.verdict), rb.map(|r| r.verdict));
                DiffRow {
                    id: id.to_string(),
                    a,
                    b,
                    a_copies: copies(ra),
                    b_copies: copies(rb),
                    a_processed: processed(ra),
                    b_processed: processed(rb),
                    same: a == b && copies(ra) == copies(rb) && processed(ra) == processed(rb),
                }
            })
            .collect();
        let changes = rows.iter().filter(|r| !r.same).count();
        Ok(Diff { at_ms: at, a: summary(&la), b: summary(&lb), rows, changes })
    }
}

/// A verdict as the ledger's JSON spells it ("exactlyOnce", "abortedRead"...).
pub fn verdict_name(v: super::ledger::Verdict) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}
