//! Result codes and the thread-local last error.
//!
//! A `kft_result` is the core's error code number, unchanged, as librdkafka's
//! `rd_kafka_resp_err_t` is: 0 is success, positive numbers and -1 are Apache
//! Kafka's own error codes (`36` is TOPIC_ALREADY_EXISTS on the wire and here),
//! -100 down to -999 are kafkette's local codes (the core's `ErrorCode`), and
//! -1000 and below are this C binding's own (a NULL pointer, invalid UTF-8, a
//! caught panic). Every core code therefore has its number here with no table
//! to keep in sync, and no number is ever reused: Kafka retires codes and so do we.
//!
//! Each failing call also records the full error for its thread: the message
//! naming the problem, and whether it is retriable, fatal, or requires a
//! transaction abort (`kft_last_error*`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{c_char, CStr, CString};
use std::sync::Mutex;

use kafkette::{Error, ErrorCode};

/// A result code: `KFT_OK` (0) on success, else an error code (see the
/// `KFT_ERR_*` constants). Kafka's codes keep their protocol numbers.
#[allow(non_camel_case_types)]
pub type kft_result = i32;

/// Success.
pub const KFT_OK: kft_result = 0;

// Apache Kafka's error codes the core names (any other Kafka code can still be
// returned; `kft_result_name` names it).
/// Kafka -1: the broker hit an unexpected error.
pub const KFT_ERR_UNKNOWN_SERVER_ERROR: kft_result = -1;
/// Kafka 1: the requested offset is outside the partition's log.
pub const KFT_ERR_OFFSET_OUT_OF_RANGE: kft_result = 1;
/// Kafka 2: a record failed its CRC or is otherwise corrupt.
pub const KFT_ERR_CORRUPT_MESSAGE: kft_result = 2;
/// Kafka 3: the topic or partition does not exist.
pub const KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION: kft_result = 3;
/// Kafka 4: the requested fetch size is invalid.
pub const KFT_ERR_INVALID_FETCH_SIZE: kft_result = 4;
/// Kafka 5: the partition has no leader right now (retriable).
pub const KFT_ERR_LEADER_NOT_AVAILABLE: kft_result = 5;
/// Kafka 6: the request went to a broker that does not lead the partition (retriable).
pub const KFT_ERR_NOT_LEADER_OR_FOLLOWER: kft_result = 6;
/// Kafka 7: the broker did not answer within the request timeout (retriable).
pub const KFT_ERR_REQUEST_TIMED_OUT: kft_result = 7;
/// Kafka 10: the record or batch is larger than the broker accepts.
pub const KFT_ERR_MESSAGE_TOO_LARGE: kft_result = 10;
/// Kafka 12: the metadata of an offset commit is too large.
pub const KFT_ERR_OFFSET_METADATA_TOO_LARGE: kft_result = 12;
/// Kafka 13: the connection was lost (retriable).
pub const KFT_ERR_NETWORK_EXCEPTION: kft_result = 13;
/// Kafka 14: the group or transaction coordinator is still loading (retriable).
pub const KFT_ERR_COORDINATOR_LOAD_IN_PROGRESS: kft_result = 14;
/// Kafka 15: the group or transaction coordinator is not available (retriable).
pub const KFT_ERR_COORDINATOR_NOT_AVAILABLE: kft_result = 15;
/// Kafka 16: the request went to a broker that is not the coordinator (retriable).
pub const KFT_ERR_NOT_COORDINATOR: kft_result = 16;
/// Kafka 17: the topic name is not a legal topic name.
pub const KFT_ERR_INVALID_TOPIC_EXCEPTION: kft_result = 17;
/// Kafka 18: the batch of records is too large.
pub const KFT_ERR_RECORD_LIST_TOO_LARGE: kft_result = 18;
/// Kafka 21: `acks` is not -1, 0 or 1.
pub const KFT_ERR_INVALID_REQUIRED_ACKS: kft_result = 21;
/// Kafka 22: the group member's generation is stale (a rebalance happened): rejoin.
pub const KFT_ERR_ILLEGAL_GENERATION: kft_result = 22;
/// Kafka 23: the member's assignment strategies share none with the group's.
pub const KFT_ERR_INCONSISTENT_GROUP_PROTOCOL: kft_result = 23;
/// Kafka 24: the group id is empty or invalid.
pub const KFT_ERR_INVALID_GROUP_ID: kft_result = 24;
/// Kafka 25: the group does not know the member (it was removed): rejoin.
pub const KFT_ERR_UNKNOWN_MEMBER_ID: kft_result = 25;
/// Kafka 26: `session.timeout.ms` is outside the broker's allowed range.
pub const KFT_ERR_INVALID_SESSION_TIMEOUT: kft_result = 26;
/// Kafka 27: the group is rebalancing; commit again after it.
pub const KFT_ERR_REBALANCE_IN_PROGRESS: kft_result = 27;
/// Kafka 28: the offset commit request is too large.
pub const KFT_ERR_INVALID_COMMIT_OFFSET_SIZE: kft_result = 28;
/// Kafka 32: a record's timestamp is out of the accepted range.
pub const KFT_ERR_INVALID_TIMESTAMP: kft_result = 32;
/// Kafka 35: the broker does not support the request version.
pub const KFT_ERR_UNSUPPORTED_VERSION: kft_result = 35;
/// Kafka 36: a topic of that name already exists.
pub const KFT_ERR_TOPIC_ALREADY_EXISTS: kft_result = 36;
/// Kafka 37: the partition count is invalid.
pub const KFT_ERR_INVALID_PARTITIONS: kft_result = 37;
/// Kafka 38: the replication factor is invalid.
pub const KFT_ERR_INVALID_REPLICATION_FACTOR: kft_result = 38;
/// Kafka 40: a topic or broker configuration is invalid.
pub const KFT_ERR_INVALID_CONFIG: kft_result = 40;
/// Kafka 42: the request is malformed.
pub const KFT_ERR_INVALID_REQUEST: kft_result = 42;
/// Kafka 43: the message format does not support the request.
pub const KFT_ERR_UNSUPPORTED_FOR_MESSAGE_FORMAT: kft_result = 43;
/// Kafka 44: the request breaks a broker policy.
pub const KFT_ERR_POLICY_VIOLATION: kft_result = 44;
/// Kafka 45: the broker saw a gap in an idempotent producer's sequence numbers.
pub const KFT_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER: kft_result = 45;
/// Kafka 46: the batch was already written (an idempotent retry).
pub const KFT_ERR_DUPLICATE_SEQUENCE_NUMBER: kft_result = 46;
/// Kafka 47: the producer's epoch is stale (fatal).
pub const KFT_ERR_INVALID_PRODUCER_EPOCH: kft_result = 47;
/// Kafka 48: the transactional request is invalid in the transaction's state.
pub const KFT_ERR_INVALID_TXN_STATE: kft_result = 48;
/// Kafka 49: the producer id does not match the transactional id.
pub const KFT_ERR_INVALID_PRODUCER_ID_MAPPING: kft_result = 49;
/// Kafka 50: `transaction.timeout.ms` exceeds the broker's maximum.
pub const KFT_ERR_INVALID_TRANSACTION_TIMEOUT: kft_result = 50;
/// Kafka 51: the coordinator is still completing the previous transaction (retriable).
pub const KFT_ERR_CONCURRENT_TRANSACTIONS: kft_result = 51;
/// Kafka 52: a newer transaction coordinator took over.
pub const KFT_ERR_TRANSACTION_COORDINATOR_FENCED: kft_result = 52;
/// Kafka 53: the transactional id is not authorized (fatal).
pub const KFT_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED: kft_result = 53;
/// Kafka 59: the broker does not know the producer id.
pub const KFT_ERR_UNKNOWN_PRODUCER_ID: kft_result = 59;
/// Kafka 68: the group still has members (deleting it failed).
pub const KFT_ERR_NON_EMPTY_GROUP: kft_result = 68;
/// Kafka 69: no group has that id.
pub const KFT_ERR_GROUP_ID_NOT_FOUND: kft_result = 69;
/// Kafka 76: the compression type is not supported.
pub const KFT_ERR_UNSUPPORTED_COMPRESSION_TYPE: kft_result = 76;
/// Kafka 78: the offset is not available yet (retriable).
pub const KFT_ERR_OFFSET_NOT_AVAILABLE: kft_result = 78;
/// Kafka 79: the member must rejoin with the member id the broker gave it.
pub const KFT_ERR_MEMBER_ID_REQUIRED: kft_result = 79;
/// Kafka 81: the group has the most members the broker allows.
pub const KFT_ERR_GROUP_MAX_SIZE_REACHED: kft_result = 81;
/// Kafka 82: another member with the same `group.instance.id` fenced this one (fatal to the consumer).
pub const KFT_ERR_FENCED_INSTANCE_ID: kft_result = 82;
/// Kafka 86: the group consumes the topic (deleting its offsets failed).
pub const KFT_ERR_GROUP_SUBSCRIBED_TO_TOPIC: kft_result = 86;
/// Kafka 87: a record failed the broker's validation.
pub const KFT_ERR_INVALID_RECORD: kft_result = 87;
/// Kafka 88: a transaction with offsets for the partition is still open (retriable).
pub const KFT_ERR_UNSTABLE_OFFSET_COMMIT: kft_result = 88;
/// Kafka 90: another producer with the same transactional id fenced this one (fatal).
pub const KFT_ERR_PRODUCER_FENCED: kft_result = 90;
/// Kafka 100: the topic id is unknown.
pub const KFT_ERR_UNKNOWN_TOPIC_ID: kft_result = 100;
/// Kafka 105: the transaction coordinator does not know the transactional id.
pub const KFT_ERR_TRANSACTIONAL_ID_NOT_FOUND: kft_result = 105;

