/* Growing topics, deleting records, describing the cluster: the broker's answers as Kafka codes. */
#include "check.h"

int main(void) {
    kft_conf *broker = NULL;
    CHECK_OK(kft_conf_new(&broker));
    CHECK_OK(kft_conf_set(broker, "cluster.id", "c-admin"));
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(broker, &cluster));
    kft_conf_destroy(broker);
    kft_admin *admin = new_admin(cluster);

    /* DescribeCluster: one node, the controller, the configured id. */
    kft_cluster_info *info = NULL;
    CHECK_OK(kft_admin_describe_cluster(admin, &info));
    CHECK(strcmp(kft_cluster_info_cluster_id(info), "c-admin") == 0);
    CHECK(kft_cluster_info_node_count(info) == 1);
    int32_t id = -5, port = 0;
    const char *host = NULL;
    CHECK_OK(kft_cluster_info_node(info, 0, &id, &host, &port));
    CHECK(id == kft_cluster_info_controller(info) && host != NULL && port > 0);
    CHECK_ERR(kft_cluster_info_node(info, 1, &id, NULL, NULL), KFT_ERR_INVALID_ARG, "index");
    kft_cluster_info_destroy(info);
    kft_cluster_info_destroy(NULL);
    CHECK(kft_cluster_info_node_count(NULL) == 0 && kft_cluster_info_controller(NULL) == -1);
    CHECK_ERR(kft_admin_describe_cluster(admin, NULL), KFT_ERR_NULL_POINTER, "out");

    /* CreatePartitions: grow, then not an increase, unknown topic, bad count. */
    CHECK_OK(kft_admin_create_topic(admin, "grow", 1, NULL, NULL, 0));
    CHECK_OK(kft_admin_create_partitions(admin, "grow", 3));
    const char *pconf[] = {"linger.ms", "0", NULL};
    kft_producer *p = new_producer(cluster, pconf);
    send_value(p, "grow", 2, "on the new partition");
    for (int i = 0; i < 10; i++) send_value(p, "grow", 0, "x");
    CHECK_OK(kft_producer_flush(p, 10000));
    CHECK_OK(kft_producer_poll(p, 0, NULL, NULL, NULL));
    kft_producer_destroy(p);
    CHECK_ERR(kft_admin_create_partitions(admin, "grow", 2), KFT_ERR_INVALID_PARTITIONS, "would not be an increase");
    CHECK_ERR(kft_admin_create_partitions(admin, "ghost", 2), KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION, "");
    CHECK_ERR(kft_admin_create_partitions(admin, "grow", 0), KFT_ERR_INVALID_ARG, "new_total_count");
    CHECK_ERR(kft_admin_create_partitions(admin, NULL, 4), KFT_ERR_NULL_POINTER, "topic");

    /* DeleteRecords: up to an offset, then everything; beyond the end and unknown partitions fail. */
    int64_t low = -7;
    CHECK_OK(kft_admin_delete_records(admin, "grow", 0, 4, &low));
    CHECK(low == 4);
    CHECK_OK(kft_admin_delete_records(admin, "grow", 0, KFT_OFFSET_HIGH_WATERMARK, &low));
    CHECK(low == 10);
    CHECK_OK(kft_admin_delete_records(admin, "grow", 2, 0, NULL));
    CHECK_ERR(kft_admin_delete_records(admin, "grow", 0, 11, &low), KFT_ERR_OFFSET_OUT_OF_RANGE, "");
    CHECK_ERR(kft_admin_delete_records(admin, "grow", 7, 0, &low), KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION, "");
    CHECK_ERR(kft_admin_delete_records(admin, "grow", 0, -2, &low), KFT_ERR_INVALID_ARG, "offset");

    /* DescribeConfigs of one key: snprintf-style copy, the value's source. */
    const char *rk[1] = {"retention.ms"};
    const char *rv[1] = {"3600000"};
    CHECK_OK(kft_admin_create_topic(admin, "cfg", 1, rk, rv, 1));
    char buf[64];
    size_t len = 0;
    int32_t source = -1;
    CHECK_OK(kft_admin_describe_config(admin, KFT_RESOURCE_TOPIC, "cfg", "retention.ms", buf, sizeof buf, &len, &source));
    CHECK(strcmp(buf, "3600000") == 0 && len == 7 && source == 1);
    CHECK_OK(kft_admin_describe_config(admin, KFT_RESOURCE_TOPIC, "cfg", "segment.bytes", buf, 4, &len, &source));
    CHECK(strcmp(buf, "107") == 0 && len == 10 && source == 5); /* truncated: len >= size */
    CHECK_OK(kft_admin_describe_config(admin, KFT_RESOURCE_BROKER, "0", "num.partitions", NULL, 0, &len, NULL));
    CHECK(len == 1);
    CHECK_ERR(kft_admin_describe_config(admin, KFT_RESOURCE_TOPIC, "ghost", "retention.ms", buf, sizeof buf, NULL, NULL),
              KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION, "");
    CHECK_ERR(kft_admin_describe_config(admin, KFT_RESOURCE_TOPIC, "cfg", "no.such", buf, sizeof buf, NULL, NULL),
              KFT_ERR_INVALID_ARG, "no.such");
    CHECK_ERR(kft_admin_describe_config(admin, KFT_RESOURCE_BROKER, "9", "num.partitions", buf, sizeof buf, NULL, NULL),
              KFT_ERR_INVALID_REQUEST, "");
    CHECK_ERR(kft_admin_describe_config(admin, 3, "g", "x", buf, sizeof buf, NULL, NULL), KFT_ERR_INVALID_ARG, "resource_type");

    kft_admin_destroy(admin);
    kft_cluster_destroy(cluster);
    printf("admin_cluster: describe cluster, create partitions, delete records, describe config, their errors\n");
    return 0;
}
