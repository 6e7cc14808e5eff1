/* Configuration errors name the key: unknown keys at kft_conf_set, keys of another
 * kind of client and bad values at creation; the broker's own config too. */
#include "check.h"

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    kft_conf *conf = NULL;
    CHECK_OK(kft_conf_new(&conf));

    /* A key no client or broker knows fails at once. */
    CHECK_ERR(kft_conf_set(conf, "bootstrap.server", "x"), KFT_ERR_INVALID_CONFIG_LOCAL, "`bootstrap.server`");
    CHECK(strstr(kft_last_error(), "unknown") != NULL);
    CHECK(!kft_last_error_is_retriable() && !kft_last_error_is_fatal() && !kft_last_error_txn_requires_abort());
    CHECK(strcmp(kft_result_name(kft_last_error_code()), "INVALID_CONFIG_LOCAL") == 0);
    CHECK_ERR(kft_conf_set(conf, "", "x"), KFT_ERR_INVALID_CONFIG_LOCAL, "empty");

    /* A consumer key is fine in a conf, and fails when a producer is made from it. */
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", kft_cluster_bootstrap_servers(cluster)));
    CHECK_OK(kft_conf_set(conf, "group.id", "g"));
    kft_producer *p = (kft_producer *)0x1; /* left unchanged on failure */
    CHECK_ERR(kft_producer_new(conf, &p), KFT_ERR_INVALID_CONFIG_LOCAL, "`group.id`");
    CHECK(p == (kft_producer *)0x1);
    kft_conf_destroy(conf);

    /* A bad value names its key; a later kft_conf_set of the same key replaces it. */
    const char *bad_acks[] = {"acks", "banana", NULL};
    conf = client_conf(cluster, bad_acks);
    CHECK_ERR(kft_producer_new(conf, &p), KFT_ERR_INVALID_CONFIG_LOCAL, "`acks`");
    CHECK_OK(kft_conf_set(conf, "acks", "all"));
    CHECK_OK(kft_producer_new(conf, &p));
    kft_producer_destroy(p);
    kft_conf_destroy(conf);

    const char *bad_reset[] = {"auto.offset.reset", "sometimes", NULL};
    conf = client_conf(cluster, bad_reset);
    kft_consumer *c = NULL;
    CHECK_ERR(kft_consumer_new(conf, &c), KFT_ERR_INVALID_CONFIG_LOCAL, "`auto.offset.reset`");
    kft_conf_destroy(conf);

    const char *admin_bad[] = {"acks", "1", NULL};
    conf = client_conf(cluster, admin_bad);
    kft_admin *a = NULL;
    CHECK_ERR(kft_admin_new(conf, &a), KFT_ERR_INVALID_CONFIG_LOCAL, "`acks`");
    kft_conf_destroy(conf);

    /* No cluster at bootstrap.servers. */
    CHECK_OK(kft_conf_new(&conf));
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", "inproc://cluster-999999"));
    CHECK_ERR(kft_producer_new(conf, &p), KFT_ERR_INVALID_CONFIG_LOCAL, "bootstrap.servers");
    /* A host:port is a TCP broker: as in librdkafka, the client is created and connects lazily. */
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", "127.0.0.1:9"));
    CHECK_OK(kft_consumer_new(conf, &c));
    kft_consumer_destroy(c);
    c = NULL;
    /* A malformed address names the key. */
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", "not an address"));
    CHECK_ERR(kft_consumer_new(conf, &c), KFT_ERR_INVALID_CONFIG_LOCAL, "bootstrap.servers");
    kft_conf_destroy(conf);

    /* Broker configuration: a known key with a good value works, a bad value names its key. */
    CHECK_OK(kft_conf_new(&conf));
    CHECK_OK(kft_conf_set(conf, "num.partitions", "4"));
    kft_cluster *other = NULL;
    CHECK_OK(kft_cluster_new(conf, &other));
    CHECK(strcmp(kft_cluster_bootstrap_servers(other), kft_cluster_bootstrap_servers(cluster)) != 0);
    kft_cluster_destroy(other);
    CHECK_OK(kft_conf_set(conf, "num.partitions", "many"));
    other = NULL;
    CHECK_ERR(kft_cluster_new(conf, &other), KFT_ERR_INVALID_CONFIG_LOCAL, "`num.partitions`");
    CHECK(other == NULL);
    kft_conf_destroy(conf);

    /* Result names and classes. */
    CHECK(strcmp(kft_result_name(KFT_OK), "NONE") == 0);
    CHECK(strcmp(kft_result_name(KFT_ERR_TOPIC_ALREADY_EXISTS), "TOPIC_ALREADY_EXISTS") == 0);
    CHECK(strcmp(kft_result_name(KFT_ERR_QUEUE_FULL), "QUEUE_FULL") == 0);
    CHECK(strcmp(kft_result_name(KFT_ERR_NULL_POINTER), "NULL_POINTER") == 0);
    CHECK(strcmp(kft_result_name(56), "KAFKA_STORAGE_ERROR") == 0); /* a Kafka code without a constant */
    CHECK(strcmp(kft_result_name(-4242), "UNKNOWN_CODE_-4242") == 0);
    CHECK(kft_result_name(36) == kft_result_name(36)); /* static: the same pointer each time */
    CHECK(kft_result_is_kafka(KFT_ERR_TOPIC_ALREADY_EXISTS) && kft_result_is_kafka(KFT_ERR_UNKNOWN_SERVER_ERROR));
    CHECK(!kft_result_is_kafka(KFT_OK) && !kft_result_is_kafka(KFT_ERR_INVALID_ARG));
    CHECK(!kft_result_is_kafka(KFT_ERR_PANIC));
    CHECK(kft_result_is_retriable(KFT_ERR_NOT_LEADER_OR_FOLLOWER) && kft_result_is_retriable(KFT_ERR_QUEUE_FULL));
    CHECK(!kft_result_is_retriable(KFT_ERR_TOPIC_ALREADY_EXISTS) && !kft_result_is_retriable(KFT_OK));

    kft_cluster_destroy(cluster);
    printf("bad_config: every configuration error named its key\n");
    return 0;
}
