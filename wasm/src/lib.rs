//! kafkette for WebAssembly: the simulation API the playground drives.
//!
//! `Simulation` (simulation.rs) wraps the core's simulation driver: the real broker and
//! clients under a virtual clock, advanced only when the page asks. Its state crosses to
//! JavaScript as one JSON-compatible snapshot (snapshot.rs). No tokio, no sockets, no
//! clock: every call is synchronous and deterministic for a given seed and call sequence.
//! A panic aborts the module and surfaces in JavaScript as a `RuntimeError`; expected
//! failures (bad configuration, unknown node) are thrown as `Error`s.

pub mod engine;
pub mod lessons_js;
pub mod session_js;
pub mod simulation;
pub mod snapshot;

use wasm_bindgen::prelude::*;

pub use simulation::JsSimulation;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Runs when the module is instantiated. A panic aborts the module, which JavaScript sees
/// only as `RuntimeError: unreachable`; print the panic's message and place first.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| console_error(&format!("kafkette panicked: {info}"))));
}

/// For the Node tests of the panic path; not part of the API.
#[doc(hidden)]
#[wasm_bindgen(js_name = __panicForTest)]
pub fn panic_for_test() {
    panic!("deliberately");
}

/// The Java client's default partition for `key` (murmur2, positive-masked).
#[wasm_bindgen(js_name = partitionForKey)]
pub fn partition_for_key(key: &[u8], num_partitions: i32) -> i32 {
    kafkette::producer::partitioner::partition_for_key(key, num_partitions)
}
