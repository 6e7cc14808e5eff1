//! The coordinator's state machine alone: every transition, fencing, KIP-360 retries, epoch
//! exhaustion, timeouts, and one log record per state change.

use super::*;

const T: Millis = 1_000;

struct C {
    c: TxnCoordinator,
    next: i64,
}

impl C {
    fn new() -> C {
        C { c: TxnCoordinator::new(), next: 100 }
    }

    fn init(&mut self, id: &str, expected: Option<(i64, i16)>) -> Result<Init, ErrorCode> {
        let next = &mut self.next;
        let mut alloc = || {
            *next += 1;
            *next
        };
        self.c.init_producer_id(id, 60_000, expected, &mut alloc, T)
    }

    fn ready(&mut self, id: &str, expected: Option<(i64, i16)>) -> (i64, i16) {
        match self.init(id, expected) {
            Ok(Init::Ready(p, e)) => (p, e),
            other => panic!("{other:?}"),
        }
    }

    fn state(&self, id: &str) -> TxnState {
        self.c.get(id).unwrap().state
    }

    fn states_logged(&mut self) -> Vec<i8> {
        self.c.drain_log().iter().map(|(_, _, v)| log::decode_value(v).unwrap().3).collect()
    }
}

fn parts(names: &[(&str, i32)]) -> Vec<(String, i32)> {
    names.iter().map(|(t, p)| (t.to_string(), *p)).collect()
}

#[test]
fn commit_passes_through_every_state_and_logs_each() {
    let mut c = C::new();
    let (pid, epoch) = c.ready("tx", None);
    assert_eq!((pid, epoch), (101, 0));
    assert_eq!(c.state("tx"), TxnState::Empty);
    c.c.add_partitions("tx", pid, epoch, &parts(&[("a", 0), ("b", 1)]), T + 1).unwrap();
    assert_eq!(c.state("tx"), TxnState::Ongoing);
    c.c.add_partitions("tx", pid, epoch, &parts(&[("a", 0)]), T + 2).unwrap();
    c.c.add_group("tx", pid, epoch, "g", 12, T + 3).unwrap();
    assert_eq!(c.c.verify("tx", pid, epoch, "a", 0), Ok(()));
    assert_eq!(c.c.verify("tx", pid, epoch, "a", 1), Err(ErrorCode::INVALID_TXN_STATE));
    let End::Write(m) = c.c.end_txn("tx", pid, epoch, true, T + 4).unwrap() else { panic!() };
    assert_eq!(m.partitions, parts(&[("a", 0), ("b", 1)]));
    assert_eq!((m.producer_id, m.producer_epoch, m.commit, m.groups.clone()), (pid, 0, true, vec!["g".to_string()]));
    assert_eq!(c.state("tx"), TxnState::PrepareCommit);
    assert_eq!(c.c.end_txn("tx", pid, epoch, true, T + 4), Err(ErrorCode::CONCURRENT_TRANSACTIONS));
    assert_eq!(c.c.add_partitions("tx", pid, epoch, &parts(&[("a", 0)]), T), Err(ErrorCode::CONCURRENT_TRANSACTIONS));
    assert_eq!(c.c.verify("tx", pid, epoch, "a", 0), Err(ErrorCode::CONCURRENT_TRANSACTIONS));
    c.c.complete("tx", T + 5);
    assert_eq!(c.state("tx"), TxnState::CompleteCommit);
    assert!(c.c.get("tx").unwrap().partitions.is_empty());
    // Empty (init), Ongoing (add), the same partitions again logs nothing, Ongoing (group),
    // PrepareCommit, CompleteCommit.
    assert_eq!(c.states_logged(), vec![0, 1, 1, 2, 4]);
    // A retry succeeds; the opposite outcome is an invalid state.
    assert_eq!(c.c.end_txn("tx", pid, epoch, true, T + 6), Ok(End::AlreadyDone));
    assert_eq!(c.c.end_txn("tx", pid, epoch, false, T + 6), Err(ErrorCode::INVALID_TXN_STATE));
    assert!(c.states_logged().is_empty());
}

#[test]
fn abort_and_the_invalid_states() {
    let mut c = C::new();
    let (pid, e) = c.ready("tx", None);
    assert_eq!(c.c.end_txn("tx", pid, e, true, T), Err(ErrorCode::INVALID_TXN_STATE), "nothing begun");
    c.c.add_partitions("tx", pid, e, &parts(&[("a", 0)]), T).unwrap();
    let End::Write(m) = c.c.end_txn("tx", pid, e, false, T).unwrap() else { panic!() };
    assert!(!m.commit);
    assert_eq!(c.state("tx"), TxnState::PrepareAbort);
    assert_eq!(c.c.end_txn("tx", pid, e, true, T), Err(ErrorCode::INVALID_TXN_STATE));
    c.c.complete("tx", T);
    assert_eq!(c.state("tx"), TxnState::CompleteAbort);
    assert_eq!(c.c.end_txn("tx", pid, e, true, T), Err(ErrorCode::INVALID_TXN_STATE), "commit of an aborted one");
    assert_eq!(c.c.end_txn("tx", pid, e, false, T), Ok(End::AlreadyDone));
    // A new transaction after the abort.
    c.c.add_partitions("tx", pid, e, &parts(&[("b", 0)]), T + 9).unwrap();
    assert_eq!(c.c.get("tx").unwrap().partitions.len(), 1);
    assert_eq!(c.c.get("tx").unwrap().start_ms, T + 9);
}

