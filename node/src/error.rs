//! Errors crossing to JavaScript. A failure becomes a napi error whose reason is
//! `KAFKETTE<US>name<US>number<US>flags<US>message` (US = U+001F), which
//! `lib/errors.js` turns into a KafkaJS-style error object; per-item errors (one
//! topic of a CreateTopics) travel as data in [`JsErrorInfo`].

use std::panic::{catch_unwind, AssertUnwindSafe};

use kafkette::error::{Error, Result};
use napi_derive::napi;

/// Marks a reason produced here (anything else is napi's own argument checking).
const MARK: &str = "KAFKETTE\u{1f}";

/// One error as plain data: the Kafka name and number, and the three answers.
#[napi(object)]
pub struct JsErrorInfo {
    pub code: String,
    pub error_code: i32,
    pub message: String,
    pub retriable: bool,
    pub fatal: bool,
    pub txn_requires_abort: bool,
}

impl From<&Error> for JsErrorInfo {
    fn from(e: &Error) -> Self {
        JsErrorInfo {
            code: e.code().name(),
            error_code: e.code().0 as i32,
            message: e.message().to_string(),
            retriable: e.is_retriable(),
            fatal: e.is_fatal(),
            txn_requires_abort: e.txn_requires_abort(),
        }
    }
}

pub(crate) fn to_napi(e: &Error) -> napi::Error {
    let flag = |b: bool| if b { '1' } else { '0' };
    let reason = format!(
        "{MARK}{}\u{1f}{}\u{1f}{}{}{}\u{1f}{}",
        e.code().name(),
        e.code().0,
        flag(e.is_retriable()),
        flag(e.is_fatal()),
        flag(e.txn_requires_abort()),
        e.message()
    );
    napi::Error::new(napi::Status::GenericFailure, reason)
}

/// Runs `f`, turning a panic into an INTERNAL error instead of unwinding into node.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        Err(Error::internal(format!("kafkette panicked: {what}")))
    })
}

/// `guard` for synchronous exported functions.
pub(crate) fn sync<T>(f: impl FnOnce() -> Result<T>) -> napi::Result<T> {
    guard(f).map_err(|e| to_napi(&e))
}
