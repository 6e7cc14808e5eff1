//! The native half of the npm package `kafkette`: thin napi-rs wrappers over the
//! core's blocking in-process clients (`kafkette::local`). The KafkaJS-shaped API,
//! argument checking and the error classes live in `node/lib/*.js`.
//!
//! Every call that may wait (send and flush, poll, admin requests, and anything
//! that takes a client's lock, which a poll may hold) runs as an `AsyncTask` on
//! libuv's thread pool, so the JavaScript thread never blocks. Errors cross as a
//! napi error whose reason `error.rs` encodes and `lib/errors.js` decodes.

mod admin;
mod admin_cluster;
mod admin_groups;
mod cluster;
mod consumer;
mod consumer_group;
mod error;
mod producer;
mod producer_txn;
mod task;

use kafkette::error::{Error, Result};

/// Configuration from JavaScript: `[[key, value], ...]` in order (later pairs win).
pub(crate) fn config_pairs(pairs: Vec<Vec<String>>) -> Result<Vec<(String, String)>> {
    pairs
        .into_iter()
        .map(|p| match <[String; 2]>::try_from(p) {
            Ok([k, v]) => Ok((k, v)),
            Err(p) => Err(Error::invalid_arg(format!("configuration entries are [key, value] pairs, got {p:?}"))),
        })
        .collect()
}
