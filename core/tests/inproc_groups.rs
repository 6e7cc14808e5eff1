//! Our consumers in consumer groups against our own broker, in-process (`inproc://`): the same
//! scenarios as against Apache Kafka 4.1 (apache_kafka_groups.rs, shared in `groups/`), and
//! librdkafka (confluent-kafka) and Java client members reaching the same cluster over TCP
//! (`Cluster::listen`; ignored by default, they need tests/compat's venv and jars:
//! `cargo test -p kafkette --test inproc_groups -- --include-ignored`).

mod common;
mod groups;

use kafkette::local::Cluster;

#[test]
fn three_members_share_a_topic_one_leaves_one_dies() {
    let cluster = Cluster::new();
    groups::three_members_share_a_topic_one_leaves_one_dies(cluster.inproc_name());
}

#[test]
fn cooperative_sticky_moves_only_what_it_must() {
    let cluster = Cluster::new();
    groups::cooperative_sticky_moves_only_what_it_must(cluster.inproc_name());
}

#[test]
fn pattern_subscription_and_commits_with_metadata() {
    let cluster = Cluster::new();
    groups::pattern_subscription_and_commits_with_metadata(cluster.inproc_name());
}

#[test]
fn manual_assignment_starts_from_committed_offsets() {
    let cluster = Cluster::new();
    groups::manual_assignment_starts_from_committed_offsets(cluster.inproc_name());
}

#[test]
fn revoke_barrier_lets_the_owner_commit_before_release() {
    let cluster = Cluster::new();
    groups::revoke_barrier_lets_the_owner_commit_before_release(cluster.inproc_name());
}

/// Needs the compat venv (tests/compat/.venv with confluent-kafka; `make test-compat` sets it up).
#[test]
#[ignore = "needs tests/compat/.venv (confluent-kafka)"]
fn librdkafka_and_ours_in_one_group_range() {
    let cluster = Cluster::new();
    let tcp = cluster.listen("127.0.0.1:0").expect("listen").to_string();
    groups::mixed_group(groups::Foreign::Librdkafka, cluster.inproc_name(), &tcp, "range");
}

#[test]
#[ignore = "needs tests/compat/.venv (confluent-kafka)"]
fn librdkafka_and_ours_in_one_group_cooperative_sticky() {
    let cluster = Cluster::new();
    let tcp = cluster.listen("127.0.0.1:0").expect("listen").to_string();
    groups::mixed_group(groups::Foreign::Librdkafka, cluster.inproc_name(), &tcp, "cooperative-sticky");
}

/// Needs the Java client jars (tests/compat/.jars/lib; `make compat-jars`) and a JDK.
#[test]
#[ignore = "needs tests/compat/.jars (kafka-clients) and javac"]
fn java_and_ours_in_one_group_range() {
    let cluster = Cluster::new();
    let tcp = cluster.listen("127.0.0.1:0").expect("listen").to_string();
    groups::mixed_group(groups::Foreign::Java, cluster.inproc_name(), &tcp, "range");
}

#[test]
#[ignore = "needs tests/compat/.jars (kafka-clients) and javac"]
fn java_and_ours_in_one_group_cooperative_sticky() {
    let cluster = Cluster::new();
    let tcp = cluster.listen("127.0.0.1:0").expect("listen").to_string();
    groups::mixed_group(groups::Foreign::Java, cluster.inproc_name(), &tcp, "cooperative-sticky");
}
