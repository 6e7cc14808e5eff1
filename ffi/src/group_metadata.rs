//! `kft_group_metadata`: a consumer's group membership (group id, generation, member
//! id) as a transactional producer's `kft_producer_send_offsets_to_transaction` needs
//! it (KIP-447), librdkafka's `rd_kafka_consumer_group_metadata_t`.

use std::ffi::{c_char, CString};

use kafkette::client::ConsumerGroupMetadata;
use kafkette::Error;

use crate::args::{arg_out, arg_ref, arg_str};
use crate::consumer::kft_consumer;
use crate::panic::{ffi_boundary, ffi_value};
use crate::result::{c_string_lossy, kft_result, FfiError};

/// A consumer group's metadata. Opaque; made by `kft_consumer_group_metadata` or
/// `kft_group_metadata_new`, freed with `kft_group_metadata_destroy`. Immutable, so
/// any thread may read it.
#[allow(non_camel_case_types)]
pub struct kft_group_metadata {
    pub(crate) metadata: ConsumerGroupMetadata,
    group_id: CString,
    member_id: CString,
}

impl kft_group_metadata {
    fn boxed(metadata: ConsumerGroupMetadata) -> *mut kft_group_metadata {
        let group_id = c_string_lossy(&metadata.group_id);
        let member_id = c_string_lossy(&metadata.member_id);
        Box::into_raw(Box::new(kft_group_metadata { metadata, group_id, member_id }))
    }
}

/// The group metadata of a consumer with a `group.id`, as of now (call it after the
/// records whose offsets go into the transaction were polled, so the generation is
/// the one that owns them).
///
/// Ownership: on `KFT_OK`, `*out` is new and the caller frees it with
/// `kft_group_metadata_destroy`. Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`,
/// `KFT_ERR_INVALID_CONFIG_LOCAL` (the consumer has no `group.id`), or
/// `KFT_ERR_DESTROYED`. Thread-safe.
///
/// # Safety
/// `consumer` is NULL or live; `out` is NULL or writable storage for a pointer.
#[no_mangle]
pub unsafe extern "C" fn kft_consumer_group_metadata(
    consumer: *mut kft_consumer,
    out: *mut *mut kft_group_metadata,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: consumer is NULL or live and out NULL or writable, per the contract.
        let (consumer, out) = unsafe { (arg_ref(consumer, "consumer")?, arg_out(out, "out")?) };
        let metadata = consumer
            .lock()
            .live()?
            .group_metadata()
            .ok_or_else(|| Error::config("group.id", "is needed for the consumer group metadata"))?;
        *out = kft_group_metadata::boxed(metadata);
        Ok(())
    })
}

/// Metadata naming only a group (generation -1, no member id): offsets sent with it
/// are committed without the generation check, as librdkafka's
/// `rd_kafka_consumer_group_metadata_new`.
///
/// Ownership: `group_id` is copied; on `KFT_OK` `*out` is new and the caller frees it
/// with `kft_group_metadata_destroy`. Returns `KFT_OK`, `KFT_ERR_NULL_POINTER`,
/// `KFT_ERR_INVALID_UTF8`, or `KFT_ERR_INVALID_ARG` (an empty group id).
///
/// # Safety
/// `group_id` is NULL or NUL-terminated; `out` is NULL or writable.
#[no_mangle]
pub unsafe extern "C" fn kft_group_metadata_new(
    group_id: *const c_char,
    out: *mut *mut kft_group_metadata,
) -> kft_result {
    ffi_boundary!({
        // SAFETY: group_id is NULL or NUL-terminated and out NULL or writable, per the contract.
        let (group_id, out) = unsafe { (arg_str(group_id, "group_id")?, arg_out(out, "out")?) };
        if group_id.is_empty() {
            return Err(FfiError::invalid_arg("the group id is empty"));
        }
        *out = kft_group_metadata::boxed(ConsumerGroupMetadata::new(group_id));
        Ok(())
    })
}

/// The group id, or "" for NULL. Owned by the metadata (valid until it is destroyed).
///
/// # Safety
/// `md` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_group_metadata_group_id(md: *const kft_group_metadata) -> *const c_char {
    // SAFETY: md is NULL or live, per the contract.
    ffi_value!(c"".as_ptr(), unsafe { md.as_ref() }.map_or(c"".as_ptr(), |m| m.group_id.as_ptr()))
}

/// The member id ("" when not a member, or for NULL). Owned by the metadata.
///
/// # Safety
/// `md` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_group_metadata_member_id(md: *const kft_group_metadata) -> *const c_char {
    // SAFETY: md is NULL or live, per the contract.
    ffi_value!(c"".as_ptr(), unsafe { md.as_ref() }.map_or(c"".as_ptr(), |m| m.member_id.as_ptr()))
}

/// The generation the member is in (-1 when not a member, or for NULL).
///
/// # Safety
/// `md` is NULL or live.
#[no_mangle]
pub unsafe extern "C" fn kft_group_metadata_generation_id(md: *const kft_group_metadata) -> i32 {
    // SAFETY: md is NULL or live, per the contract.
    ffi_value!(-1, unsafe { md.as_ref() }.map_or(-1, |m| m.metadata.generation_id))
}

/// Free group metadata. NULL is ignored.
///
/// # Safety
/// `md` is NULL or live metadata from this library, never used again after this call.
#[no_mangle]
pub unsafe extern "C" fn kft_group_metadata_destroy(md: *mut kft_group_metadata) {
    ffi_value!((), {
        if !md.is_null() {
            // SAFETY: md came from Box::into_raw in kft_group_metadata::boxed and is not used again.
            drop(unsafe { Box::from_raw(md) });
        }
    })
}

/// `md` as a reference for other modules, NULL an error naming `name`.
///
/// # Safety
/// `md` is NULL or live during `'a`.
pub(crate) unsafe fn metadata_arg<'a>(
    md: *const kft_group_metadata,
    name: &str,
) -> crate::result::FfiResult<&'a ConsumerGroupMetadata> {
    // SAFETY: md is NULL or live, per the contract.
    Ok(&unsafe { arg_ref(md, name) }?.metadata)
}
