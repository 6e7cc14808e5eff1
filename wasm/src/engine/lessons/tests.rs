//! Every lesson file: parses, replays to its golden moments, replays twice the same, and its
//! tapes survive a JSON round trip.

use std::collections::BTreeSet;

use serde_json::json;

use super::*;

#[test]
fn every_lesson_file_parses_with_distinct_ids_and_named_moments() {
    let lessons = lessons().unwrap();
    assert_eq!(lessons.iter().map(|l| l.id).collect::<Vec<_>>(), (1..=12).collect::<Vec<_>>(), "the twelve, in order");
    let mut ids = BTreeSet::new();
    for (l, (file, _)) in lessons.iter().zip(LESSON_FILES) {
        assert!(file.starts_with(&format!("{:02}-{}", l.id, l.slug)), "{file} holds lesson {} ({})", l.id, l.slug);
        assert!(ids.insert(l.id), "lesson {} twice", l.id);
        assert!((1..=12).contains(&l.id));
        assert!(!l.title.is_empty() && !l.text.is_empty());
        for run in &l.runs {
            assert!(!run.moments.is_empty(), "{file} {:?} has no moment", run.name);
            for m in &run.moments {
                assert!(m.expect.as_object().is_some_and(|o| !o.is_empty()), "{file} {:?}: empty expect", run.name);
            }
        }
    }
}

#[test]
fn every_golden_run_gives_its_expected_ledger_at_every_moment() {
    for lesson in lessons().unwrap() {
        for run in &lesson.runs {
            let ledgers = replay(run).unwrap_or_else(|e| panic!("lesson {} {:?}: {e}", lesson.id, run.name));
            for (m, ledger) in run.moments.iter().zip(&ledgers) {
                let diff = mismatches(&m.expect, ledger);
                assert!(
                    diff.is_empty(),
                    "lesson {} {:?} at {} ms:\n{}\nledger: {}",
                    lesson.id,
                    run.name,
                    m.at,
                    diff.join("\n"),
                    serde_json::to_string_pretty(ledger).unwrap()
                );
            }
        }
    }
}

#[test]
fn every_golden_run_replays_the_same_twice() {
    for lesson in lessons().unwrap() {
        for run in &lesson.runs {
            let once = Replayer::run(run.tape.clone()).unwrap();
            let twice = Replayer::run(run.tape.clone()).unwrap();
            assert_eq!(once.engine().snapshot(), twice.engine().snapshot(), "lesson {} {:?}", lesson.id, run.name);
            assert_eq!(replay(run).unwrap(), replay(run).unwrap(), "lesson {} {:?}", lesson.id, run.name);
        }
    }
}

#[test]
fn every_tape_survives_a_json_round_trip() {
    for lesson in lessons().unwrap() {
        for run in &lesson.runs {
            let text = run.tape.to_json();
            assert_eq!(Tape::from_json(&text).unwrap(), run.tape, "lesson {} {:?}", lesson.id, run.name);
        }
    }
}

#[test]
fn a_wrong_expectation_is_reported() {
    let actual = json!({
        "verdicts": { "m1": "duplicated" },
        "messages": [ { "id": "m1", "copies": [1, 2] } ],
        "markers": [ { "id": "t-0", "highWatermark": 2 } ]
    });
    assert!(mismatches(&json!({ "verdicts": { "m1": "duplicated" } }), &actual).is_empty());
    assert!(mismatches(&json!({ "markers": { "t-0": { "highWatermark": 2 } } }), &actual).is_empty());
    let wrong = mismatches(&json!({ "verdicts": { "m1": "exactlyOnce" } }), &actual);
    assert_eq!(wrong, [".verdicts.m1: expected \"exactlyOnce\", got \"duplicated\""]);
    assert_eq!(mismatches(&json!({ "messages": { "m2": {} } }), &actual).len(), 1, "no such row");
    assert_eq!(mismatches(&json!({ "messages": { "m1": { "copies": [1] } } }), &actual).len(), 1, "length");
    assert_eq!(mismatches(&json!({ "markers": { "t-0": { "lso": 2 } } }), &actual).len(), 1, "missing key");
}

