//! The panic boundary every `extern "C"` body sits behind (after rustls-ffi's
//! `ffi_panic_boundary!`): unwinding into C is undefined behaviour, so a panic
//! becomes `KFT_ERR_PANIC` with the panic's message as the last error.
//!
//! `ffi_boundary!` wraps a body that returns `FfiResult<()>` and yields the
//! `kft_result`; `ffi_value!` wraps accessors that return a value directly and
//! yields a stated fallback on panic.

use std::any::Any;

/// The text of a panic payload (`panic!("...")` gives a `&str` or a `String`).
pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".to_string()
    }
}

/// Run `$body` (a block evaluating to `FfiResult<()>`, where `?` works) with panics
/// caught; evaluate to `KFT_OK` or the error's code, recording the error as the
/// thread's last error.
macro_rules! ffi_boundary {
    ($body:block) => {{
        let run = || -> $crate::result::FfiResult<()> { $body };
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(run)) {
            Ok(Ok(())) => $crate::result::KFT_OK,
            Ok(Err(e)) => $crate::result::set_last_error(e),
            Err(payload) => $crate::result::set_last_error($crate::result::FfiError::panic(
                $crate::panic::payload_message(&*payload),
            )),
        }
    }};
}

/// Evaluate `$body` with panics caught; on a panic record `KFT_ERR_PANIC` as the
/// thread's last error and evaluate to `$fallback`.
macro_rules! ffi_value {
    ($fallback:expr, $body:expr) => {{
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(v) => v,
            Err(payload) => {
                $crate::result::set_last_error($crate::result::FfiError::panic($crate::panic::payload_message(
                    &*payload,
                )));
                $fallback
            }
        }
    }};
}

pub(crate) use ffi_boundary;
pub(crate) use ffi_value;

#[cfg(test)]
mod tests {
    use crate::result::{kft_last_error_code, FfiError, KFT_ERR_INVALID_ARG, KFT_ERR_PANIC, KFT_OK};

    fn boundary(panic: bool) -> i32 {
        ffi_boundary!({
            if panic {
                panic!("boom {}", 42);
            }
            Ok(())
        })
    }

    #[test]
    fn panics_become_codes() {
        assert_eq!(boundary(false), KFT_OK);
        assert_eq!(boundary(true), KFT_ERR_PANIC);
        assert_eq!(kft_last_error_code(), KFT_ERR_PANIC);
        let failed = ffi_boundary!({ Err(FfiError::invalid_arg("bad")) });
        assert_eq!(failed, KFT_ERR_INVALID_ARG);
        let v: i64 = ffi_value!(-1, if failed != 0 { panic!("static str") } else { 5 });
        assert_eq!(v, -1);
        assert_eq!(ffi_value!(-1, 7), 7);
    }
}
