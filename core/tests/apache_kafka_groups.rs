//! Our consumers in consumer groups against a real Apache Kafka 4.x broker: membership,
//! rebalances (eager and cooperative-sticky), members leaving and dying, committed offsets,
//! librdkafka (confluent-kafka) members in the same group. The scenarios are in `groups/`.
//!
//! Ignored by default: they need a broker, which tests/compat/test_ours_vs_apache.py starts
//! (Apache Kafka 4.1.1, KRaft) and names in KAFKETTE_APACHE_BOOTSTRAP:
//!
//! ```text
//! KAFKETTE_APACHE_BOOTSTRAP=127.0.0.1:9092 cargo test -p kafkette --test apache_kafka_groups -- --ignored
//! ```

mod common;
use common::bootstrap;

mod groups;

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn three_members_share_a_topic_one_leaves_one_dies() {
    groups::three_members_share_a_topic_one_leaves_one_dies(&bootstrap());
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn cooperative_sticky_moves_only_what_it_must() {
    groups::cooperative_sticky_moves_only_what_it_must(&bootstrap());
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn pattern_subscription_and_commits_with_metadata() {
    groups::pattern_subscription_and_commits_with_metadata(&bootstrap());
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn librdkafka_and_ours_in_one_group_range() {
    let b = bootstrap();
    groups::mixed_group(groups::Foreign::Librdkafka, &b, &b, "range");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn librdkafka_and_ours_in_one_group_cooperative_sticky() {
    let b = bootstrap();
    groups::mixed_group(groups::Foreign::Librdkafka, &b, &b, "cooperative-sticky");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn manual_assignment_starts_from_committed_offsets() {
    groups::manual_assignment_starts_from_committed_offsets(&bootstrap());
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn java_and_ours_in_one_group_range() {
    let b = bootstrap();
    groups::mixed_group(groups::Foreign::Java, &b, &b, "range");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn java_and_ours_in_one_group_cooperative_sticky() {
    let b = bootstrap();
    groups::mixed_group(groups::Foreign::Java, &b, &b, "cooperative-sticky");
}

#[test]
#[ignore = "needs Apache Kafka: KAFKETTE_APACHE_BOOTSTRAP (tests/compat/test_ours_vs_apache.py)"]
fn revoke_barrier_lets_the_owner_commit_before_release() {
    groups::revoke_barrier_lets_the_owner_commit_before_release(&bootstrap());
}
