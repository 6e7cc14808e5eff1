//! Checked conversions of C arguments: NULL pointers and invalid UTF-8 become
//! errors naming the argument, never crashes.

use std::ffi::{c_char, CStr};
use std::time::Duration;

use crate::result::{FfiError, FfiResult};

/// `&T` from a pointer that must not be NULL.
///
/// # Safety
/// `p` is NULL or points to a live `T` that nothing mutates during `'a`.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &str) -> FfiResult<&'a T> {
    // SAFETY: the caller promises p is NULL or valid; as_ref checks NULL.
    unsafe { p.as_ref() }.ok_or_else(|| FfiError::null(name))
}

/// `&mut T` for an out-parameter that must not be NULL.
///
/// # Safety
/// `p` is NULL or points to writable memory for a `T`, not aliased during `'a`.
pub(crate) unsafe fn arg_out<'a, T>(p: *mut T, name: &str) -> FfiResult<&'a mut T> {
    // SAFETY: the caller promises p is NULL or valid and unaliased; as_mut checks NULL.
    unsafe { p.as_mut() }.ok_or_else(|| FfiError::null(name))
}

/// A UTF-8 `&str` from a NUL-terminated C string that must not be NULL.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string alive and unchanged during `'a`.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(FfiError::null(name));
    }
    // SAFETY: p is non-NULL and the caller promises a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|e| FfiError::utf8(name, e))
}

/// Bytes from a pointer and a length: `None` for (NULL, 0), an error for NULL with a
/// length, the slice otherwise (empty for a non-NULL pointer and length 0).
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes alive and unchanged during `'a`.
pub(crate) unsafe fn arg_bytes<'a>(p: *const u8, len: usize, name: &str) -> FfiResult<Option<&'a [u8]>> {
    if p.is_null() {
        return if len == 0 {
            Ok(None)
        } else {
            Err(FfiError::invalid_arg(format!("argument `{name}` is NULL with a length of {len}")))
        };
    }
    if len > isize::MAX as usize {
        return Err(FfiError::invalid_arg(format!("argument `{name}` has an impossible length {len}")));
    }
    // SAFETY: p is non-NULL, len fits in isize, and the caller promises len readable bytes.
    Ok(Some(unsafe { std::slice::from_raw_parts(p, len) }))
}

/// A slice of `T` from a pointer and a count (NULL is allowed only with a count of 0).
///
/// # Safety
/// `p` is NULL or points to `count` initialized `T`s alive and unchanged during `'a`.
pub(crate) unsafe fn arg_slice<'a, T>(p: *const T, count: usize, name: &str) -> FfiResult<&'a [T]> {
    if count == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(FfiError::null(name));
    }
    if count.checked_mul(std::mem::size_of::<T>()).is_none_or(|n| n > isize::MAX as usize) {
        return Err(FfiError::invalid_arg(format!("argument `{name}` has an impossible count {count}")));
    }
    // SAFETY: p is non-NULL, the size fits in isize, and the caller promises count elements.
    Ok(unsafe { std::slice::from_raw_parts(p, count) })
}

/// A timeout in milliseconds as Kafka APIs take it: negative means no limit.
pub(crate) fn timeout_from_ms(ms: i32) -> Duration {
    if ms < 0 {
        kafkette::local::timeout_from_secs(-1.0)
    } else {
        Duration::from_millis(ms as u64)
    }
}
