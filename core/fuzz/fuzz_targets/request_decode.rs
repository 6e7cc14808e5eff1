//! The broker's side of the wire: one request frame (size prefix stripped) goes through the server's
//! codec exactly as `kafkette serve` runs it (fixed header, request header, decode guard,
//! `kafka-protocol` decoder), then through a broker holding topics with data (including those of
//! the recorded kcat traffic) with its deadlines run; every response it queues must encode and
//! be read back by our client's guarded decoder. Nothing may panic or abort.
//!
//! Seeds: tests/corpus/requests (real kcat requests, `make fuzz-corpus`), copied by `make fuzz`.

#![no_main]

use bytes::Bytes;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::{ProduceRequest, TopicName};
use kafkette::broker::{Broker, BrokerConfig, TopicConfig};
use kafkette::net::codec;
use kafkette::protocol::{Request, RequestKind, StrBytes};
use kafkette::record::{BatchBuilder, Compression};
use libfuzzer_sys::fuzz_target;

const NOW: i64 = 1_700_000_000_000;
/// Topics every input finds: the one kcat's recorded traffic uses, and two more.
const TOPICS: &[&str] = &["seeds", "a", "b"];

/// A fresh broker per input (so that a crash reproduces from its input alone), with two
/// partitions per topic and a few records in each.
fn broker() -> Broker {
    let mut b = Broker::new(BrokerConfig::default(), NOW);
    let defaults = TopicConfig::defaults(b.config());
    for t in TOPICS {
        b.create_topic(t, 2, defaults.clone());
    }
    let mut batch = BatchBuilder::new(Compression::None, NOW);
    for i in 0..3u8 {
        batch.append(NOW, Some(&[b'k', i]), Some(b"value"), &[]);
    }
    let records = batch.finish(-1, -1, -1, false);
    let topic_data = TOPICS
        .iter()
        .map(|t| {
            let partitions = (0..2)
                .map(|p| PartitionProduceData::default().with_index(p).with_records(Some(records.clone())))
                .collect();
            TopicProduceData::default()
                .with_name(TopicName(StrBytes::from_static_str(t)))
                .with_partition_data(partitions)
        })
        .collect();
    let body = RequestKind::Produce(ProduceRequest::default().with_acks(1).with_topic_data(topic_data));
    b.handle_request(0, Request { api_version: 9, correlation_id: 0, client_id: None, body }, NOW);
    while b.poll_response().is_some() {}
    b
}

fuzz_target!(|data: &[u8]| {
    let Ok(request) = codec::decode_request(Bytes::copy_from_slice(data)) else { return };
    let mut b = broker();
    b.handle_request(1, request, NOW);
    // Parked fetches are answered at their deadline.
    b.handle_timeout(NOW + 3_600_000);
    while let Some(r) = b.poll_response() {
        let frame = codec::encode_response(&r).unwrap_or_else(|e| {
            panic!("the broker's {:?} v{} response does not encode: {e}", r.api_key, r.api_version)
        });
        if kafkette::net::guard::response_range(r.api_key).is_some_and(|(lo, hi)| (lo..=hi).contains(&r.api_version)) {
            let (cid, _) = codec::decode_response(r.api_key, r.api_version, frame.slice(4..)).unwrap_or_else(|e| {
                panic!("our client cannot read the broker's {:?} v{}: {e}", r.api_key, r.api_version)
            });
            assert_eq!(cid, r.correlation_id);
        }
    }
    while b.poll_close().is_some() {}
});
