//! Lessons 4, 5, 6 and 12: what commits, crashes and retention do to a consumer's delivery
//! guarantee. Each test states the lesson's point on the ledger directly.

use super::super::ledger::{Ledger, Verdict};
use super::tests_producer::{final_ledger, run_of};
use super::*;

fn verdicts(l: &Ledger, ids: &[&str]) -> Vec<Verdict> {
    ids.iter().map(|id| l.verdicts[*id]).collect()
}

fn committed(l: &Ledger, partition: &str, group: &str) -> Option<i64> {
    l.markers.iter().find(|m| m.id == partition).and_then(|m| m.committed.get(group).copied())
}

/// The ledger at `at` ms of a lesson's only run.
fn ledger_at(lesson: u32, name: &str, at: Millis) -> Ledger {
    let mut r = Replayer::new(run_of(lesson, name).tape).unwrap();
    r.run_until(at);
    r.ledger()
}

#[test]
fn lesson_4_commit_before_processing_then_crash_loses_what_was_committed() {
    let name = "commit before processing, crash after the commit";
    let crashed = ledger_at(4, name, 2000);
    let unprocessed: Vec<_> = crashed.messages.iter().filter(|m| m.processed.is_empty()).collect();
    assert_eq!(unprocessed.len(), 4, "nothing was processed before the crash");
    assert_eq!(committed(&crashed, "events-0", "workers"), Some(2), "yet offset 2 is committed");
    let end = final_ledger(4, name);
    use Verdict::*;
    assert_eq!(verdicts(&end, &["m1", "m2", "m3", "m4"]), [Lost, Lost, ExactlyOnce, ExactlyOnce]);
    assert!(end.messages.iter().all(|m| m.processed.values().all(|n| *n <= 1)), "at most once");
}

#[test]
fn lesson_5_process_then_commit_then_crash_processes_twice() {
    let end = final_ledger(5, "commit after processing, crash before the commit");
    use Verdict::*;
    assert_eq!(verdicts(&end, &["m1", "m2", "m3", "m4"]), [Duplicated, Duplicated, ExactlyOnce, ExactlyOnce]);
    assert!(end.messages.iter().all(|m| m.processed.get("worker").is_some_and(|n| *n >= 1)), "at least once");
    assert_eq!(committed(&end, "events-0", "workers"), Some(4));
}

#[test]
fn lesson_6_auto_commit_passes_records_still_queued_for_the_worker() {
    let name = "worker hand-off with auto-commit, crash with work queued";
    let crashed = ledger_at(6, name, 1700);
    let processed = crashed.messages.iter().filter(|m| !m.processed.is_empty()).count() as i64;
    let committed_at_crash = committed(&crashed, "events-0", "workers").unwrap();
    assert!(
        committed_at_crash > processed,
        "auto-commit committed {committed_at_crash}, past the {processed} processed"
    );
    let end = final_ledger(6, name);
    let lost: Vec<&str> = end.messages.iter().filter(|m| m.verdict == Verdict::Lost).map(|m| m.id.as_str()).collect();
    assert_eq!(lost, ["m4", "m5"]);
    assert!(end.messages.iter().all(|m| m.visible_copies == 1), "they are in the log, nobody will read them");
}

#[test]
fn lesson_12_retention_deletes_what_a_slow_consumer_has_not_read_and_reset_skips_it() {
    let end = final_ledger(12, "retention passes a slow consumer");
    let m = end.markers.iter().find(|m| m.id == "clicks-0").unwrap();
    assert!(m.log_start_offset > 0, "old records were deleted");
    let lost: Vec<_> = end.messages.iter().filter(|r| r.verdict == Verdict::Lost).collect();
    assert!(!lost.is_empty());
    assert!(lost.iter().all(|r| r.copies.is_empty() && r.processed.is_empty()), "deleted before anyone read them");
    assert!(end.messages.iter().all(|r| r.verdict != Verdict::Duplicated));
    assert_eq!(end.apps[0].offset_resets, 1, "auto.offset.reset moved the position once");
    assert_eq!(end.verdicts["c12"], Verdict::ExactlyOnce, "it caught up after the jump");
}
