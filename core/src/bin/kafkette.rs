//! The `kafkette` command line. `kafkette demo` starts an in-process broker,
//! produces keyed records and reads them back, printing where each landed.

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use kafkette::consumer::TopicPartition;
use kafkette::local::Cluster;
use kafkette::producer::{ProducerEvent, ProducerRecord};

const USAGE: &str = "usage: kafkette <command>

commands:
  demo       start an in-process broker, produce keyed records, consume them back
  version    print the version";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => match demo() {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kafkette demo: {e}");
                ExitCode::FAILURE
            }
        },
        Some("version" | "--version" | "-V") => {
            println!("kafkette {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Some("help" | "--help" | "-h") | None => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("kafkette: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn demo() -> kafkette::Result<()> {
    let cluster = Cluster::new();
    let mut admin = cluster.admin([("client.id", "demo-admin")])?;
    admin.create_topic("orders", 3, &[])?;
    println!("in-process broker up; topic `orders` with 3 partitions");

    let mut producer = cluster.producer([("client.id", "demo-producer"), ("linger.ms", "1")])?;
    let customers = ["alice", "bob", "carol", "dave"];
    for i in 0..12 {
        let customer = customers[i % customers.len()];
        producer.send(ProducerRecord {
            topic: "orders".into(),
            partition: None,
            key: Some(Bytes::from(customer)),
            value: Some(Bytes::from(format!("order #{i} for {customer}"))),
            headers: vec![],
            timestamp: None,
        })?;
    }
    producer.flush(Duration::from_secs(10))?;
    for ev in producer.take_events() {
        let ProducerEvent::Delivery { id, result } = ev;
        match result {
            Ok(md) => println!("delivered #{id:<2} -> {}[{}] @ offset {}", md.topic, md.partition, md.offset),
            Err(e) => println!("delivery #{id} failed: {e}"),
        }
    }

    let mut consumer = cluster.consumer([("client.id", "demo-consumer"), ("auto.offset.reset", "earliest")])?;
    consumer.assign((0..3).map(|p| (TopicPartition { topic: "orders".into(), partition: p }, None)).collect());
    let mut seen = 0;
    while seen < 12 {
        let records = consumer.poll(Duration::from_secs(5))?;
        if records.is_empty() {
            break;
        }
        for r in records {
            seen += 1;
            let key = r.key.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            let value = r.value.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            println!("consumed {}[{}] @ {:<2} key={key:<6} value={value}", r.topic, r.partition, r.offset);
        }
    }
    println!("consumed {seen} of 12 records: same key, same partition; offsets count per partition");
    Ok(())
}
