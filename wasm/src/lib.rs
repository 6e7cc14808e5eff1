//! kafkette for WebAssembly: the API the playground drives.
//!
//! Placeholder until the simulation driver lands in the core: it proves the
//! pipeline (core compiled for wasm32, wasm-bindgen glue, loaded from Node).

use wasm_bindgen::prelude::*;

/// The Java client's default partition for `key` (murmur2, positive-masked).
#[wasm_bindgen(js_name = partitionForKey)]
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    kafkette::producer::partitioner::partition_for_key(key, num_partitions)
}
