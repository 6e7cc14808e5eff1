//! One error type for the whole crate: a Kafka error code (or one of our local
//! codes, which are negative like librdkafka's), a message, and the three
//! answers every binding exposes: `is_retriable`, `is_fatal`, `txn_requires_abort`.
//!
//! Kafka's own codes (positive, and -1 UNKNOWN_SERVER_ERROR) keep the numbers and
//! names of Apache Kafka's `Errors.java`, so a code seen in-process is the code a
//! real client sees on the wire. Local codes never cross the wire.

use std::fmt;

use kafka_protocol::ResponseError;

/// A Kafka error code (positive, 0 or -1) or a local one (-100 and below).
/// Local codes are never reused once retired.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ErrorCode(pub i16);

macro_rules! local_codes {
    ($( $(#[$doc:meta])* ($name:ident, $code:literal, $retriable:literal) ),* $(,)?) => {
        impl ErrorCode {
            $( $(#[$doc])* pub const $name: ErrorCode = ErrorCode($code); )*

            fn local_name(self) -> Option<&'static str> {
                match self.0 { $( $code => Some(stringify!($name)), )* _ => None }
            }

            fn local_retriable(self) -> Option<bool> {
                match self.0 { $( $code => Some($retriable), )* _ => None }
            }
        }
    };
}

local_codes! {
    /// A configuration key is unknown or its value is invalid.
    (INVALID_CONFIG_LOCAL, -100, false),
    /// An argument to an API call is invalid (empty topic name, negative partition...).
    (INVALID_ARG, -101, false),
    /// The operation did not complete before its deadline.
    (TIMED_OUT, -102, true),
    /// The producer's `buffer.memory` is full; poll or flush, then retry.
    (QUEUE_FULL, -103, true),
    /// The record could not be delivered before `delivery.timeout.ms`.
    (MSG_TIMED_OUT, -104, true),
    /// The client or broker was closed.
    (DESTROYED, -105, false),
    /// The connection to a broker was lost (in flight requests are failed or retried).
    (TRANSPORT, -106, true),
    /// The broker sent something we could not understand.
    (BAD_MSG, -107, false),
    /// A state machine was used out of order (for example `poll` before `assign`).
    (STATE, -108, false),
    /// The partition is not assigned to this consumer.
    (UNKNOWN_PARTITION_LOCAL, -109, false),
    /// No offset is committed or resettable and `auto.offset.reset` is `none`.
    (NO_OFFSET, -110, false),
    /// The consumer's position fell out of the log and `auto.offset.reset` is `none`.
    (AUTO_OFFSET_RESET, -111, false),
    /// An internal invariant did not hold; a bug in kafkette.
    (INTERNAL, -112, false),
    /// An I/O error outside the protocol (a file, a socket bind).
    (IO, -113, false),
}

impl ErrorCode {
    pub const NONE: ErrorCode = ErrorCode(0);
    pub const UNKNOWN_SERVER_ERROR: ErrorCode = ErrorCode(-1);
    pub const OFFSET_OUT_OF_RANGE: ErrorCode = ErrorCode(1);
    pub const CORRUPT_MESSAGE: ErrorCode = ErrorCode(2);
    pub const UNKNOWN_TOPIC_OR_PARTITION: ErrorCode = ErrorCode(3);
    pub const INVALID_FETCH_SIZE: ErrorCode = ErrorCode(4);
    pub const LEADER_NOT_AVAILABLE: ErrorCode = ErrorCode(5);
    pub const NOT_LEADER_OR_FOLLOWER: ErrorCode = ErrorCode(6);
    pub const REQUEST_TIMED_OUT: ErrorCode = ErrorCode(7);
    pub const MESSAGE_TOO_LARGE: ErrorCode = ErrorCode(10);
    pub const NETWORK_EXCEPTION: ErrorCode = ErrorCode(13);
    pub const INVALID_TOPIC_EXCEPTION: ErrorCode = ErrorCode(17);
    pub const RECORD_LIST_TOO_LARGE: ErrorCode = ErrorCode(18);
    pub const INVALID_REQUIRED_ACKS: ErrorCode = ErrorCode(21);
    pub const INVALID_TIMESTAMP: ErrorCode = ErrorCode(32);
    pub const UNSUPPORTED_VERSION: ErrorCode = ErrorCode(35);
    pub const TOPIC_ALREADY_EXISTS: ErrorCode = ErrorCode(36);
    pub const INVALID_PARTITIONS: ErrorCode = ErrorCode(37);
    pub const INVALID_REPLICATION_FACTOR: ErrorCode = ErrorCode(38);
    pub const INVALID_REQUEST: ErrorCode = ErrorCode(42);
    pub const UNSUPPORTED_FOR_MESSAGE_FORMAT: ErrorCode = ErrorCode(43);
    pub const POLICY_VIOLATION: ErrorCode = ErrorCode(44);
    pub const OUT_OF_ORDER_SEQUENCE_NUMBER: ErrorCode = ErrorCode(45);
    pub const DUPLICATE_SEQUENCE_NUMBER: ErrorCode = ErrorCode(46);
    pub const INVALID_PRODUCER_EPOCH: ErrorCode = ErrorCode(47);
    pub const INVALID_TXN_STATE: ErrorCode = ErrorCode(48);
    pub const INVALID_CONFIG: ErrorCode = ErrorCode(40);
    pub const TRANSACTIONAL_ID_AUTHORIZATION_FAILED: ErrorCode = ErrorCode(53);
    pub const UNKNOWN_PRODUCER_ID: ErrorCode = ErrorCode(59);
    pub const UNSUPPORTED_COMPRESSION_TYPE: ErrorCode = ErrorCode(76);
    pub const OFFSET_NOT_AVAILABLE: ErrorCode = ErrorCode(78);
    pub const PRODUCER_FENCED: ErrorCode = ErrorCode(90);
    pub const INVALID_RECORD: ErrorCode = ErrorCode(87);
    pub const UNKNOWN_TOPIC_ID: ErrorCode = ErrorCode(100);
    pub const OFFSET_METADATA_TOO_LARGE: ErrorCode = ErrorCode(12);
    pub const COORDINATOR_LOAD_IN_PROGRESS: ErrorCode = ErrorCode(14);
    pub const COORDINATOR_NOT_AVAILABLE: ErrorCode = ErrorCode(15);
    pub const NOT_COORDINATOR: ErrorCode = ErrorCode(16);
    pub const ILLEGAL_GENERATION: ErrorCode = ErrorCode(22);
    pub const INCONSISTENT_GROUP_PROTOCOL: ErrorCode = ErrorCode(23);
    pub const INVALID_GROUP_ID: ErrorCode = ErrorCode(24);
    pub const UNKNOWN_MEMBER_ID: ErrorCode = ErrorCode(25);
    pub const INVALID_SESSION_TIMEOUT: ErrorCode = ErrorCode(26);
    pub const REBALANCE_IN_PROGRESS: ErrorCode = ErrorCode(27);
    pub const INVALID_COMMIT_OFFSET_SIZE: ErrorCode = ErrorCode(28);
    pub const INVALID_PRODUCER_ID_MAPPING: ErrorCode = ErrorCode(49);
    pub const INVALID_TRANSACTION_TIMEOUT: ErrorCode = ErrorCode(50);
    pub const CONCURRENT_TRANSACTIONS: ErrorCode = ErrorCode(51);
    pub const TRANSACTION_COORDINATOR_FENCED: ErrorCode = ErrorCode(52);
    pub const NON_EMPTY_GROUP: ErrorCode = ErrorCode(68);
    pub const GROUP_ID_NOT_FOUND: ErrorCode = ErrorCode(69);
    pub const MEMBER_ID_REQUIRED: ErrorCode = ErrorCode(79);
    pub const GROUP_MAX_SIZE_REACHED: ErrorCode = ErrorCode(81);
    pub const FENCED_INSTANCE_ID: ErrorCode = ErrorCode(82);
    pub const GROUP_SUBSCRIBED_TO_TOPIC: ErrorCode = ErrorCode(86);
    pub const UNSTABLE_OFFSET_COMMIT: ErrorCode = ErrorCode(88);
    pub const TRANSACTIONAL_ID_NOT_FOUND: ErrorCode = ErrorCode(105);

    pub fn is_error(self) -> bool {
        self.0 != 0
    }

    pub fn is_local(self) -> bool {
        self.0 <= -100
    }

    /// Kafka's name for the code (`OUT_OF_ORDER_SEQUENCE_NUMBER`), or ours for local codes.
    pub fn name(self) -> String {
        if self.0 == 0 {
            return "NONE".to_string();
        }
        if let Some(n) = self.local_name() {
            return n.to_string();
        }
        match ResponseError::try_from_code(self.0) {
            Some(ResponseError::Unknown(_)) | None => format!("UNKNOWN_CODE_{}", self.0),
            Some(e) => screaming_snake(&format!("{e:?}")),
        }
    }

    /// Retriable as Apache Kafka classifies it (a `RetriableException` subclass),
    /// or as we classify our local codes.
    pub fn is_retriable(self) -> bool {
        if let Some(r) = self.local_retriable() {
            return r;
        }
        match ResponseError::try_from_code(self.0) {
            Some(e) => e.is_retriable(),
            None => false,
        }
    }

    /// Errors after which a producer can make no further progress (Kafka's fatal errors).
    pub fn is_fatal(self) -> bool {
        matches!(
            self,
            ErrorCode::PRODUCER_FENCED
                | ErrorCode::INVALID_PRODUCER_EPOCH
                | ErrorCode::TRANSACTIONAL_ID_AUTHORIZATION_FAILED
                | ErrorCode::UNSUPPORTED_VERSION
                | ErrorCode::UNSUPPORTED_FOR_MESSAGE_FORMAT
        )
    }
}

fn screaming_snake(camel: &str) -> String {
    let mut out = String::with_capacity(camel.len() + 8);
    for (i, ch) in camel.chars().enumerate() {
        if ch.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(ch.to_ascii_uppercase());
    }
    out
}

impl fmt::Debug for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

/// The crate's error: a code, a message naming the problem, and the
/// transactional classification (set by the producer when it knows better than the code).
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    code: ErrorCode,
    message: String,
    fatal: bool,
    txn_requires_abort: bool,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error { code, message: message.into(), fatal: code.is_fatal(), txn_requires_abort: false }
    }

    /// An error from a Kafka error code received in a response.
    pub fn from_code(code: i16, context: impl fmt::Display) -> Self {
        let code = ErrorCode(code);
        Error::new(code, format!("{context}: {}", code.name()))
    }

    pub fn config(key: &str, problem: impl fmt::Display) -> Self {
        Error::new(ErrorCode::INVALID_CONFIG_LOCAL, format!("configuration `{key}`: {problem}"))
    }

    pub fn invalid_arg(problem: impl Into<String>) -> Self {
        Error::new(ErrorCode::INVALID_ARG, problem)
    }

    pub fn timed_out(what: impl fmt::Display) -> Self {
        Error::new(ErrorCode::TIMED_OUT, format!("{what} timed out"))
    }

    pub fn state(problem: impl Into<String>) -> Self {
        Error::new(ErrorCode::STATE, problem)
    }

    pub fn internal(problem: impl Into<String>) -> Self {
        Error::new(ErrorCode::INTERNAL, problem)
    }

    pub fn with_fatal(mut self, fatal: bool) -> Self {
        self.fatal = fatal;
        self
    }

    pub fn with_txn_requires_abort(mut self, abort: bool) -> Self {
        self.txn_requires_abort = abort;
        self
    }

    pub fn code(&self) -> ErrorCode {
        self.code
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn is_retriable(&self) -> bool {
        !self.fatal && self.code.is_retriable()
    }

    pub fn is_fatal(&self) -> bool {
        self.fatal
    }

    pub fn txn_requires_abort(&self) -> bool {
        self.txn_requires_abort
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Error({:?}: {})", self.code, self.message)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({}): {}", self.code.name(), self.code.0, self.message)
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_kafka() {
        assert_eq!(ErrorCode::OUT_OF_ORDER_SEQUENCE_NUMBER.name(), "OUT_OF_ORDER_SEQUENCE_NUMBER");
        assert_eq!(ErrorCode::NOT_LEADER_OR_FOLLOWER.name(), "NOT_LEADER_OR_FOLLOWER");
        assert_eq!(ErrorCode::QUEUE_FULL.name(), "QUEUE_FULL");
        assert_eq!(ErrorCode(-1).name(), "UNKNOWN_SERVER_ERROR");
        assert_eq!(ErrorCode(0).name(), "NONE");
    }

    #[test]
    fn classification() {
        assert!(ErrorCode::NOT_LEADER_OR_FOLLOWER.is_retriable());
        assert!(ErrorCode::REQUEST_TIMED_OUT.is_retriable());
        assert!(!ErrorCode::MESSAGE_TOO_LARGE.is_retriable());
        assert!(ErrorCode::PRODUCER_FENCED.is_fatal());
        let e = Error::new(ErrorCode::PRODUCER_FENCED, "fenced");
        assert!(e.is_fatal() && !e.is_retriable());
        assert!(Error::new(ErrorCode::TIMED_OUT, "x").is_retriable());
        assert!(!Error::config("acks", "bad").is_retriable());
    }
}
