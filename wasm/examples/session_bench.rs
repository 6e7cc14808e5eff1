//! How long the playground's engine takes for many records, natively: a tape of N sends
//! (one producer, four partitions, one consumer application committing after processing)
//! replayed whole, then stepped through by a `Session` (events, arrows and lag derived at every
//! step), then a step back from the end. Per-step costs must stay flat as N grows.
//!
//! `cargo run -p kafkette-wasm --release --example session_bench [N ...]` (default 1000 3000 9000).

use std::time::Instant;

use kafkette_wasm::engine::replay::Replayer;
use kafkette_wasm::engine::session::Session;
use kafkette_wasm::engine::tape::Tape;

fn tape(n: usize) -> Tape {
    let actions: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"at": {}, "op": "produce", "producer": "p", "topic": "t", "id": "m{i}", "key": "k{}"}}"#,
                i,
                i % 16
            )
        })
        .collect();
    let json = format!(
        r#"{{"version": 2, "seed": 1, "endMs": {},
            "config": {{"topics": [{{"name": "t", "partitions": 4}}],
                        "producers": [{{"name": "p", "config": {{"linger.ms": "5"}}}}],
                        "apps": [{{"name": "c", "kind": "consumer", "topics": ["t"], "config": {{"group.id": "g"}}}}]}},
            "actions": [{}]}}"#,
        n + 5_000,
        actions.join(",")
    );
    Tape::from_json(&json).expect("bench tape")
}

fn main() {
    let sizes: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() { vec![1_000, 3_000, 9_000] } else { sizes };
    for n in sizes {
        let t = tape(n);
        let start = Instant::now();
        let mut r = Replayer::run(t.clone()).expect("replay");
        let replay = start.elapsed();
        let processed: u32 = r.ledger().apps.iter().map(|a| a.processed).sum();

        let start = Instant::now();
        let mut s = Session::new(t).expect("session");
        while s.step_forward().expect("step") {}
        let stepped = start.elapsed();
        let steps = s.step();
        let start = Instant::now();
        let backs = 50;
        for _ in 0..backs {
            s.step_back().expect("back");
        }
        let back = start.elapsed() / backs;
        let start = Instant::now();
        let frame = s.frame();
        let frame_ms = start.elapsed();
        println!(
            "{n} records ({processed} processed): replay {:.0} ms; session {steps} steps in {:.0} ms ({:.1} us/step, {} events); stepBack {:.2} ms; frame {:.1} ms ({} arrows)",
            replay.as_secs_f64() * 1e3,
            stepped.as_secs_f64() * 1e3,
            stepped.as_secs_f64() * 1e6 / steps as f64,
            s.events(0).len(),
            back.as_secs_f64() * 1e3,
            frame_ms.as_secs_f64() * 1e3,
            frame.messages.len(),
        );
    }
}