// kafkette's local codes (the core's, -100 and below; never sent on the wire).
/// -100: a configuration key is unknown or its value is invalid; the message names the key.
pub const KFT_ERR_INVALID_CONFIG_LOCAL: kft_result = -100;
/// -101: an argument is invalid (empty topic name, negative partition, bad index...).
pub const KFT_ERR_INVALID_ARG: kft_result = -101;
/// -102: the operation did not complete before its deadline (retriable).
pub const KFT_ERR_TIMED_OUT: kft_result = -102;
/// -103: the producer's `buffer.memory` is full; poll or flush, then send again (retriable).
pub const KFT_ERR_QUEUE_FULL: kft_result = -103;
/// -104: the record could not be delivered before `delivery.timeout.ms` (retriable).
pub const KFT_ERR_MSG_TIMED_OUT: kft_result = -104;
/// -105: the client or broker was closed.
pub const KFT_ERR_DESTROYED: kft_result = -105;
/// -106: the connection to a broker was lost (retriable).
pub const KFT_ERR_TRANSPORT: kft_result = -106;
/// -107: the broker sent something that could not be understood.
pub const KFT_ERR_BAD_MSG: kft_result = -107;
/// -108: a call was made out of order (for example a seek on an unassigned partition).
pub const KFT_ERR_STATE: kft_result = -108;
/// -109: the partition is not assigned to this consumer.
pub const KFT_ERR_UNKNOWN_PARTITION_LOCAL: kft_result = -109;
/// -110: no offset to start from and `auto.offset.reset` is `none`.
pub const KFT_ERR_NO_OFFSET: kft_result = -110;
/// -111: the position fell out of the log and `auto.offset.reset` is `none`.
pub const KFT_ERR_AUTO_OFFSET_RESET: kft_result = -111;
/// -112: an internal invariant did not hold (a bug in kafkette).
pub const KFT_ERR_INTERNAL: kft_result = -112;
/// -113: an I/O error outside the protocol.
pub const KFT_ERR_IO: kft_result = -113;

