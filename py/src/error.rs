//! Errors: kafkette's codes mapped to the numbers and names confluent-kafka's users
//! know (librdkafka's `rd_kafka_resp_err_t`), and core errors turned into Python
//! exceptions (`kafkette.KafkaException` carrying a `kafkette.KafkaError`).
//!
//! The mapping is this one table (plus `LIBRDKAFKA_BROKER_NAMES` for the names of
//! Kafka's positive codes that librdkafka spells differently). Kafka's own codes
//! keep their numbers. Every local code of the core maps to a librdkafka local code;
//! the Python tests walk all local codes to keep the table exhaustive.
//!
//! | kafkette (core)             | number | librdkafka / confluent-kafka | number |
//! |-----------------------------|--------|------------------------------|--------|
//! | INVALID_CONFIG_LOCAL        | -100   | _INVALID_ARG                 | -186   |
//! | INVALID_ARG                 | -101   | _INVALID_ARG                 | -186   |
//! | TIMED_OUT                   | -102   | _TIMED_OUT                   | -185   |
//! | QUEUE_FULL                  | -103   | _QUEUE_FULL                  | -184   |
//! | MSG_TIMED_OUT               | -104   | _MSG_TIMED_OUT               | -192   |
//! | DESTROYED                   | -105   | _DESTROY                     | -197   |
//! | TRANSPORT                   | -106   | _TRANSPORT                   | -195   |
//! | BAD_MSG                     | -107   | _BAD_MSG                     | -199   |
//! | STATE                       | -108   | _STATE                       | -172   |
//! | UNKNOWN_PARTITION_LOCAL     | -109   | _UNKNOWN_PARTITION           | -190   |
//! | NO_OFFSET                   | -110   | _NO_OFFSET                   | -168   |
//! | AUTO_OFFSET_RESET           | -111   | _AUTO_OFFSET_RESET           | -140   |
//! | INTERNAL (a kafkette bug)   | -112   | _FAIL                        | -196   |
//! | IO                          | -113   | _FS                          | -189   |
//! | (consumer event, no code)   |        | _PARTITION_EOF               | -191   |
//! | (panic caught at boundary)  |        | _FAIL                        | -196   |
//! | Kafka code n (-1, 1..)      | n      | librdkafka's name for n      | n      |
//!
//! Several of ours map to one of librdkafka's (both config and argument errors are
//! `_INVALID_ARG`, as confluent-kafka reports them); the message keeps our name.

use kafkette::{Error, ErrorCode};
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// librdkafka's local codes that kafkette produces.
pub const PARTITION_EOF: i32 = -191;
pub const FAIL: i32 = -196;

/// (kafkette local code, librdkafka code, librdkafka name): the table above.
const LOCAL: &[(ErrorCode, i32, &str)] = &[
    (ErrorCode::INVALID_CONFIG_LOCAL, -186, "_INVALID_ARG"),
    (ErrorCode::INVALID_ARG, -186, "_INVALID_ARG"),
    (ErrorCode::TIMED_OUT, -185, "_TIMED_OUT"),
    (ErrorCode::QUEUE_FULL, -184, "_QUEUE_FULL"),
    (ErrorCode::MSG_TIMED_OUT, -192, "_MSG_TIMED_OUT"),
    (ErrorCode::DESTROYED, -197, "_DESTROY"),
    (ErrorCode::TRANSPORT, -195, "_TRANSPORT"),
    (ErrorCode::BAD_MSG, -199, "_BAD_MSG"),
    (ErrorCode::STATE, -172, "_STATE"),
    (ErrorCode::UNKNOWN_PARTITION_LOCAL, -190, "_UNKNOWN_PARTITION"),
    (ErrorCode::NO_OFFSET, -168, "_NO_OFFSET"),
    (ErrorCode::AUTO_OFFSET_RESET, -140, "_AUTO_OFFSET_RESET"),
    (ErrorCode::INTERNAL, FAIL, "_FAIL"),
    (ErrorCode::IO, -189, "_FS"),
];