#[test]
fn bad_tapes_are_refused_with_a_reason() {
    let (_, text) = LESSON_FILES[0];
    let lesson = parse("x", text).unwrap();
    let mut tape = lesson.runs[0].tape.clone();
    tape.version = 1;
    assert!(Tape::from_json(&tape.to_json()).unwrap_err().to_string().contains("version"));
    let mut tape = lesson.runs[0].tape.clone();
    tape.actions.reverse();
    tape.actions.push(tape.actions[0].clone());
    tape.actions.last_mut().unwrap().at = 0;
    assert!(Tape::from_json(&tape.to_json()).unwrap_err().to_string().contains("out of order"));
    assert!(Tape::from_json("{\"version\": 2}").is_err());
    let mut tape = lesson.runs[0].tape.clone();
    tape.config.topics[0].partitions = 1_000_000;
    assert!(Tape::from_json(&tape.to_json()).unwrap_err().to_string().contains("partitions"));
    let mut tape = lesson.runs[0].tape.clone();
    tape.config.apps[0].poll_interval_ms = 1;
    assert!(Tape::from_json(&tape.to_json()).unwrap_err().to_string().contains("pollIntervalMs"));
    assert!(Tape::from_json("not json").is_err());
    let unknown = lesson.runs[0].tape.to_json().replacen("\"seed\"", "\"sneed\": 1, \"seed\"", 1);
    assert!(Tape::from_json(&unknown).unwrap_err().to_string().contains("sneed"));
}

/// `LESSON=4 cargo test -p kafkette-wasm --lib dump_lesson -- --ignored --nocapture` prints a
/// lesson's ledgers at its moments (for writing a golden file).
#[test]
#[ignore]
fn dump_lesson() {
    let id: u32 = std::env::var("LESSON").unwrap().parse().unwrap();
    let lesson = lessons().unwrap().into_iter().find(|l| l.id == id).unwrap();
    for run in &lesson.runs {
        let at: Vec<Millis> = match std::env::var("AT") {
            Ok(list) => list.split(',').map(|t| t.parse().unwrap()).collect(),
            Err(_) => run.moments.iter().map(|m| m.at).collect(),
        };
        let moments: Vec<Moment> =
            at.iter().map(|at| Moment { at: *at, caption: String::new(), expect: json!({}) }).collect();
        let run = &LessonRun { moments, ..run.clone() };
        for (m, ledger) in run.moments.iter().zip(replay(run).unwrap()) {
            println!("=== {} at {}\n{}", run.name, m.at, serde_json::to_string_pretty(&ledger).unwrap());
        }
    }
}

#[test]
#[ignore]
fn dump_journal() {
    let id: u32 = std::env::var("LESSON").unwrap().parse().unwrap();
    let lesson = lessons().unwrap().into_iter().find(|l| l.id == id).unwrap();
    let r = Replayer::run(lesson.runs[0].tape.clone()).unwrap();
    for e in r.engine().sim.journal() {
        let s = format!("{e:?}");
        if !s.contains("\"Fetch\"") && !s.contains("Heartbeat") {
            println!("{s}");
        }
    }
}

#[test]
fn actions_that_cannot_apply_are_reported_and_the_replay_goes_on() {
    let (_, text) = LESSON_FILES[3]; // lesson 4: one producer, one app
    let mut tape = parse("x", text).unwrap().runs[0].tape.clone();
    let at = |at, action| super::super::tape::Stamped { at, action };
    use super::super::tape::Action;
    tape.actions.insert(0, at(0, Action::Commit { app: "nobody".into() }));
    tape.actions.insert(
        1,
        at(
            0,
            Action::Produce {
                producer: "ghost".into(),
                topic: "events".into(),
                id: "x".into(),
                key: None,
                partition: None,
            },
        ),
    );
    tape.actions.insert(
        2,
        at(
            0,
            Action::Fault {
                node: "worker".into(),
                api: "NoSuchApi".into(),
                direction: super::super::tape::LinkDirection::Response,
                fault: super::super::tape::LinkFault::Drop,
                delay_ms: None,
            },
        ),
    );
    let restart = tape.actions.len() - 1; // crashed at about 1000 ms, restarted at 3000
    tape.actions.insert(restart, at(2500, Action::Poll { app: "worker".into() }));
    let mut r = Replayer::run(tape).unwrap();
    let errors = r.ledger().errors;
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors[0].starts_with("action 0 (commit)") && errors[0].contains("nobody"));
    assert!(errors[1].contains("ghost") && errors[2].contains("NoSuchApi"));
    assert!(errors[3].contains("poll") && errors[3].contains("Crashed"), "{}", errors[3]);
    assert_eq!(r.ledger().verdicts["m3"], super::super::ledger::Verdict::ExactlyOnce, "the rest of the run went on");
}