// This binding's own codes (-1000 and below).
/// -1000: a pointer argument that must not be NULL was NULL; the message names the argument.
pub const KFT_ERR_NULL_POINTER: kft_result = -1000;
/// -1001: a string argument is not valid UTF-8; the message names the argument.
pub const KFT_ERR_INVALID_UTF8: kft_result = -1001;
/// -1002: kafkette panicked inside the call; the panic was caught at the boundary and
/// the handle may be in an unspecified (but memory-safe) state.
pub const KFT_ERR_PANIC: kft_result = -1002;

/// The binding's own codes with their names, in order of number.
const FFI_CODES: &[(kft_result, &CStr)] =
    &[(KFT_ERR_NULL_POINTER, c"NULL_POINTER"), (KFT_ERR_INVALID_UTF8, c"INVALID_UTF8"), (KFT_ERR_PANIC, c"PANIC")];

/// An error on its way to C: a code and the answers `kft_last_error_*` give.
#[derive(Debug)]
pub(crate) struct FfiError {
    pub code: kft_result,
    pub message: String,
    pub retriable: bool,
    pub fatal: bool,
    pub txn_requires_abort: bool,
}

pub(crate) type FfiResult<T> = Result<T, FfiError>;

impl FfiError {
    fn local(code: kft_result, message: String) -> FfiError {
        FfiError { code, message, retriable: false, fatal: false, txn_requires_abort: false }
    }

