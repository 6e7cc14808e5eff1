//! A `kft_consumer` in a consumer group (`group.id`): subscribe (topics, or
//! librdkafka's `^regex` patterns), the rebalance and offset-commit callbacks served
//! from `kft_consumer_poll` on the polling thread, unsubscribe and close.
//!
//! The group applies assignments itself (as the Java client's rebalance listener,
//! unlike librdkafka's rebalance_cb the callback need not call assign). With a
//! rebalance callback set, the core's revoke barrier is on: revoked partitions stay
//! assigned (paused) until the REVOKE callback returned, so it can commit them.

use std::ffi::{c_char, c_void};

use kafkette::consumer::{ConsumerEvent, TopicPartition};

use crate::args::{arg_ref, arg_slice, arg_str, timeout_from_ms};
use crate::consumer::{kft_consumer, kft_topic_partition};
use crate::panic::ffi_boundary;
use crate::partition_list::CPartitions;
use crate::result::{kft_result, set_last_error, FfiError, KFT_OK};

/// What a rebalance callback is told (`kft_rebalance_cb`'s `kind`).
#[allow(non_camel_case_types)]
pub type kft_rebalance_kind = i32;
/// The group gave these partitions to this consumer; they are assigned already
/// (with `cooperative-sticky`, only the new ones; possibly none).
pub const KFT_REBALANCE_ASSIGN: kft_rebalance_kind = 1;
/// These partitions are being taken away in an orderly way (rebalance, unsubscribe,
/// close): commit their positions now if auto-commit is off.
pub const KFT_REBALANCE_REVOKE: kft_rebalance_kind = 2;
/// These partitions were lost (session or poll interval expired, member fenced):
/// another member may own them already; committing for them fails.
pub const KFT_REBALANCE_LOST: kft_rebalance_kind = 3;

/// A rebalance callback, librdkafka's rebalance_cb: called on the thread calling
/// `kft_consumer_poll` (or `kft_consumer_close`) with the consumer's lock released.
/// `partitions` (offsets `KFT_OFFSET_INVALID`) is valid only during the call. It may
/// call `kft_consumer_commit`, `_seek`, `_position`, `_assignment`, `_pause`/`_resume`
/// on this consumer; it must not poll, close or destroy it.
#[allow(non_camel_case_types)]
pub type kft_rebalance_cb = Option<
    unsafe extern "C" fn(
        consumer: *mut kft_consumer,
        kind: kft_rebalance_kind,
        partitions: *const kft_topic_partition,
        count: usize,
        opaque: *mut c_void,
    ),
>;

/// An offset-commit callback, librdkafka's offset_commit_cb: the outcome of each
/// `kft_consumer_commit` (asynchronous ones included), called from `kft_consumer_poll`
/// on the polling thread. `error` is `KFT_OK` with the committed offsets in
/// `partitions` (valid only during the call), or the failure (its message is
/// `kft_last_error()` during the call) with no partitions.
#[allow(non_camel_case_types)]
pub type kft_offset_commit_cb = Option<
    unsafe extern "C" fn(
        consumer: *mut kft_consumer,
        error: kft_result,
        partitions: *const kft_topic_partition,
        count: usize,
        opaque: *mut c_void,
    ),
>;

type RebalanceFn =
    unsafe extern "C" fn(*mut kft_consumer, kft_rebalance_kind, *const kft_topic_partition, usize, *mut c_void);
type CommitFn = unsafe extern "C" fn(*mut kft_consumer, kft_result, *const kft_topic_partition, usize, *mut c_void);

/// The application's callbacks with their opaque pointers (kept as addresses).
#[derive(Clone, Copy, Default)]
pub(crate) struct Callbacks {
    pub rebalance: Option<(RebalanceFn, usize)>,
    pub commit: Option<(CommitFn, usize)>,
}

impl Callbacks {
    pub fn any(&self) -> bool {
        self.rebalance.is_some() || self.commit.is_some()
    }
}

