//! `kft_cluster`: an in-process kafkette broker. Clients reach it by putting
//! `kft_cluster_bootstrap_servers` (`inproc://cluster-N`) in their
//! `bootstrap.servers`, exactly as they would name a remote Kafka cluster. With
//! `kft_cluster_listen` it also serves TCP, and that name becomes `127.0.0.1:PORT`.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use kafkette::local::Cluster;

use crate::args::{arg_out, arg_ref, arg_str};
use crate::conf::{kft_conf, pairs_of};
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{c_string_lossy, kft_result};

/// An in-process broker. Opaque; create with `kft_cluster_new`, free with
/// `kft_cluster_destroy`. Thread-safe: clients in any thread may use it at once.
#[allow(non_camel_case_types)]
pub struct kft_cluster {
    // Held for its lifetime: the broker lives while this handle or any client does.
    cluster: Cluster,
    inproc_name: CString,
    /// Set once by `kft_cluster_listen`; both strings live until `kft_cluster_destroy`, so a
    /// pointer handed out before listening stays valid.
    tcp_addr: OnceLock<CString>,
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
        let inproc_name = c_string_lossy(cluster.inproc_name());
        *out = Box::into_raw(Box::new(kft_cluster { cluster, inproc_name, tcp_addr: OnceLock::new() }));
        Ok(())
    })
}

/// Also serve the cluster over TCP on `addr` (`"127.0.0.1:0"` for an ephemeral port), from a
/// thread of its own, so that any Kafka client (librdkafka, the Java client, ...) can connect.
/// TCP and in-process clients share the broker: topics, records, waiting fetches. Afterwards
/// `kft_cluster_bootstrap_servers` gives the TCP address (`"127.0.0.1:PORT"`); the listener and
/// its connections stop at `kft_cluster_destroy`. A cluster listens once.
///
/// Ownership: `addr` is only read. On `KFT_OK`, `*bootstrap_servers_out` (if not NULL) is the
/// TCP address, owned by the cluster and valid until `kft_cluster_destroy`. Thread-safe.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER` (`cluster` or `addr` NULL), `KFT_ERR_INVALID_UTF8`,
/// `KFT_ERR_INVALID_ARG` (`addr` is not `host:port`), `KFT_ERR_IO` (the address cannot be bound:
/// in use, unknown host) or `KFT_ERR_STATE` (the cluster already listens); the message says which.
///
/// # Safety
/// `cluster` is NULL or a live cluster; `addr` is NULL or a NUL-terminated string;
/// `bootstrap_servers_out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_listen(
    cluster: *const kft_cluster,
    addr: *const c_char,
    bootstrap_servers_out: *mut *const c_char,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: cluster is NULL or live, per the contract.
        let c = unsafe { arg_ref(cluster, "cluster") }?;
        // SAFETY: addr is NULL or NUL-terminated, per the contract.
        let addr = unsafe { arg_str(addr, "addr") }?;
        c.cluster.listen(addr)?;
        let tcp = c.tcp_addr.get_or_init(|| c_string_lossy(c.cluster.bootstrap_servers()));
        // SAFETY: bootstrap_servers_out is NULL or writable, per the contract.
        if let Some(out) = unsafe { bootstrap_servers_out.as_mut() } {
            *out = tcp.as_ptr();
        }
        Ok(())
    })
}

/// What to set as `bootstrap.servers` for clients of this cluster: `"inproc://cluster-1"`, or
/// `"127.0.0.1:PORT"` after `kft_cluster_listen`; NULL if `cluster` is NULL.
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
        unsafe { cluster.as_ref() }.map_or(std::ptr::null(), |c| c.tcp_addr.get().unwrap_or(&c.inproc_name).as_ptr())
    })
}

/// The cluster's in-process name (`"inproc://cluster-1"`), which reaches it without TCP whether
/// it listens or not; NULL if `cluster` is NULL.
///
/// Ownership: the string belongs to the cluster and lives until `kft_cluster_destroy`.
/// Thread-safe. Never fails.
///
/// # Safety
/// `cluster` is NULL or a live cluster.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_inproc_name(cluster: *const kft_cluster) -> *const c_char {
    ffi_value!(std::ptr::null(), {
        // SAFETY: cluster is NULL or live, per the contract.
        unsafe { cluster.as_ref() }.map_or(std::ptr::null(), |c| c.inproc_name.as_ptr())
    })
}

/// Release this handle on the broker and stop its TCP listener (closing the TCP
/// connections). NULL is ignored. The broker itself stops when the last client using
/// it is destroyed too; in-process clients created from it keep working.
///
/// # Safety
/// `cluster` is NULL or a live cluster from `kft_cluster_new`, not in use by another
/// thread and never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_cluster_destroy(cluster: *mut kft_cluster) {
    ffi_value!((), {
        if !cluster.is_null() {
            // SAFETY: cluster came from Box::into_raw in kft_cluster_new and is not used again.
            let c = unsafe { Box::from_raw(cluster) };
            c.cluster.close_listener();
            drop(c);
        }
    })
}