    pub fn null(arg: &str) -> FfiError {
        FfiError::local(KFT_ERR_NULL_POINTER, format!("argument `{arg}` must not be NULL"))
    }

    pub fn utf8(arg: &str, e: std::str::Utf8Error) -> FfiError {
        FfiError::local(KFT_ERR_INVALID_UTF8, format!("argument `{arg}` is not valid UTF-8: {e}"))
    }

    pub fn panic(message: String) -> FfiError {
        FfiError::local(KFT_ERR_PANIC, format!("kafkette panicked (caught at the C boundary): {message}"))
    }

    pub fn invalid_arg(message: impl Into<String>) -> FfiError {
        Error::invalid_arg(message).into()
    }
}

impl From<Error> for FfiError {
    fn from(e: Error) -> FfiError {
        FfiError {
            code: e.code().0 as kft_result,
            message: e.message().to_string(),
            retriable: e.is_retriable(),
            fatal: e.is_fatal(),
            txn_requires_abort: e.txn_requires_abort(),
        }
    }
}

/// The last failure on this thread, with its message ready for C.
struct LastError {
    code: kft_result,
    message: CString,
    retriable: bool,
    fatal: bool,
    txn_requires_abort: bool,
}

thread_local! {
    static LAST_ERROR: RefCell<Option<LastError>> = const { RefCell::new(None) };
}

/// A C string from text that may hold NUL bytes (they become U+FFFD).
pub(crate) fn c_string_lossy(text: &str) -> CString {
    CString::new(text).unwrap_or_else(|_| CString::new(text.replace('\0', "\u{fffd}")).unwrap_or_default())
}

/// Record `e` as this thread's last error and return its code.
pub(crate) fn set_last_error(e: FfiError) -> kft_result {
    let code = e.code;
    let last = LastError {
        code,
        message: c_string_lossy(&e.message),
        retriable: e.retriable,
        fatal: e.fatal,
        txn_requires_abort: e.txn_requires_abort,
    };
    // try_with: during thread teardown the slot may be gone; the code still gets back.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = Some(last));
    code
}

fn with_last<R>(f: impl FnOnce(&LastError) -> R, none: R) -> R {
    LAST_ERROR.try_with(|slot| slot.borrow().as_ref().map(f)).ok().flatten().unwrap_or(none)
}

