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

use kafkette::Error;
use serde::Serialize;
use wasm_bindgen::prelude::*;

pub use simulation::JsSimulation;

/// A kafkette error as a JavaScript `Error` with `code` (the Kafka error name), `retriable`,
/// `fatal` and `txnRequiresAbort`.
pub(crate) fn js_error(e: Error) -> JsValue {
    let js = js_sys::Error::new(&e.to_string());
    let set = |k: &str, v: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = js_sys::Reflect::set(&js, &k.into(), &v);
    };
    set("code", e.code().name().into());
    set("retriable", e.is_retriable().into());
    set("fatal", e.is_fatal().into());
    set("txnRequiresAbort", e.txn_requires_abort().into());
    js.into()
}

/// Objects rather than Maps, numbers rather than BigInts (everything crossing is below 2^53);
/// `what` names the value in the (internal) error if it cannot be serialised.
pub(crate) fn to_js<T: Serialize>(v: &T, what: &str) -> Result<JsValue, JsValue> {
    v.serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_error(Error::internal(format!("{what}: {e}"))))
}

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
