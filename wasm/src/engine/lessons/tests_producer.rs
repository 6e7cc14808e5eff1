//! Lessons 2 and 3: what retries do to a producer's records, with and without idempotence.
//! The golden files hold the expectations; these tests assert each lesson's point directly.

use super::super::ledger::{CopyState, Verdict};
use super::*;

pub(super) fn run_of(lesson: u32, name: &str) -> LessonRun {
    let l = lessons().unwrap().into_iter().find(|l| l.id == lesson).unwrap();
    l.runs.into_iter().find(|r| r.name == name).unwrap()
}

pub(super) fn final_ledger(lesson: u32, name: &str) -> super::super::ledger::Ledger {
    let run = run_of(lesson, name);
    let mut r = Replayer::run(run.tape).unwrap();
    r.ledger()
}

#[test]
fn lesson_2_a_lost_ack_duplicates_without_idempotence_and_not_with_it() {
    let off = final_ledger(2, "idempotence off");
    let m1 = &off.messages[0];
    assert_eq!((m1.id.as_str(), m1.verdict, m1.copies.len()), ("m1", Verdict::Duplicated, 2));
    assert!(m1.attempts >= 2, "the producer retried");
    assert!(m1.copies.iter().all(|c| c.state == CopyState::Plain && c.producer_id == -1));
    let on = final_ledger(2, "idempotence on");
    let m1 = &on.messages[0];
    assert_eq!((m1.verdict, m1.copies.len(), m1.attempts), (Verdict::ExactlyOnce, 1, 2));
    assert!(m1.copies[0].producer_id >= 0);
}

/// Offset of `id`'s only copy.
fn offset_of(l: &super::super::ledger::Ledger, id: &str) -> i64 {
    let row = l.messages.iter().find(|m| m.id == id).unwrap();
    assert_eq!(row.copies.len(), 1, "{id}: {:?}", row.copies);
    row.copies[0].offset
}

#[test]
fn lesson_3_a_failed_first_batch_lands_after_the_second_only_without_idempotence() {
    let off = final_ledger(3, "idempotence off");
    assert!(offset_of(&off, "m2") < offset_of(&off, "m1"), "reordered: {:?}", off.messages);
    let on = final_ledger(3, "idempotence on");
    assert!(offset_of(&on, "m1") < offset_of(&on, "m2"), "in order: {:?}", on.messages);
}