/// Names of codes, made once each and kept for the life of the process so the
/// pointers `kft_result_name` returns stay valid.
static NAMES: Mutex<Option<HashMap<kft_result, CString>>> = Mutex::new(None);

/// The name of `code` (`TOPIC_ALREADY_EXISTS`, `QUEUE_FULL`, `NULL_POINTER`).
pub(crate) fn code_name(code: kft_result) -> String {
    if let Some((_, name)) = FFI_CODES.iter().find(|(c, _)| *c == code) {
        return name.to_string_lossy().into_owned();
    }
    match i16::try_from(code) {
        Ok(c) => ErrorCode(c).name(),
        Err(_) => format!("UNKNOWN_CODE_{code}"),
    }
}

fn kafka_code(code: kft_result) -> Option<ErrorCode> {
    i16::try_from(code).ok().map(ErrorCode)
}

/// The message of the most recent failure of a `kft_` call on the calling thread
/// (it names the problem: the configuration key, the NULL argument, the topic),
/// or "" if no call on this thread has failed yet.
///
/// Ownership: the string belongs to the library; it stays valid until the next
/// failing `kft_` call on this thread. Copy it to keep it. Thread-safe (each thread
/// has its own last error). Never fails.
#[no_mangle]
pub extern "C" fn kft_last_error() -> *const c_char {
    crate::panic::ffi_value!(c"".as_ptr(), {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ref().map(|e| e.message.as_ptr()))
            .ok()
            .flatten()
            .unwrap_or(c"".as_ptr())
    })
}

/// The code of the most recent failure on the calling thread (the value that call
/// returned), or `KFT_OK` if none has failed yet. Thread-safe. Never fails.
#[no_mangle]
pub extern "C" fn kft_last_error_code() -> kft_result {
    crate::panic::ffi_value!(KFT_OK, with_last(|e| e.code, KFT_OK))
}

/// Whether the most recent failure on the calling thread may succeed if retried
/// (Apache Kafka's classification: a `RetriableException`). false if none.
/// Thread-safe. Never fails.
#[no_mangle]
pub extern "C" fn kft_last_error_is_retriable() -> bool {
    crate::panic::ffi_value!(false, with_last(|e| e.retriable, false))
}

/// Whether the most recent failure on the calling thread left its client unable
/// to make progress (a fenced or unauthorized producer): destroy it. false if none.
/// Thread-safe. Never fails.
#[no_mangle]
pub extern "C" fn kft_last_error_is_fatal() -> bool {
    crate::panic::ffi_value!(false, with_last(|e| e.fatal, false))
}

/// Whether the most recent failure on the calling thread requires the current
/// transaction to be aborted. false if none. Thread-safe. Never fails.
#[no_mangle]
pub extern "C" fn kft_last_error_txn_requires_abort() -> bool {
    crate::panic::ffi_value!(false, with_last(|e| e.txn_requires_abort, false))
}

/// The name of a result code: `"NONE"` for `KFT_OK`, Apache Kafka's name for its
/// codes (`"TOPIC_ALREADY_EXISTS"` for 36), kafkette's for local ones
/// (`"QUEUE_FULL"`, `"NULL_POINTER"`), `"UNKNOWN_CODE_<n>"` for numbers no one uses.
///
/// Ownership: a static string owned by the library, valid for the life of the
/// process; do not free it. Thread-safe. Never fails.
#[no_mangle]
pub extern "C" fn kft_result_name(code: kft_result) -> *const c_char {
    crate::panic::ffi_value!(c"UNKNOWN".as_ptr(), {
        let mut names = NAMES.lock().unwrap_or_else(|p| p.into_inner());
        let names = names.get_or_insert_with(HashMap::new);
        // The CString's heap buffer does not move when the map grows, so the pointer lives on.
        names.entry(code).or_insert_with(|| c_string_lossy(&code_name(code))).as_ptr()
    })
}

