//! The session: stepping forward and back lands on the same frames and events, seeking from
//! either side agrees, apply is a fork of the tape, the timeline finds the lessons' rebalances
//! and anomalies, the diff shows lesson 2's duplicate, and bad input is an error.

use std::time::Instant;

use super::lessons;
use super::replay::Replayer;
use super::session::{Diff, Session};
use super::tape::Tape;
use kafkette::ErrorCode;

fn lesson_tape(id: u32, run: &str) -> Tape {
    let l = lessons::lessons().unwrap().into_iter().find(|l| l.id == id).unwrap();
    l.runs.into_iter().find(|r| r.name == run).unwrap().tape
}

fn first_run(id: u32) -> String {
    let l = lessons::lessons().unwrap().into_iter().find(|l| l.id == id).unwrap();
    l.runs[0].name.clone()
}

fn frame_json(s: &Session) -> String {
    serde_json::to_string(&s.frame()).unwrap()
}

fn events_json(s: &Session) -> String {
    serde_json::to_string(s.events(0)).unwrap()
}

#[test]
fn stepping_back_lands_on_the_frames_stepping_forward_saw() {
    for id in [7, 11] {
        let mut s = Session::lesson(id, Some(&first_run(id))).unwrap();
        let mut frames = vec![(frame_json(&s), events_json(&s), s.at())];
        // Past a few keyframes (every 64 steps).
        for _ in 0..200 {
            assert!(s.step_forward().unwrap());
            frames.push((frame_json(&s), events_json(&s), s.at()));
        }
        assert_eq!(s.step(), 200);
        for i in (0..200).rev() {
            assert!(s.step_back().unwrap());
            assert_eq!(s.step(), i as u64);
            let (f, e, at) = &frames[i];
            assert_eq!(s.at(), *at, "lesson {id} step {i}");
            assert_eq!(&events_json(&s), e, "lesson {id} step {i}: events");
            assert!(&frame_json(&s) == f, "lesson {id} step {i}: frame differs");
        }
        assert!(!s.step_back().unwrap(), "no step before 0");
        // Everything is stamped within the run so far.
        s.seek_step(200).unwrap();
        assert!(s.events(0).iter().all(|e| (0..=s.at()).contains(&e.at)));
        assert!(s.frame().messages.iter().all(|m| (0..=s.at()).contains(&m.at)));
    }
}

#[test]
fn the_session_runs_the_same_units_as_the_replayer() {
    // Stepping to the end gives the ledger a whole replay gives.
    let tape = lesson_tape(5, &first_run(5));
    let mut s = Session::new(tape.clone()).unwrap();
    while s.step_forward().unwrap() {}
    assert_eq!(s.at(), tape.end_ms);
    assert!(!s.step_forward().unwrap(), "nothing after the end");
    let mut r = Replayer::run(tape).unwrap();
    assert_eq!(s.frame().ledger.verdicts, r.ledger().verdicts);
    assert_eq!(s.frame().ledger.markers, r.ledger().markers);
}

#[test]
fn seeking_a_lesson_moment_shows_the_ledger_its_golden_run_expects() {
    for l in lessons::lessons().unwrap() {
        for run in &l.runs {
            let mut s = Session::new(run.tape.clone()).unwrap();
            // Forwards through the moments, then backwards: the same ledgers either way.
            let mut order: Vec<&lessons::Moment> = run.moments.iter().collect();
            let backwards: Vec<&lessons::Moment> = order.iter().rev().copied().collect();
            order.extend(backwards);
            for m in order {
                s.seek(m.at as f64).unwrap();
                let ledger = serde_json::to_value(s.frame().ledger).unwrap();
                let diff = lessons::mismatches(&m.expect, &ledger);
                assert!(diff.is_empty(), "lesson {} {:?} at {}: {diff:?}", l.id, run.name, m.at);
            }
        }
    }
}

#[test]
fn seeking_from_either_side_gives_the_same_frame() {
    let mut a = Session::lesson(7, Some(&first_run(7))).unwrap();
    a.seek(6_000.0).unwrap();
    let mut b = Session::lesson(7, Some(&first_run(7))).unwrap();
    b.seek(14_000.0).unwrap();
    b.seek(6_000.0).unwrap();
    assert!(a.at() > 5_000, "at {}", a.at());
    assert_eq!((a.step(), a.at()), (b.step(), b.at()));
    // The next step starts after the time sought.
    assert!(a.replayer().next_step_at().is_none_or(|t| t > 6_000));
    assert!(frame_json(&a) == frame_json(&b));
    assert_eq!(events_json(&a), events_json(&b));
    // seekStep agrees with seek.
    let mut d = Session::lesson(7, Some(&first_run(7))).unwrap();
    d.seek_step(a.step()).unwrap();
    assert!(frame_json(&d) == frame_json(&a));
}

