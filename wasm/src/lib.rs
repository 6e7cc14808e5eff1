//! kafkette for WebAssembly: the simulation API the playground drives.
//!
//! `Simulation` (simulation.rs) wraps the core's simulation driver: the real broker and
//! clients under a virtual clock, advanced only when the page asks. Its state crosses to
//! JavaScript as one JSON-compatible snapshot (snapshot.rs). No tokio, no sockets, no
//! clock: every call is synchronous and deterministic for a given seed and call sequence.
//! A panic aborts the module and surfaces in JavaScript as a `RuntimeError`; expected
//! failures (bad configuration, unknown node) are thrown as `Error`s.

pub mod engine;
pub mod simulation;
pub mod snapshot;

use wasm_bindgen::prelude::*;

pub use simulation::JsSimulation;

/// The Java client's default partition for `key` (murmur2, positive-masked).
#[wasm_bindgen(js_name = partitionForKey)]
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    kafkette::producer::partitioner::partition_for_key(key, num_partitions)
}
