/* Creating and deleting topics, with the broker's errors as Kafka codes. */
#include "check.h"

int main(void) {
    kft_conf *broker = NULL;
    CHECK_OK(kft_conf_new(&broker));
    CHECK_OK(kft_conf_set(broker, "num.partitions", "2"));
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(broker, &cluster));
    kft_conf_destroy(broker);
    kft_admin *admin = new_admin(cluster);

    const char *keys[2] = {"cleanup.policy", "retention.ms"};
    const char *values[2] = {"delete", "60000"};
    CHECK_OK(kft_admin_create_topic(admin, "payments", 3, keys, values, 2));
    CHECK_ERR(kft_admin_create_topic(admin, "payments", 3, NULL, NULL, 0), KFT_ERR_TOPIC_ALREADY_EXISTS, "payments");
    CHECK(kft_last_error_code() == 36 && kft_result_is_kafka(kft_last_error_code()));
    CHECK(strcmp(kft_result_name(kft_last_error_code()), "TOPIC_ALREADY_EXISTS") == 0);
    CHECK(!kft_last_error_is_retriable() && !kft_last_error_is_fatal());

    /* The broker's default partition count, then check it by producing to partition 1 but not 2. */
    CHECK_OK(kft_admin_create_topic(admin, "defaults", KFT_PARTITIONS_DEFAULT, NULL, NULL, 0));
    const char *pconf[] = {"linger.ms", "0", NULL};
    kft_producer *p = new_producer(cluster, pconf);
    send_value(p, "defaults", 1, "x");
    CHECK_OK(kft_producer_flush(p, 10000));
    CHECK_ERR(kft_producer_send(p, "defaults", 2, NULL, 0, NULL, 0, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_UNKNOWN_PARTITION_LOCAL, "defaults");
    CHECK_OK(kft_producer_poll(p, 0, NULL, NULL, NULL));
    kft_producer_destroy(p);

    /* Bad topic configs and names: Kafka's codes, naming the problem. */
    const char *bad_key[1] = {"retention.mss"};
    const char *one[1] = {"1"};
    CHECK_ERR(kft_admin_create_topic(admin, "bad-config", 1, bad_key, one, 1), KFT_ERR_INVALID_CONFIG,
              "retention.mss");
    CHECK_ERR(kft_admin_create_topic(admin, "bad/name", 1, NULL, NULL, 0), KFT_ERR_INVALID_TOPIC_EXCEPTION, "");

    /* Delete: once fine, twice unknown; then the name is free again. */
    CHECK_OK(kft_admin_delete_topic(admin, "payments"));
    CHECK_ERR(kft_admin_delete_topic(admin, "payments"), KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION, "payments");
    CHECK_OK(kft_admin_create_topic(admin, "payments", 1, NULL, NULL, 0));

    kft_admin_destroy(admin);
    kft_cluster_destroy(cluster);
    printf("admin: create, already exists, bad config, bad name, delete\n");
    return 0;
}