#[test]
fn apply_is_a_fork_of_the_tape_from_now() {
    let id = 5;
    let mut s = Session::lesson(id, Some(&first_run(id))).unwrap();
    s.seek(2_500.0).unwrap();
    let at = s.at();
    let before = s.tape().clone();
    s.apply(r#"{"op": "produce", "producer": "producer", "topic": "events", "id": "extra"}"#).unwrap();
    let tape = s.tape().clone();
    // Later actions are dropped, the new one is stamped now.
    let kept = before.actions.iter().filter(|a| a.at <= at).count();
    assert!(tape.actions.len() <= kept + 1);
    assert_eq!(tape.actions.last().unwrap().at, at);
    assert!(tape.end_ms >= at + 1_000);
    // The same tape from scratch reaches the same frame at the same step, and the same end.
    let mut fresh = Session::new(tape.clone()).unwrap();
    fresh.seek_step(s.step()).unwrap();
    assert_eq!(fresh.step(), s.step());
    assert!(frame_json(&fresh) == frame_json(&s), "apply differs from a replay of its tape");
    assert_eq!(events_json(&fresh), events_json(&s));
    let mut f = s.fork();
    while s.step_forward().unwrap() {}
    while fresh.step_forward().unwrap() {}
    assert!(frame_json(&fresh) == frame_json(&s));
    // The fork was independent of the session it came from.
    assert!(f.step() < s.step());
    f.step_forward().unwrap();
    assert!(f.step() < s.step());
}

#[test]
fn apply_at_the_start_and_at_the_end_matches_a_replay_of_its_tape() {
    for (id, seek) in [(5, 0.0), (5, 8_000.0), (7, 3_000.0), (11, 7_000.0)] {
        let mut s = Session::lesson(id, Some(&first_run(id))).unwrap();
        s.seek(seek).unwrap();
        let action = match id {
            5 => r#"{"op": "produce", "producer": "producer", "topic": "events", "id": "late"}"#,
            _ => r#"{"op": "brokerDown"}"#,
        };
        s.apply(action).unwrap();
        let mut fresh = Session::new(s.tape().clone()).unwrap();
        fresh.seek_step(s.step()).unwrap();
        let (x, y) = (frame_json(&fresh), frame_json(&s));
        if x != y {
            let i = x.bytes().zip(y.bytes()).position(|(a, b)| a != b).unwrap_or(0);
            println!("fresh {} at {} / session {} at {}", fresh.step(), fresh.at(), s.step(), s.at());
            println!(
                "fresh: ...{}\nsession: ...{}",
                &x[i.saturating_sub(300)..(i + 200).min(x.len())],
                &y[i.saturating_sub(300)..(i + 200).min(y.len())]
            );
            for e in fresh.events(0).iter().rev().take(8) {
                println!("F {} {} {:?} {}", e.at, e.step, e.rule, e.text);
            }
            for e in s.events(0).iter().rev().take(8) {
                println!("S {} {} {:?} {}", e.at, e.step, e.rule, e.text);
            }
        }
        assert!(x == y, "lesson {id} at {seek}");
        s.seek(86_400_000.0).unwrap();
        fresh.seek(86_400_000.0).unwrap();
        assert_eq!(s.step(), fresh.step(), "lesson {id} at {seek}");
        assert!(frame_json(&fresh) == frame_json(&s), "lesson {id} at {seek}: the end");
    }
}

#[test]
fn a_refused_action_leaves_the_session_as_it_was() {
    let mut s = Session::lesson(5, Some(&first_run(5))).unwrap();
    s.seek(1_000.0).unwrap();
    let (frame, tape) = (frame_json(&s), s.tape_json());
    let e = s.apply(r#"{"op": "flush", "producer": "nobody"}"#).unwrap_err();
    assert_eq!(e.code(), ErrorCode::INVALID_ARG);
    assert!(e.to_string().contains("nobody"), "{e}");
    assert_eq!(s.tape_json(), tape);
    assert!(frame_json(&s) == frame);
    for bad in ["", "[]", "{", r#"{"op": "teleport"}"#, r#"{"op": "produce", "producer": "bank"}"#] {
        let e = s.apply(bad).unwrap_err();
        assert_eq!(e.code(), ErrorCode::INVALID_ARG, "{bad}: {e}");
    }
    assert_eq!(s.tape_json(), tape);
}

#[test]
fn the_timeline_has_lesson_7s_rebalances() {
    let mut s = Session::lesson(7, Some(&first_run(7))).unwrap();
    let t = s.timeline().unwrap().clone();
    assert_eq!(t.end_ms, 14_000);
    let rebalances: Vec<_> = t.ticks.iter().filter(|t| t.kind == "rebalance").collect();
    assert!(rebalances.len() >= 3, "{:?}", t.ticks);
    // The session itself did not move.
    assert_eq!(s.step(), 0);
    assert!(t.steps > 100);
}

#[test]
fn the_timeline_has_lesson_2s_duplicate_only_without_idempotence() {
    let mut off = Session::lesson(2, Some("idempotence off")).unwrap();
    let ticks = off.timeline().unwrap().ticks.clone();
    let dup = ticks.iter().find(|t| t.anomaly.as_deref() == Some("duplicate")).expect("a duplicate tick");
    let next = off.next_anomaly(-1.0).unwrap().unwrap();
    assert!(next <= dup.at);
    assert_eq!(off.next_anomaly(1e9).unwrap(), None);
    let mut on = Session::lesson(2, Some("idempotence on")).unwrap();
    let ticks = on.timeline().unwrap().ticks.clone();
    assert!(!ticks.iter().any(|t| t.anomaly.as_deref() == Some("duplicate")), "{ticks:?}");
    // The frame marks the second copy.
    off.seek(6_000.0).unwrap();
    let f = off.frame();
    let dups: Vec<_> = f.records.values().flatten().filter(|r| r.duplicate_of.is_some()).collect();
    assert_eq!(dups.len(), 1, "{:?}", f.records);
    assert!(f.records.values().flatten().all(|r| r.producer.is_some()), "{:?}", f.records);
}

#[test]
fn the_diff_of_lesson_2s_runs_shows_the_duplicate() {
    let d = Diff::compute(lesson_tape(2, "idempotence off"), lesson_tape(2, "idempotence on"), 6_000.0).unwrap();
    assert!(d.changes >= 1, "{d:?}");
    let row = d.rows.iter().find(|r| !r.same).unwrap();
    assert_eq!(row.a_copies, 2);
    assert_eq!(row.b_copies, 1);
    assert_eq!(d.a.counts.get("duplicated"), Some(&1));
    assert!(!d.b.counts.contains_key("duplicated"));
}

#[test]
fn bad_input_is_an_error_naming_the_problem() {
    for (bad, what) in [
        ("", "EOF"),
        ("{}", "missing field"),
        (r#"{"version": 1, "seed": 0, "config": {}, "endMs": 10}"#, "version"),
        (r#"{"version": 2, "seed": 0, "config": {}, "endMs": -1}"#, "endMs"),
    ] {
        let e = Session::from_json(bad).err().expect(bad);
        assert_eq!(e.code(), ErrorCode::INVALID_ARG);
        assert!(e.to_string().contains(what), "{bad}: {e}");
    }
    assert!(Session::lesson(99, Some("x")).is_err());
    assert_eq!(Session::lesson(2, None).unwrap().tape(), &lesson_tape(2, "idempotence off"), "the first run");
    assert!(Session::lesson(2, Some("no such run")).is_err());
    let mut s = Session::lesson(2, Some("idempotence off")).unwrap();
    for t in [f64::NAN, -1.0, f64::INFINITY, 1e12] {
        let e = s.seek(t).unwrap_err();
        assert_eq!(e.code(), ErrorCode::INVALID_ARG, "{t}");
        assert!(s.set_end_ms(t).is_err());
    }
    assert!(s.next_anomaly(f64::NAN).is_err());
    assert!(Diff::compute(lesson_tape(2, "idempotence off"), lesson_tape(2, "idempotence on"), f64::NAN).is_err());
    // Shortening before an action is refused; lengthening works and moves the end.
    assert!(s.set_end_ms(10.0).is_err());
    s.set_end_ms(9_000.0).unwrap();
    s.seek(1e6).unwrap();
    assert_eq!(s.at(), 9_000);
}

#[test]
fn set_end_ms_before_now_is_refused() {
    let mut s = Session::lesson(2, Some("idempotence off")).unwrap();
    s.seek(5_000.0).unwrap();
    let e = s.set_end_ms(4_000.0).unwrap_err();
    assert!(e.to_string().contains("before now"), "{e}");
}

/// Measures what the page waits for on the largest lesson run (most steps): stepping back from
/// the end (restore a keyframe, replay up to 63 steps), a frame, and the whole run.
/// `cargo test -p kafkette-wasm --release --lib -- --ignored --nocapture step_back_cost`.
#[test]
#[ignore]
fn step_back_cost() {
    let mut largest = (0, 0, String::new());
    for l in lessons::lessons().unwrap() {
        for run in &l.runs {
            let mut s = Session::new(run.tape.clone()).unwrap();
            while s.step_forward().unwrap() {}
            println!("lesson {} {:?}: {} steps, {} events", l.id, run.name, s.step(), s.events(0).len());
            if s.step() > largest.0 {
                largest = (s.step(), l.id, run.name.clone());
            }
        }
    }
    let (_, id, run) = largest;
    let mut s = Session::lesson(id, Some(&run)).unwrap();
    let t = Instant::now();
    while s.step_forward().unwrap() {}
    let whole = t.elapsed();
    let steps = s.step();
    let t = Instant::now();
    let n = 200;
    for _ in 0..n {
        s.step_back().unwrap();
    }
    let back = t.elapsed();
    let t = Instant::now();
    let frame = s.frame();
    let frame_ms = t.elapsed();
    let t = Instant::now();
    s.seek(0.0).unwrap();
    s.seek(86_400_000.0).unwrap();
    let seek = t.elapsed();
    println!(
        "largest: lesson {id} {run:?}, {steps} steps in {:.1} ms; stepBack {:.3} ms each ({n} from the end); \
         frame {:.2} ms ({} arrows); seek to 0 and back to the end {:.1} ms",
        whole.as_secs_f64() * 1e3,
        back.as_secs_f64() * 1e3 / n as f64,
        frame_ms.as_secs_f64() * 1e3,
        frame.messages.len(),
        seek.as_secs_f64() * 1e3,
    );
}

#[test]
fn a_broker_outage_loses_requests_and_the_run_recovers() {
    let mut tape = lesson_tape(2, "idempotence on");
    tape.actions.retain(|a| a.at > 0 || !matches!(a.action, super::tape::Action::Fault { .. }));
    let extra: Vec<super::tape::Stamped> = serde_json::from_str(
        r#"[{"at": 1000, "op": "brokerDown"},
            {"at": 2000, "op": "produce", "producer": "producer", "topic": "orders", "id": "m3"},
            {"at": 4000, "op": "brokerUp"}]"#,
    )
    .unwrap();
    tape.actions.extend(extra);
    tape.actions.sort_by_key(|a| a.at);
    tape.end_ms = 20_000;
    let mut s = Session::new(tape).unwrap();
    s.seek(3_000.0).unwrap();
    let f = s.frame();
    assert!(!f.broker_up);
    assert!(f.lanes.iter().any(|l| l.id == "broker" && !l.alive));
    assert!(f.messages.iter().any(|m| m.at > 1_000 && m.direction == "request" && m.fate == "dropped"));
    assert_eq!(f.ledger.verdicts.get("m3").map(|v| super::session::verdict_name(*v)), Some("pending".into()));
    let down = s.events(0).iter().find(|e| e.rule.as_deref() == Some("crash") && e.node.is_none()).unwrap();
    assert_eq!(down.anomaly.as_deref(), Some("crash"));
    // A second brokerDown is refused, with the state named.
    let e = s.apply(r#"{"op": "brokerDown"}"#).unwrap_err();
    assert!(e.to_string().contains("down already"), "{e}");
    s.seek(20_000.0).unwrap();
    let f = s.frame();
    assert!(f.broker_up);
    for id in ["m1", "m2", "m3"] {
        assert_eq!(
            f.ledger.verdicts.get(id).map(|v| super::session::verdict_name(*v)),
            Some("exactlyOnce".into()),
            "{id}"
        );
    }
}

#[test]
fn arrows_name_retries_and_the_brokers_answers() {
    // Lesson 2 with idempotence: the lost acknowledgement's batch goes again as a retry, and
    // the broker answers it as a duplicate sequence.
    let mut on = Session::lesson(2, Some("idempotence on")).unwrap();
    on.seek(6_000.0).unwrap();
    let labels: Vec<String> = on.frame().messages.iter().map(|a| a.label.clone()).collect();
    let retry = labels.iter().find(|l| l.starts_with("Produce orders-0 seq") && l.ends_with("(retry 1)"));
    assert!(retry.is_some(), "{labels:?}");
    assert!(
        labels.iter().any(|l| l.starts_with("Produce response") && l.ends_with(": duplicate-sequence")),
        "{labels:?}"
    );
    // Without idempotence the retry is stored again: nothing for the broker to say.
    let mut off = Session::lesson(2, Some("idempotence off")).unwrap();
    off.seek(6_000.0).unwrap();
    let labels: Vec<String> = off.frame().messages.iter().map(|a| a.label.clone()).collect();
    assert!(labels.iter().any(|l| l.ends_with("(retry 1)")), "{labels:?}");
    assert!(!labels.iter().any(|l| l.contains("duplicate-sequence")), "{labels:?}");
    // Lesson 10: the zombie's requests are answered as fenced.
    let run = first_run(10);
    let mut zombie = Session::lesson(10, Some(&run)).unwrap();
    let end = zombie.end_ms() as f64;
    zombie.seek(end).unwrap();
    let labels: Vec<String> = zombie.frame().messages.iter().map(|a| a.label.clone()).collect();
    assert!(
        labels.iter().any(|l| l.contains("response") && (l.contains("fenced-epoch") || l.contains("txn-rejected"))),
        "{labels:?}"
    );
}
