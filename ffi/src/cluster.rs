//! `kft_cluster`: an in-process kafkette broker. Clients reach it by putting
//! `kft_cluster_bootstrap_servers` (`inproc://cluster-N`) in their
//! `bootstrap.servers`, exactly as they would name a remote Kafka cluster.

use std::ffi::{c_char, CString};

use kafkette::local::Cluster;

use crate::args::arg_out;
use crate::conf::{kft_conf, pairs_of};
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{c_string_lossy, kft_result};

/// An in-process broker. Opaque; create with `kft_cluster_new`, free with
/// `kft_cluster_destroy`. Thread-safe: clients in any thread may use it at once.
#[allow(non_camel_case_types)]
pub struct kft_cluster {
    // Held for its lifetime: the broker lives while this handle or any client does.
    _cluster: Cluster,
    bootstrap_servers: CString,
}

/// Start an in-process broker, configured by Kafka broker properties in
/// `broker_conf` (`num.partitions`, `log.retention.ms`, ...) or defaults for NULL.
///
/// Ownership: `broker_conf` is only read (the caller still owns it). On `KFT_OK`,
/// `*out` is a new cluster the caller owns and frees with `kft_cluster_destroy`.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER` (`out` NULL), or
/// `KFT_ERR_INVALID_CONFIG_LOCAL` (a key or value the broker rejects; the message names it).
///
/// # Safety
/// `broker_conf` is NULL or a live conf; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_new(broker_conf: *const kft_conf, out: *mut *mut kft_cluster) -> kft_result {
    ffi_boundary!({
        // SAFETY: out is NULL or writable, per the contract.
        let out = unsafe { arg_out(out, "out") }?;
        // SAFETY: broker_conf is NULL or live, per the contract.
        let pairs = unsafe { pairs_of(broker_conf) };
        let cluster = Cluster::with_config(pairs)?;
        let bootstrap_servers = c_string_lossy(cluster.bootstrap_servers());
        *out = Box::into_raw(Box::new(kft_cluster { _cluster: cluster, bootstrap_servers }));
        Ok(())
    })
}

/// What to set as `bootstrap.servers` for clients of this cluster (`"inproc://cluster-1"`),
/// or NULL if `cluster` is NULL.
///
/// Ownership: the string belongs to the cluster and lives until `kft_cluster_destroy`.
/// Thread-safe. Never fails.
///
/// # Safety
/// `cluster` is NULL or a live cluster.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_bootstrap_servers(cluster: *const kft_cluster) -> *const c_char {
    ffi_value!(std::ptr::null(), {
        // SAFETY: cluster is NULL or live, per the contract.
        unsafe { cluster.as_ref() }.map_or(std::ptr::null(), |c| c.bootstrap_servers.as_ptr())
    })
}

/// Release this handle on the broker. NULL is ignored. The broker itself stops
/// when the last client using it is destroyed too; clients created from it keep working.
///
/// # Safety
/// `cluster` is NULL or a live cluster from `kft_cluster_new`, not in use by another
/// thread and never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_destroy(cluster: *mut kft_cluster) {
    ffi_value!((), {
        if !cluster.is_null() {
            // SAFETY: cluster came from Box::into_raw in kft_cluster_new and is not used again.
            drop(unsafe { Box::from_raw(cluster) });
        }
    })
}