/// Whether `code` is one of Apache Kafka's protocol error codes (its number is the
/// number on the wire: positive, or -1), as opposed to `KFT_OK`, a kafkette local
/// code (-100 to -999) or one of this binding's (-1000 and below). Never fails.
#[no_mangle]
pub extern "C" fn kft_result_is_kafka(code: kft_result) -> bool {
    code == -1 || code > 0
}

/// Whether an error with this code is retriable by its code alone (Kafka's
/// classification for Kafka codes, kafkette's for local ones). A specific error
/// may know better: prefer `kft_last_error_is_retriable` or a delivery report's
/// `retriable`. Never fails.
#[no_mangle]
pub extern "C" fn kft_result_is_retriable(code: kft_result) -> bool {
    crate::panic::ffi_value!(false, code != KFT_OK && kafka_code(code).is_some_and(|c| c.is_retriable()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_carry_the_core_names() {
        let named = [
            (KFT_ERR_UNKNOWN_SERVER_ERROR, "UNKNOWN_SERVER_ERROR"),
            (KFT_ERR_TOPIC_ALREADY_EXISTS, "TOPIC_ALREADY_EXISTS"),
            (KFT_ERR_NOT_LEADER_OR_FOLLOWER, "NOT_LEADER_OR_FOLLOWER"),
            (KFT_ERR_INVALID_CONFIG, "INVALID_CONFIG"),
            (KFT_ERR_PRODUCER_FENCED, "PRODUCER_FENCED"),
            (KFT_ERR_REBALANCE_IN_PROGRESS, "REBALANCE_IN_PROGRESS"),
            (KFT_ERR_CONCURRENT_TRANSACTIONS, "CONCURRENT_TRANSACTIONS"),
            (KFT_ERR_FENCED_INSTANCE_ID, "FENCED_INSTANCE_ID"),
            (KFT_ERR_TRANSACTIONAL_ID_NOT_FOUND, "TRANSACTIONAL_ID_NOT_FOUND"),
            (KFT_ERR_INVALID_CONFIG_LOCAL, "INVALID_CONFIG_LOCAL"),
            (KFT_ERR_QUEUE_FULL, "QUEUE_FULL"),
            (KFT_ERR_IO, "IO"),
            (KFT_ERR_NULL_POINTER, "NULL_POINTER"),
            (KFT_ERR_PANIC, "PANIC"),
            (KFT_OK, "NONE"),
            (-5000, "UNKNOWN_CODE_-5000"),
        ];
        for (code, name) in named {
            assert_eq!(code_name(code), name);
            // SAFETY: kft_result_name returns a valid NUL-terminated static string.
            let c = unsafe { CStr::from_ptr(kft_result_name(code)) };
            assert_eq!(c.to_str().unwrap(), name);
        }
        for c in [ErrorCode::TOPIC_ALREADY_EXISTS, ErrorCode::QUEUE_FULL, ErrorCode::INTERNAL] {
            assert_eq!(c.0 as kft_result, FfiError::from(Error::new(c, "x")).code);
        }
    }

    #[test]
    fn last_error_is_per_thread() {
        set_last_error(FfiError::null("conf"));
        assert_eq!(kft_last_error_code(), KFT_ERR_NULL_POINTER);
        std::thread::spawn(|| assert_eq!(kft_last_error_code(), KFT_OK)).join().unwrap();
        // SAFETY: kft_last_error returns a valid NUL-terminated string.
        let msg = unsafe { CStr::from_ptr(kft_last_error()) };
        assert_eq!(msg.to_str().unwrap(), "argument `conf` must not be NULL");
        set_last_error(Error::new(ErrorCode::TIMED_OUT, "poll").into());
        assert!(kft_last_error_is_retriable() && !kft_last_error_is_fatal());
        assert!(kft_result_is_kafka(36) && kft_result_is_kafka(-1) && !kft_result_is_kafka(-100));
        assert!(kft_result_is_retriable(KFT_ERR_NOT_LEADER_OR_FOLLOWER) && !kft_result_is_retriable(KFT_OK));
    }
}