/// Call the callbacks for the pending group events, one at a time with the lock
/// released; a revocation is acknowledged (the rebalance goes on) after its callback.
pub(crate) fn dispatch(consumer: &kft_consumer) {
    let ptr = consumer as *const kft_consumer as *mut kft_consumer;
    loop {
        let (event, cbs) = {
            let mut inner = consumer.lock();
            let Some(event) = inner.pending.pop_front() else { return };
            match &event {
                ConsumerEvent::Assigned(tps) => {
                    inner.announced.retain(|a| !tps.contains(a));
                    inner.announced.extend(tps.iter().cloned());
                }
                ConsumerEvent::Revoked(tps) | ConsumerEvent::Lost(tps) => inner.announced.retain(|a| !tps.contains(a)),
                _ => {}
            }
            (event, inner.callbacks)
        };
        let rebalance = |kind: kft_rebalance_kind, tps: Vec<TopicPartition>| {
            if let Some((cb, opaque)) = cbs.rebalance {
                let list = CPartitions::without_offsets(tps);
                // SAFETY: the application registered cb for these arguments; list outlives the call.
                unsafe { cb(ptr, kind, list.as_ptr(), list.len(), opaque as *mut c_void) };
            }
        };
        match event {
            ConsumerEvent::Assigned(tps) => rebalance(KFT_REBALANCE_ASSIGN, tps),
            ConsumerEvent::Revoked(tps) => {
                rebalance(KFT_REBALANCE_REVOKE, tps);
                consumer.lock().consumer.ack_revoke();
            }
            ConsumerEvent::Lost(tps) => rebalance(KFT_REBALANCE_LOST, tps),
            ConsumerEvent::CommitCompleted { result, .. } => {
                if let Some((cb, opaque)) = cbs.commit {
                    let (code, list) = match result {
                        Ok(done) => (KFT_OK, CPartitions::new(done)),
                        Err(e) => (set_last_error(e.into()), CPartitions::new(Vec::new())),
                    };
                    // SAFETY: the application registered cb for these arguments; list outlives the call.
                    unsafe { cb(ptr, code, list.as_ptr(), list.len(), opaque as *mut c_void) };
                }
            }
            _ => {}
        }
    }
}

/// Set (or with NULL, remove) the rebalance callback and its `opaque` pointer. With a
/// callback, a revocation waits for the REVOKE callback to return before the group
/// rebalance goes on, so that the callback can commit the revoked partitions.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or `KFT_ERR_DESTROYED` (closed).
/// Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `cb` is NULL or safe to call with `opaque` from
/// whichever thread polls.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_set_rebalance_cb(
    consumer: *mut kft_consumer,
    cb: kft_rebalance_cb,
    opaque: *mut c_void,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live, per the contract.
        let consumer = unsafe { arg_ref(consumer, "consumer") }?;
        let mut inner = consumer.lock();
        inner.live()?.set_revoke_barrier(cb.is_some());
        inner.callbacks.rebalance = cb.map(|f| (f, opaque as usize));
        Ok(())
    })
}

/// Set (or with NULL, remove) the offset-commit callback and its `opaque` pointer.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or `KFT_ERR_DESTROYED`. Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `cb` is NULL or safe to call with `opaque` from
/// whichever thread polls.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_set_offset_commit_cb(
    consumer: *mut kft_consumer,
    cb: kft_offset_commit_cb,
    opaque: *mut c_void,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live, per the contract.
        let consumer = unsafe { arg_ref(consumer, "consumer") }?;
        let mut inner = consumer.lock();
        inner.live()?;
        inner.callbacks.commit = cb.map(|f| (f, opaque as usize));
        Ok(())
    })
}