/// Codes that exist only in the binding (events and boundary failures), with their names.
const BINDING_ONLY: &[(i32, &str)] = &[(PARTITION_EOF, "_PARTITION_EOF"), (ALL_BROKERS_DOWN, "_ALL_BROKERS_DOWN")];

/// librdkafka's `_ALL_BROKERS_DOWN`, which error_cb gets when no broker can be reached.
pub const ALL_BROKERS_DOWN: i32 = -187;

/// Kafka's codes under librdkafka's names (rdkafka.h `RD_KAFKA_RESP_ERR_*`), which
/// confluent-kafka exposes as `KafkaError.<NAME>`. Codes missing here use Kafka's name.
const LIBRDKAFKA_BROKER_NAMES: &[(i32, &str)] = &[
    (-1, "UNKNOWN"),
    (0, "NO_ERROR"),
    (1, "OFFSET_OUT_OF_RANGE"),
    (2, "INVALID_MSG"),
    (3, "UNKNOWN_TOPIC_OR_PART"),
    (4, "INVALID_MSG_SIZE"),
    (5, "LEADER_NOT_AVAILABLE"),
    (6, "NOT_LEADER_FOR_PARTITION"),
    (7, "REQUEST_TIMED_OUT"),
    (8, "BROKER_NOT_AVAILABLE"),
    (9, "REPLICA_NOT_AVAILABLE"),
    (10, "MSG_SIZE_TOO_LARGE"),
    (11, "STALE_CTRL_EPOCH"),
    (12, "OFFSET_METADATA_TOO_LARGE"),
    (13, "NETWORK_EXCEPTION"),
    (14, "COORDINATOR_LOAD_IN_PROGRESS"),
    (15, "COORDINATOR_NOT_AVAILABLE"),
    (16, "NOT_COORDINATOR"),
    (17, "TOPIC_EXCEPTION"),
    (18, "RECORD_LIST_TOO_LARGE"),
    (19, "NOT_ENOUGH_REPLICAS"),
    (20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND"),
    (21, "INVALID_REQUIRED_ACKS"),
    (22, "ILLEGAL_GENERATION"),
    (23, "INCONSISTENT_GROUP_PROTOCOL"),
    (24, "INVALID_GROUP_ID"),
    (25, "UNKNOWN_MEMBER_ID"),
    (26, "INVALID_SESSION_TIMEOUT"),
    (27, "REBALANCE_IN_PROGRESS"),
    (28, "INVALID_COMMIT_OFFSET_SIZE"),
    (29, "TOPIC_AUTHORIZATION_FAILED"),
    (30, "GROUP_AUTHORIZATION_FAILED"),
    (31, "CLUSTER_AUTHORIZATION_FAILED"),
    (32, "INVALID_TIMESTAMP"),
    (33, "UNSUPPORTED_SASL_MECHANISM"),
    (34, "ILLEGAL_SASL_STATE"),
    (35, "UNSUPPORTED_VERSION"),
    (36, "TOPIC_ALREADY_EXISTS"),
    (37, "INVALID_PARTITIONS"),
    (38, "INVALID_REPLICATION_FACTOR"),
    (39, "INVALID_REPLICA_ASSIGNMENT"),
    (40, "INVALID_CONFIG"),
    (41, "NOT_CONTROLLER"),
    (42, "INVALID_REQUEST"),
    (43, "UNSUPPORTED_FOR_MESSAGE_FORMAT"),
    (44, "POLICY_VIOLATION"),
    (45, "OUT_OF_ORDER_SEQUENCE_NUMBER"),
    (46, "DUPLICATE_SEQUENCE_NUMBER"),
    (47, "INVALID_PRODUCER_EPOCH"),
    (48, "INVALID_TXN_STATE"),
    (49, "INVALID_PRODUCER_ID_MAPPING"),
    (50, "INVALID_TRANSACTION_TIMEOUT"),
    (51, "CONCURRENT_TRANSACTIONS"),
    (52, "TRANSACTION_COORDINATOR_FENCED"),
    (53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED"),
    (54, "SECURITY_DISABLED"),
    (55, "OPERATION_NOT_ATTEMPTED"),
    (56, "KAFKA_STORAGE_ERROR"),
    (57, "LOG_DIR_NOT_FOUND"),
    (58, "SASL_AUTHENTICATION_FAILED"),
    (59, "UNKNOWN_PRODUCER_ID"),
    (60, "REASSIGNMENT_IN_PROGRESS"),
    (61, "DELEGATION_TOKEN_AUTH_DISABLED"),
    (62, "DELEGATION_TOKEN_NOT_FOUND"),
    (63, "DELEGATION_TOKEN_OWNER_MISMATCH"),
    (64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED"),
    (65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED"),
    (66, "DELEGATION_TOKEN_EXPIRED"),
    (67, "INVALID_PRINCIPAL_TYPE"),
    (68, "NON_EMPTY_GROUP"),
    (69, "GROUP_ID_NOT_FOUND"),
    (70, "FETCH_SESSION_ID_NOT_FOUND"),
    (71, "INVALID_FETCH_SESSION_EPOCH"),
    (72, "LISTENER_NOT_FOUND"),
    (73, "TOPIC_DELETION_DISABLED"),
    (74, "FENCED_LEADER_EPOCH"),
    (75, "UNKNOWN_LEADER_EPOCH"),
    (76, "UNSUPPORTED_COMPRESSION_TYPE"),
    (77, "STALE_BROKER_EPOCH"),
    (78, "OFFSET_NOT_AVAILABLE"),
    (79, "MEMBER_ID_REQUIRED"),
    (80, "PREFERRED_LEADER_NOT_AVAILABLE"),
    (81, "GROUP_MAX_SIZE_REACHED"),
    (82, "FENCED_INSTANCE_ID"),
    (83, "ELIGIBLE_LEADERS_NOT_AVAILABLE"),
    (84, "ELECTION_NOT_NEEDED"),
    (85, "NO_REASSIGNMENT_IN_PROGRESS"),
    (86, "GROUP_SUBSCRIBED_TO_TOPIC"),
    (87, "INVALID_RECORD"),
    (88, "UNSTABLE_OFFSET_COMMIT"),
    (89, "THROTTLING_QUOTA_EXCEEDED"),
    (90, "PRODUCER_FENCED"),
    (91, "RESOURCE_NOT_FOUND"),
    (92, "DUPLICATE_RESOURCE"),
    (93, "UNACCEPTABLE_CREDENTIAL"),
    (94, "INCONSISTENT_VOTER_SET"),
    (95, "INVALID_UPDATE_VERSION"),
    (96, "FEATURE_UPDATE_FAILED"),
    (97, "PRINCIPAL_DESERIALIZATION_FAILURE"),
    (100, "UNKNOWN_TOPIC_ID"),
    (110, "FENCED_MEMBER_EPOCH"),
    (111, "UNRELEASED_INSTANCE_ID"),
    (112, "UNSUPPORTED_ASSIGNOR"),
    (113, "STALE_MEMBER_EPOCH"),
    (117, "UNKNOWN_SUBSCRIPTION_ID"),
    (118, "TELEMETRY_TOO_LARGE"),
];

/// The (number, name) confluent-kafka's users see for one of our codes.
pub fn librdkafka_code(code: ErrorCode) -> (i32, String) {
    if let Some((_, n, name)) = LOCAL.iter().find(|(c, _, _)| *c == code) {
        return (*n, (*name).to_string());
    }
    let n = i32::from(code.0);
    match LIBRDKAFKA_BROKER_NAMES.iter().find(|(c, _)| *c == n) {
        Some((_, name)) => (n, (*name).to_string()),
        // A local code missing from LOCAL would land here with a `_` name; the tests catch it.
        None if code.is_local() => (FAIL, "_FAIL".to_string()),
        None => (n, code.name()),
    }
}

/// Every (number, name) pair of the mapping: the `KafkaError` class constants.
#[pyfunction]
pub fn error_codes() -> Vec<(i32, String)> {
    let mut out: Vec<(i32, String)> = LOCAL.iter().map(|(_, n, name)| (*n, (*name).to_string())).collect();
    out.extend(BINDING_ONLY.iter().map(|(n, name)| (*n, (*name).to_string())));
    out.push((FAIL, "_FAIL".to_string()));
    out.extend(LIBRDKAFKA_BROKER_NAMES.iter().map(|(n, name)| (*n, (*name).to_string())));
    out.sort();
    out.dedup();
    out
}

/// How one of the core's codes maps: `(librdkafka number, librdkafka name, kafkette name)`.
/// Lets the tests check that every local code has its own entry in the table.
#[pyfunction]
pub fn map_core_code(code: i16) -> (i32, String, String, bool) {
    let c = ErrorCode(code);
    let (n, name) = librdkafka_code(c);
    let mapped = !c.is_local() || LOCAL.iter().any(|(l, _, _)| *l == c);
    (n, name, c.name(), mapped)
}

static KAFKA_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static KAFKA_EXCEPTION: PyOnceLock<Py<PyType>> = PyOnceLock::new();

fn class<'py>(py: Python<'py>, cell: &'static PyOnceLock<Py<PyType>>, name: &str) -> PyResult<&'py Bound<'py, PyType>> {
    cell.import(py, "kafkette.error", name)
}

/// A `kafkette.KafkaError` with an explicit librdkafka code (for errors the binding makes).
pub fn kafka_error_raw(
    py: Python<'_>,
    code: i32,
    reason: &str,
    fatal: bool,
    retriable: bool,
    txn_requires_abort: bool,
) -> PyResult<Py<PyAny>> {
    let cls = class(py, &KAFKA_ERROR, "KafkaError")?;
    Ok(cls.call1((code, reason, fatal, retriable, txn_requires_abort))?.unbind())
}

/// A `kafkette.KafkaError` for a core error: librdkafka's number, our message (which names
/// the key, the topic or the partition), and the core's three answers.
pub fn kafka_error(py: Python<'_>, err: &Error) -> PyResult<Py<PyAny>> {
    let (code, _) = librdkafka_code(err.code());
    let reason = if err.code().is_local() {
        format!("{}: {}", err.code().name(), err.message())
    } else {
        err.message().to_string()
    };
    kafka_error_raw(py, code, &reason, err.is_fatal(), err.is_retriable(), err.txn_requires_abort())
}

/// `KafkaException(KafkaError(...))`, as confluent-kafka raises it.
pub fn exception_from_error(py: Python<'_>, error: Py<PyAny>) -> PyErr {
    match class(py, &KAFKA_EXCEPTION, "KafkaException").and_then(|cls| cls.call1((error,))) {
        Ok(exc) => PyErr::from_value(exc),
        Err(e) => e,
    }
}

/// The Python exception for a core error.
pub fn to_py_err(py: Python<'_>, err: &Error) -> PyErr {
    match kafka_error(py, err) {
        Ok(e) => exception_from_error(py, e),
        Err(e) => e,
    }
}

/// Convert a core result, raising `KafkaException` for its error.
pub fn check<T>(py: Python<'_>, r: kafkette::Result<T>) -> PyResult<T> {
    r.map_err(|e| to_py_err(py, &e))
}

/// Run core code, turning a panic into a core INTERNAL error (→ `_FAIL`): a bug in
/// kafkette must reach Python as an exception, never abort the interpreter.
pub fn shield<T>(f: impl FnOnce() -> kafkette::Result<T>) -> kafkette::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Error::internal(format!("panic in kafkette: {what}")))
        }
    }
}

/// A `KafkaException` whose `__cause__` is `cause` (the chain a user sees in a traceback).
pub fn with_cause(py: Python<'_>, err: PyErr, cause: PyErr) -> PyErr {
    err.set_cause(py, Some(cause));
    err
}

/// For "the client is closed" misuse, as confluent-kafka raises it.
pub fn closed(what: &str) -> PyErr {
    PyRuntimeError::new_err(format!("{what} closed"))
}
