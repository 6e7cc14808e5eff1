//! `kft_conf`: a list of Kafka configuration properties (`bootstrap.servers`,
//! `acks`, `auto.offset.reset`, broker keys such as `num.partitions`) that a
//! cluster, producer, consumer or admin client is created from.
//!
//! Keys are checked twice. `kft_conf_set` rejects at once a key that no client
//! and no broker knows (a typo), naming it. The values, and keys that exist but
//! not for the kind of client being created (`group.id` given to a producer), are
//! checked by the core when the client is created, again naming the key.

use std::ffi::c_char;
use std::sync::Mutex;

use kafkette::broker::BrokerConfig;
use kafkette::config::{unknown_key, AdminConfig, ConsumerConfig, ProducerConfig};
use kafkette::Error;

use crate::args::{arg_out, arg_ref, arg_str};
use crate::panic::ffi_boundary;
use crate::result::{kft_result, FfiError, FfiResult};

/// A configuration: key/value properties, later values replacing earlier ones.
/// Opaque; create with `kft_conf_new`, free with `kft_conf_destroy`.
#[allow(non_camel_case_types)]
pub struct kft_conf {
    pairs: Mutex<Vec<(String, String)>>,
}

impl kft_conf {
    /// The properties in the order they were first set.
    pub(crate) fn pairs(&self) -> Vec<(String, String)> {
        self.pairs.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// The properties of an optional conf (none for NULL).
///
/// # Safety
/// `conf` is NULL or a live `kft_conf`.
pub(crate) unsafe fn pairs_of(conf: *const kft_conf) -> Vec<(String, String)> {
    // SAFETY: the caller promises conf is NULL or live.
    unsafe { conf.as_ref() }.map(kft_conf::pairs).unwrap_or_default()
}

/// The properties of a conf that must not be NULL.
///
/// # Safety
/// `conf` is NULL or a live `kft_conf`.
pub(crate) unsafe fn required_pairs(conf: *const kft_conf) -> FfiResult<Vec<(String, String)>> {
    // SAFETY: the caller promises conf is NULL or live.
    Ok(unsafe { arg_ref(conf, "conf") }?.pairs())
}

/// Whether some client or the broker knows `key` (whatever it thinks of `value`).
fn known_somewhere(key: &str, value: &str) -> bool {
    let unknown_client = unknown_key(key);
    let unknown_broker = Error::config(key, "unknown broker configuration key");
    let pair = [(key, value)];
    let verdicts = [
        ProducerConfig::from_pairs(pair).err(),
        ConsumerConfig::from_pairs(pair).err(),
        AdminConfig::from_pairs(pair).err(),
        BrokerConfig::from_pairs(pair).err(),
    ];
    verdicts.iter().any(|v| v.as_ref().is_none_or(|e| *e != unknown_client && *e != unknown_broker))
}

/// Create an empty configuration.
///
/// Ownership: on `KFT_OK`, `*out` is a new conf the caller owns and frees with
/// `kft_conf_destroy`; on failure `*out` is left unchanged.
/// Returns `KFT_OK`, or `KFT_ERR_NULL_POINTER` if `out` is NULL.
///
/// # Safety
/// `out` is NULL or points to writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_conf_new(out: *mut *mut kft_conf) -> kft_result {
    ffi_boundary!({
        // SAFETY: out is NULL or writable, per the contract.
        let out = unsafe { arg_out(out, "out") }?;
        *out = Box::into_raw(Box::new(kft_conf { pairs: Mutex::new(Vec::new()) }));
        Ok(())
    })
}

/// Set property `key` to `value` (both NUL-terminated UTF-8), replacing an earlier value.
///
/// A key no client and no broker knows fails here; other problems (a bad value, a
/// key the created client does not take) fail when the client is created. Both
/// messages (`kft_last_error`) name the key. The strings are copied.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER` (a NULL argument),
/// `KFT_ERR_INVALID_UTF8`, or `KFT_ERR_INVALID_CONFIG_LOCAL` (an unknown or empty key).
/// Thread-safe (calls on one conf are serialized).
///
/// # Safety
/// `conf` is NULL or a live conf; `key` and `value` are NULL or NUL-terminated strings.
#[no_mangle]
pub unsafe extern "C" fn kft_conf_set(conf: *mut kft_conf, key: *const c_char, value: *const c_char) -> kft_result {
    ffi_boundary!({
        // SAFETY: each pointer is NULL or valid, per the contract.
        let (conf, key, value) = unsafe { (arg_ref(conf, "conf")?, arg_str(key, "key")?, arg_str(value, "value")?) };
        if key.trim().is_empty() {
            return Err(Error::config(key, "the key is empty").into());
        }
        if !known_somewhere(key, value) {
            return Err(FfiError::from(unknown_key(key)));
        }
        let mut pairs = conf.pairs.lock().unwrap_or_else(|p| p.into_inner());
        match pairs.iter_mut().find(|(k, _)| k == key) {
            Some(pair) => pair.1 = value.to_string(),
            None => pairs.push((key.to_string(), value.to_string())),
        }
        Ok(())
    })
}

/// Free a configuration. NULL is ignored. Clients created from it keep their own
/// copy, so it may be destroyed right after `kft_*_new`.
///
/// # Safety
/// `conf` is NULL or a live conf from `kft_conf_new`, not used by another thread and
/// never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_conf_destroy(conf: *mut kft_conf) {
    crate::panic::ffi_value!((), {
        if !conf.is_null() {
            // SAFETY: conf came from Box::into_raw in kft_conf_new and is not used again.
            drop(unsafe { Box::from_raw(conf) });
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_are_unknown_everywhere_and_real_keys_are_known() {
        for key in ["acks", "group.id", "bootstrap.servers", "num.partitions", "auto.offset.reset", "linger.ms"] {
            assert!(known_somewhere(key, "nonsense-value"), "{key}");
        }
        for key in ["ackz", "bootstrap.server", "colour"] {
            assert!(!known_somewhere(key, "1"), "{key}");
        }
    }
}