#[test]
fn producer_checks_come_in_kafkas_order() {
    let mut c = C::new();
    let (pid, e) = c.ready("tx", None);
    let p = parts(&[("a", 0)]);
    assert_eq!(c.c.add_partitions("nope", pid, e, &p, T), Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    assert_eq!(c.c.add_partitions("tx", pid + 1, e, &p, T), Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    assert_eq!(c.c.add_partitions("tx", pid, e + 1, &p, T), Err(ErrorCode::PRODUCER_FENCED));
    assert_eq!(c.c.end_txn("tx", pid + 1, e, true, T), Err(ErrorCode::INVALID_PRODUCER_ID_MAPPING));
    assert_eq!(c.c.verify("tx", pid, e - 1, "a", 0), Err(ErrorCode::PRODUCER_FENCED));
}

#[test]
fn a_second_init_fences_and_aborts_the_ongoing_transaction() {
    let mut c = C::new();
    let (pid, e) = c.ready("tx", None);
    c.c.add_partitions("tx", pid, e, &parts(&[("a", 0)]), T).unwrap();
    let Ok(Init::AbortFirst(m)) = c.init("tx", None) else { panic!() };
    assert_eq!((m.producer_id, m.producer_epoch, m.commit), (pid, 1, false), "the abort carries the bumped epoch");
    assert_eq!(c.state("tx"), TxnState::PrepareAbort);
    c.c.complete("tx", T);
    assert_eq!(c.ready("tx", None), (pid, 2));
    // The old producer is fenced everywhere.
    assert_eq!(c.c.end_txn("tx", pid, e, true, T), Err(ErrorCode::PRODUCER_FENCED));
    assert_eq!(c.c.add_partitions("tx", pid, e, &parts(&[("a", 0)]), T), Err(ErrorCode::PRODUCER_FENCED));
}

#[test]
fn kip360_retries_and_fencing() {
    let mut c = C::new();
    let (pid, _) = c.ready("tx", None);
    // The current epoch bumps; a lost answer retried with the old epoch gets the same result.
    assert_eq!(c.ready("tx", Some((pid, 0))), (pid, 1));
    assert_eq!(c.ready("tx", Some((pid, 0))), (pid, 1));
    // Any other epoch or producer id is fenced.
    assert_eq!(c.init("tx", Some((pid, 7))), Err(ErrorCode::PRODUCER_FENCED));
    assert_eq!(c.init("tx", Some((pid + 50, 1))), Err(ErrorCode::PRODUCER_FENCED));
    // A new id with an expected producer (a migrated client) starts fresh.
    assert_eq!(c.ready("other", Some((5, 5))), (102, 0));
}

#[test]
fn an_exhausted_epoch_gets_a_new_producer_id() {
    let mut c = C::new();
    let (pid, _) = c.ready("tx", None);
    c.c.txns.get_mut("tx").unwrap().producer_epoch = i16::MAX - 1;
    let (new_pid, e) = c.ready("tx", Some((pid, i16::MAX - 1)));
    assert_eq!((new_pid, e), (102, 0));
    let m = c.c.get("tx").unwrap();
    assert_eq!((m.previous_producer_id, m.last_producer_epoch), (pid, i16::MAX - 1));
    // The rotation retried with the old id and epoch: the new id again.
    assert_eq!(c.ready("tx", Some((pid, i16::MAX - 1))), (102, 0));
}

#[test]
fn timeouts_abort_with_an_epoch_bump() {
    let mut c = C::new();
    let (pid, e) = c.ready("tx", None);
    assert_eq!(c.c.next_deadline(), None);
    c.c.add_partitions("tx", pid, e, &parts(&[("a", 0)]), T).unwrap();
    assert_eq!(c.c.next_deadline(), Some(T + 60_000));
    assert!(c.c.abort_expired(T + 59_999).is_empty());
    let ms = c.c.abort_expired(T + 60_000);
    assert_eq!(ms.len(), 1);
    assert_eq!((ms[0].producer_epoch, ms[0].commit), (1, false));
    c.c.complete("tx", T + 60_000);
    assert_eq!(c.state("tx"), TxnState::CompleteAbort);
    assert_eq!(c.c.next_deadline(), None);
    assert_eq!(c.c.end_txn("tx", pid, e, true, T + 60_001), Err(ErrorCode::PRODUCER_FENCED));
}
