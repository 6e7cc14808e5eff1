//! The `kafkette` command line. `kafkette serve` runs a broker on TCP (the Kafka wire
//! protocol); `kafkette demo` starts an in-process broker, produces keyed records and reads
//! them back, printing where each landed.

#[cfg(not(target_arch = "wasm32"))]
#[path = "kafkette/groups.rs"]
mod groups;

use std::process::ExitCode;
use std::time::Duration;

use bytes::Bytes;
use kafkette::consumer::TopicPartition;
use kafkette::local::Cluster;
use kafkette::producer::{ProducerEvent, ProducerRecord};

const USAGE: &str = "usage: kafkette <command>

commands:
  serve      run a broker speaking the Kafka protocol on TCP until SIGINT or SIGTERM
             --listen HOST:PORT       address to listen on (default 127.0.0.1:9092)
             --brokers N              N brokers (nodes) in one process on ports PORT.. PORT+N-1
                                      (each ephemeral for port 0), partition leaders spread
             --advertised-host HOST   host that Metadata tells clients (default: the listen host)
             --config KEY=VALUE       broker configuration, Kafka's names (repeatable)
  groups     list, describe (with lag), reset and delete consumer groups, as kafka-consumer-groups
             (`kafkette groups --help`)
  demo       start an in-process broker, produce keyed records, consume them back
  version    print the version";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        #[cfg(not(target_arch = "wasm32"))]
        Some("serve") => match serve(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kafkette serve: {e}");
                ExitCode::FAILURE
            }
        },
        #[cfg(not(target_arch = "wasm32"))]
        Some("groups") if args.iter().skip(1).any(|a| a == "--help" || a == "-h") => {
            println!("{}", groups::USAGE);
            ExitCode::SUCCESS
        }
        #[cfg(not(target_arch = "wasm32"))]
        Some("groups") => match groups::run(&args[1..]) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("kafkette groups: {e}");
                ExitCode::FAILURE
            }
        },
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

/// `kafkette serve [--listen ADDR] [--advertised-host HOST] [--config KEY=VALUE]...`
#[cfg(not(target_arch = "wasm32"))]
fn serve(args: &[String]) -> Result<(), String> {
    let mut listen = "127.0.0.1:9092".to_string();
    let mut advertised_host = None;
    let mut brokers: u16 = 1;
    let mut pairs = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || inline.clone().or_else(|| it.next().cloned()).ok_or(format!("{flag} needs a value"));
        match flag {
            "--listen" => listen = value()?,
            "--advertised-host" => advertised_host = Some(value()?),
            "--brokers" => {
                let v = value()?;
                brokers = v
                    .parse()
                    .ok()
                    .filter(|n| (1..=64).contains(n))
                    .ok_or(format!("--brokers expects 1..=64, got {v:?}"))?;
            }
            "--config" => {
                let v = value()?;
                let (k, v) = v.split_once('=').ok_or(format!("--config expects KEY=VALUE, got {v:?}"))?;
                pairs.push((k.trim().to_string(), v.to_string()));
            }
            _ => return Err(format!("unknown option `{arg}`\n\n{USAGE}")),
        }
    }
    let config = kafkette::broker::BrokerConfig::from_pairs(pairs).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        use kafkette::net::server::{node_addrs, Server};
        let first = tokio::net::lookup_host(listen.as_str())
            .await
            .ok()
            .and_then(|mut addrs| addrs.next())
            .ok_or(format!("cannot resolve --listen {listen:?}"))?;
        let server = Server::bind_nodes(config, &node_addrs(first, brokers), advertised_host)
            .await
            .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
        let addrs = server.local_addrs().map_err(|e| e.to_string())?;
        let addrs = addrs.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ");
        eprintln!("kafkette {} serving the Kafka protocol on {addrs}", env!("CARGO_PKG_VERSION"));
        server.run(shutdown_signal()).await.map_err(|e| e.to_string())?;
        eprintln!("kafkette: shut down");
        Ok(())
    })
}

/// Completes on SIGINT or SIGTERM.
#[cfg(not(target_arch = "wasm32"))]
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
