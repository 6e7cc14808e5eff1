//! Lessons 9, 10 and 11: transactions, the LSO, fencing and exactly-once.

use super::super::ledger::{CopyState, Ledger, PartitionMarkers, Verdict};
use super::tests_producer::{final_ledger, run_of};
use super::*;

fn ledger_at(lesson: u32, name: &str, at: Millis) -> Ledger {
    let mut r = Replayer::new(run_of(lesson, name).tape).unwrap();
    r.run_until(at);
    r.ledger()
}

fn marker<'a>(l: &'a Ledger, id: &str) -> &'a PartitionMarkers {
    l.markers.iter().find(|m| m.id == id).unwrap()
}

#[test]
fn lesson_9_the_lso_holds_read_committed_at_an_open_transaction_and_aborted_records_are_skipped() {
    let open = ledger_at(9, "abort, then commit", 2000);
    let m = marker(&open, "ledger-0");
    assert!(m.last_stable_offset < m.high_watermark, "LSO {} below HW {}", m.last_stable_offset, m.high_watermark);
    assert_eq!(m.positions["committed-reader"], m.last_stable_offset, "read_committed waits at the LSO");
    assert_eq!(m.positions["uncommitted-reader"], m.high_watermark, "read_uncommitted reads ahead");
    let end = final_ledger(9, "abort, then commit");
    let a1 = end.messages.iter().find(|r| r.id == "a1").unwrap();
    assert_eq!(a1.copies[0].state, CopyState::Aborted, "the aborted record stays in the log");
    assert_eq!(a1.processed.get("committed-reader"), None, "and read_committed skips it");
    assert_eq!(a1.verdict, Verdict::AbortedRead, "read_uncommitted processed it");
    // Markers take offsets: 4 data records, 2 control records.
    let m = marker(&end, "ledger-0");
    let data: usize = end.messages.iter().map(|r| r.copies.len()).sum();
    assert_eq!((data, m.log_end_offset), (4, 6));
    assert_eq!(m.last_stable_offset, m.high_watermark);
}

#[test]
fn lesson_10_the_successor_fences_the_zombie_and_a_hanging_transaction_times_out() {
    let end = final_ledger(10, "a successor fences the zombie");
    let z1 = end.messages.iter().find(|r| r.id == "z1").unwrap();
    let s1 = end.messages.iter().find(|r| r.id == "s1").unwrap();
    assert_eq!(z1.copies[0].producer_id, s1.copies[0].producer_id, "the same transactional.id");
    assert!(s1.copies[0].producer_epoch > z1.copies[0].producer_epoch, "a higher epoch");
    assert_eq!((z1.verdict, s1.verdict), (Verdict::Aborted, Verdict::ExactlyOnce));
    assert_eq!(end.verdicts["z2"], Verdict::Rejected, "the zombie's write after the bump");
    assert!(end.errors.iter().any(|e| e.contains("commitTransaction")), "its commit failed: {:?}", end.errors);

    let run = "a hanging transaction times out";
    let hanging = ledger_at(10, run, 6000);
    assert_eq!(marker(&hanging, "accounts-0").last_stable_offset, 0);
    assert_eq!(hanging.verdicts["n1"], Verdict::Pending, "blocked behind the open transaction");
    let end = final_ledger(10, run);
    assert_eq!(end.verdicts["h1"], Verdict::Aborted);
    assert_eq!(end.verdicts["n1"], Verdict::ExactlyOnce);
}

#[test]
fn lesson_11_output_is_exact_at_every_crash_point_while_emails_repeat_after_processing() {
    for (point, emails) in [("afterPoll", 1), ("afterProcessing", 2), ("beforeCommit", 2), ("afterCommit", 1)] {
        let end = final_ledger(11, &format!("crash {point}"));
        for row in &end.messages {
            assert_eq!(row.verdict_by_reader["auditor"], Verdict::ExactlyOnce, "{point} {}", row.id);
            let committed = row.copies.iter().filter(|c| c.topic == "invoices" && c.state == CopyState::Committed);
            assert_eq!(committed.count(), 1, "{point} {}: {:?}", row.id, row.copies);
            assert_eq!(row.effects["billing"], emails, "{point} {}: emails", row.id);
        }
        assert_eq!(marker(&end, "orders-0").committed["billing"], 3, "{point}");
    }
}
