//! Lists of partitions crossing the boundary. Into the library they are arrays of
//! `kft_topic_partition` the caller owns (read during the call); out of it they are
//! arrays the library owns for the length of a callback (`CPartitions`) or a
//! `kft_partition_list` handle the caller frees (`kft_consumer_assignment`).

use std::ffi::CString;

use kafkette::consumer::TopicPartition;

use crate::args::{arg_ref, arg_slice, arg_str};
use crate::consumer::{kft_topic_partition, KFT_OFFSET_INVALID};
use crate::panic::ffi_value;
use crate::result::{c_string_lossy, FfiError, FfiResult};

/// A checked partition: non-empty topic, non-negative partition number.
pub(crate) fn topic_partition(topic: &str, partition: i32) -> FfiResult<TopicPartition> {
    if topic.is_empty() {
        return Err(FfiError::invalid_arg("the topic name is empty"));
    }
    if partition < 0 {
        return Err(FfiError::invalid_arg(format!("partition {partition} of `{topic}` is negative")));
    }
    Ok(TopicPartition::new(topic, partition))
}

/// The partitions and offsets of a C array, each checked (NULL or non-UTF-8 topics,
/// empty topics and negative partitions are errors naming the entry).
///
/// # Safety
/// `p` is NULL or points to `count` entries whose topics are NULL or NUL-terminated.
pub(crate) unsafe fn partitions_arg(
    p: *const kft_topic_partition,
    count: usize,
    name: &str,
) -> FfiResult<Vec<(TopicPartition, i64)>> {
    // SAFETY: p is NULL or valid for count entries, per the contract.
    let entries = unsafe { arg_slice(p, count, name) }?;
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        // SAFETY: each topic is NULL or NUL-terminated, per the contract.
        let topic = unsafe { arg_str(e.topic, &format!("{name}[{i}].topic")) }?;
        out.push((topic_partition(topic, e.partition)?, e.offset));
    }
    Ok(out)
}

/// Partitions laid out for C: the entries point into `names`, which lives as long as this.
pub(crate) struct CPartitions {
    entries: Vec<kft_topic_partition>,
    _names: Vec<CString>,
}

impl CPartitions {
    pub fn new(list: impl IntoIterator<Item = (TopicPartition, i64)>) -> CPartitions {
        let (names, parts): (Vec<CString>, Vec<(i32, i64)>) =
            list.into_iter().map(|(tp, o)| (c_string_lossy(&tp.topic), (tp.partition, o))).unzip();
        // A CString's buffer does not move when the Vec holding it does.
        let entries = names
            .iter()
            .zip(parts)
            .map(|(n, (partition, offset))| kft_topic_partition { topic: n.as_ptr(), partition, offset })
            .collect();
        CPartitions { entries, _names: names }
    }

    pub fn without_offsets(tps: Vec<TopicPartition>) -> CPartitions {
        CPartitions::new(tps.into_iter().map(|tp| (tp, KFT_OFFSET_INVALID)))
    }

    pub fn as_ptr(&self) -> *const kft_topic_partition {
        if self.entries.is_empty() {
            std::ptr::null()
        } else {
            self.entries.as_ptr()
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// A list of partitions the library made (`kft_consumer_assignment`). Opaque; read
/// with `kft_partition_list_count` and `kft_partition_list_get`, free with
/// `kft_partition_list_destroy`.
#[allow(non_camel_case_types)]
pub struct kft_partition_list {
    list: CPartitions,
}

impl kft_partition_list {
    pub(crate) fn boxed(list: CPartitions) -> *mut kft_partition_list {
        Box::into_raw(Box::new(kft_partition_list { list }))
    }
}

/// The number of entries in `list` (0 for NULL). Never fails.
///
/// # Safety
/// `list` is NULL or a live list.
#[no_mangle]
pub unsafe extern "C" fn kft_partition_list_count(list: *const kft_partition_list) -> usize {
    // SAFETY: list is NULL or live, per the contract.
    ffi_value!(0, unsafe { list.as_ref() }.map_or(0, |l| l.list.len()))
}

/// Entry `index` of `list` (topic, partition, and an offset where the call that made
/// the list says so, else `KFT_OFFSET_INVALID`), or NULL if `list` is NULL or `index`
/// is out of range (`kft_last_error` then says which).
///
/// Ownership: the entry and its topic string belong to the list and stay valid until
/// `kft_partition_list_destroy`. Never fails otherwise.
///
/// # Safety
/// `list` is NULL or a live list.
#[no_mangle]
pub unsafe extern "C" fn kft_partition_list_get(
    list: *const kft_partition_list,
    index: usize,
) -> *const kft_topic_partition {
    ffi_value!(std::ptr::null(), {
        // SAFETY: list is NULL or live, per the contract.
        let got =
            unsafe { arg_ref(list, "list") }.and_then(|l| {
                l.list.entries.get(index).map(|e| e as *const kft_topic_partition).ok_or_else(|| {
                    FfiError::invalid_arg(format!("index {index} is out of range (count {})", l.list.len()))
                })
            });
        got.unwrap_or_else(|e| {
            crate::result::set_last_error(e);
            std::ptr::null()
        })
    })
}

/// Free a list. NULL is ignored.
///
/// # Safety
/// `list` is NULL or a live list from this library, never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_partition_list_destroy(list: *mut kft_partition_list) {
    ffi_value!((), {
        if !list.is_null() {
            // SAFETY: list came from Box::into_raw in kft_partition_list::boxed and is not used again.
            drop(unsafe { Box::from_raw(list) });
        }
    })
}

/// An entry's topic as a Rust string.
#[cfg(test)]
pub(crate) fn topic_of(e: &kft_topic_partition) -> String {
    // SAFETY: tests only pass entries made by CPartitions, whose topics are NUL-terminated.
    unsafe { std::ffi::CStr::from_ptr(e.topic) }.to_string_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_partitions_point_at_their_names() {
        let l = CPartitions::new([(TopicPartition::new("a", 1), 5), (TopicPartition::new("bb", 0), -1001)]);
        assert_eq!(l.len(), 2);
        assert_eq!((topic_of(&l.entries[0]), l.entries[0].partition, l.entries[0].offset), ("a".into(), 1, 5));
        assert_eq!(topic_of(&l.entries[1]), "bb");
        assert!(CPartitions::without_offsets(Vec::new()).as_ptr().is_null());
    }
}
