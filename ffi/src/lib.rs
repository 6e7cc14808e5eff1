//! The C face of kafkette: a C ABI with the `kft_` prefix over the core's
//! in-process broker and clients (`kafkette::local`), in librdkafka's concepts
//! with a small surface. `include/kafkette.h` is generated from these files by
//! a pinned cbindgen (`make ffi-header`), so the doc comments here are the C docs.
//!
//! Conventions every function follows:
//! - Functions that can fail return a `kft_result` (0 = `KFT_OK`); the failure's
//!   message is `kft_last_error()` on the same thread.
//! - Handles are opaque, created by `kft_<noun>_new(..., &out)` and freed by
//!   `kft_<noun>_destroy` (which ignores NULL). Every function states who owns
//!   what it takes and returns.
//! - NULL pointers and invalid UTF-8 give `KFT_ERR_NULL_POINTER` and
//!   `KFT_ERR_INVALID_UTF8`, never a crash; a panic inside kafkette is caught at
//!   the boundary and gives `KFT_ERR_PANIC`.
//! - Handles are thread-safe (calls on one handle are serialized); a handle must
//!   not be destroyed while another thread uses it.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

mod admin;
mod admin_cluster;
mod admin_list;
mod args;
mod cluster;
mod conf;
mod consumer;
mod consumer_commit;
mod consumer_group;
mod group_metadata;
mod message;
mod panic;
mod partition_list;
mod producer;
mod result;
mod transaction;

use std::ffi::c_char;

pub use admin::*;
pub use admin_cluster::*;
pub use admin_list::*;
pub use cluster::*;
pub use conf::*;
pub use consumer::*;
pub use consumer_commit::*;
pub use consumer_group::*;
pub use group_metadata::*;
pub use message::*;
pub use partition_list::*;
pub use producer::*;
pub use result::*;
pub use transaction::*;

/// The library's version (`"0.1.0"`). A static string; never fails.
#[no_mangle]
pub extern "C" fn kft_version() -> *const c_char {
    static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    VERSION.as_ptr().cast()
}
