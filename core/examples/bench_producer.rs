//! The producer state machine alone: `send` → batches → Produce requests answered
//! at once with synthetic acks (no broker), as a driver would loop. Prints records
//! per second (median of the runs). The budget for the whole in-process path is
//! 2 million 100-byte records per second on one core; this is the producer's share.
//!
//! `cargo run --release -p kafkette --example bench_producer -- [records] [runs] [partitions]`

use std::time::Instant;

use bytes::Bytes;
use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{BrokerId, MetadataResponse, ProduceResponse, RequestKind, ResponseKind, TopicName};
use kafka_protocol::protocol::StrBytes;
use kafkette::client::ClientMachine;
use kafkette::config::ProducerConfig;
use kafkette::producer::{Producer, ProducerEvent, ProducerRecord};

fn metadata(partitions: i32) -> MetadataResponse {
    MetadataResponse::default()
        .with_brokers(vec![MetadataResponseBroker::default()
            .with_node_id(BrokerId(1))
            .with_host(StrBytes::from_string("localhost".into()))
            .with_port(9092)])
        .with_topics(vec![MetadataResponseTopic::default()
            .with_name(Some(TopicName(StrBytes::from_string("bench".into()))))
            .with_partitions(
                (0..partitions)
                    .map(|i| MetadataResponsePartition::default().with_partition_index(i).with_leader_id(BrokerId(1)))
                    .collect(),
            )])
}

/// Answers every transmit at once; returns the number of records acknowledged.
fn pump(p: &mut Producer, now: i64, partitions: i32, next_offset: &mut i64) {
    while let Some(tx) = p.poll_transmit(now) {
        let body = match tx.body {
            RequestKind::Metadata(_) => ResponseKind::Metadata(metadata(partitions)),
            RequestKind::Produce(req) => {
                let responses = req
                    .topic_data
                    .iter()
                    .map(|t| {
                        TopicProduceResponse::default().with_name(t.name.clone()).with_partition_responses(
                            t.partition_data
                                .iter()
                                .map(|d| {
                                    let base = *next_offset;
                                    *next_offset += 1_000;
                                    PartitionProduceResponse::default()
                                        .with_index(d.index)
                                        .with_base_offset(base)
                                        .with_log_append_time_ms(-1)
                                })
                                .collect(),
                        )
                    })
                    .collect();
                ResponseKind::Produce(ProduceResponse::default().with_responses(responses))
            }
            other => panic!("unexpected {other:?}"),
        };
        if tx.expects_response {
            p.handle_response(tx.broker, tx.correlation_id, body, now);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let records: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let partitions: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let value = Bytes::from(vec![b'x'; 100]);
    let mut rates = Vec::new();
    for run in 0..runs {
        let config = ProducerConfig::from_pairs([("linger.ms", "5"), ("batch.size", "65536"), ("acks", "1")]).unwrap();
        let mut p = Producer::new(config, 0).unwrap();
        let topic = "bench".to_string();
        let mut next_offset = 0;
        let mut delivered = 0u64;
        let start = Instant::now();
        for i in 0..records {
            // A coarse clock, as a driver reading the wall clock every ~thousand records would give.
            let now = (i / 2_000) as i64;
            let rec = ProducerRecord {
                topic: topic.clone(),
                partition: None,
                key: None,
                value: Some(value.clone()),
                headers: Vec::new(),
                timestamp: None,
            };
            p.send(rec, now).unwrap();
            if p.poll_timeout().is_some_and(|t| t <= now) {
                p.handle_timeout(now);
            }
            pump(&mut p, now, partitions, &mut next_offset);
            while let Some(ProducerEvent::Delivery { result, .. }) = p.poll_event() {
                result.unwrap();
                delivered += 1;
            }
        }
        p.flush_now(records as i64);
        pump(&mut p, records as i64, partitions, &mut next_offset);
        while let Some(ProducerEvent::Delivery { result, .. }) = p.poll_event() {
            result.unwrap();
            delivered += 1;
        }
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(delivered, records);
        let rate = records as f64 / secs;
        println!("run {}: {rate:>12.0} records/s", run + 1);
        rates.push(rate);
    }
    rates.sort_by(|a, b| a.total_cmp(b));
    println!(
        "producer state machine, {records} records of 100 bytes, {partitions} partition(s), median of {runs}: {:.0} records/s",
        rates[rates.len() / 2]
    );
}