/// A regular expression matching a literal topic name exactly.
fn escape(topic: &str) -> String {
    let mut out = String::with_capacity(topic.len() + 4);
    for ch in topic.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Join the consumer group (`group.id`) for `count` topics, replacing the previous
/// subscription. As in librdkafka, an entry starting with `^` is a regular expression
/// matching whole topic names (topics created later join when they match). Partitions
/// arrive through the group as `kft_consumer_poll` runs (see the rebalance callback).
///
/// Ownership: the array and its strings are only read during the call.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER` (`consumer`, `topics`, or an entry),
/// `KFT_ERR_INVALID_UTF8`, `KFT_ERR_INVALID_ARG` (no topics: use
/// `kft_consumer_unsubscribe`; an empty name; a bad pattern), `KFT_ERR_INVALID_CONFIG_LOCAL`
/// (no `group.id`), `KFT_ERR_STATE` (partitions assigned by hand), or `KFT_ERR_DESTROYED`.
/// Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `topics` is NULL or points to `count` pointers, each NULL
/// or NUL-terminated.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_subscribe(
    consumer: *mut kft_consumer,
    topics: *const *const c_char,
    count: usize,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live and topics NULL or valid for count, per the contract.
        let (consumer, entries) = unsafe { (arg_ref(consumer, "consumer")?, arg_slice(topics, count, "topics")?) };
        if entries.is_empty() {
            return Err(FfiError::invalid_arg(
                "subscribe needs at least one topic (kft_consumer_unsubscribe leaves the group)",
            ));
        }
        let mut names = Vec::with_capacity(entries.len());
        for (i, t) in entries.iter().enumerate() {
            // SAFETY: each entry is NULL or NUL-terminated, per the contract.
            let name = unsafe { arg_str(*t, &format!("topics[{i}]")) }?;
            if name.is_empty() {
                return Err(FfiError::invalid_arg(format!("topics[{i}] is empty")));
            }
            names.push(name);
        }
        let mut inner = consumer.lock();
        let core = inner.live()?;
        if names.iter().any(|n| n.starts_with('^')) {
            let alternatives: Vec<String> = names
                .iter()
                .map(|n| if n.starts_with('^') { format!("(?:{n})") } else { format!("(?:{})", escape(n)) })
                .collect();
            core.subscribe_pattern(&alternatives.join("|"))?;
        } else {
            core.subscribe(&names)?;
        }
        Ok(())
    })
}

/// Leave the subscription: every partition is revoked (the REVOKE callback comes from
/// the next `kft_consumer_poll`) and the member leaves the group.
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or `KFT_ERR_DESTROYED`. Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_unsubscribe(consumer: *mut kft_consumer) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live, per the contract.
        let consumer = unsafe { arg_ref(consumer, "consumer") }?;
        consumer.lock().live()?.unsubscribe();
        Ok(())
    })
}

/// Close the consumer, librdkafka's `rd_kafka_consumer_close`: callbacks still due run,
/// then the REVOKE callback for the partitions it was told are assigned (on this thread);
/// with `enable.auto.commit` the positions are committed, and the member leaves its
/// group (LeaveGroup), waiting up to
/// `timeout_ms` (negative: no limit) for the answers. Afterwards every call but
/// `kft_consumer_destroy` fails with `KFT_ERR_DESTROYED`; closing twice is `KFT_OK`.
/// Without `close`, destroying a group member is a crash to its group (the others
/// take its partitions over when its session times out).
/// Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`, or `KFT_ERR_TIMED_OUT` (closed anyway).
/// Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_close(consumer: *mut kft_consumer, timeout_ms: i32) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live, per the contract.
        let consumer = unsafe { arg_ref(consumer, "consumer") }?;
        {
            let mut inner = consumer.lock();
            if inner.closed {
                return Ok(());
            }
            inner.take_events();
        }
        // Events still waiting are served first, then the final revocation of what the
        // callback was told it owns (what it was not told about, it need not hear of).
        dispatch(consumer);
        let announced = std::mem::take(&mut consumer.lock().announced);
        if !announced.is_empty() {
            consumer.lock().pending.push_back(ConsumerEvent::Revoked(announced));
            dispatch(consumer);
        }
        let mut inner = consumer.lock();
        inner.consumer.set_revoke_barrier(false);
        let closed = inner.consumer.close(timeout_from_ms(timeout_ms));
        inner.consumer.take_events();
        inner.pending.clear();
        inner.closed = true;
        closed?;
        Ok(())
    })
}
