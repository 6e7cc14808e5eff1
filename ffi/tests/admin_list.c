/* kft_admin_list_offsets and kft_admin_list_topics, against an in-process cluster and then the
 * same cluster over TCP (kft_cluster_listen): earliest/latest after producing to 2 partitions,
 * by timestamp and max timestamp, the errors, NULL arguments, the topic listing. */
#include "check.h"

#define N 5
#define BASE_TS 1700000000000LL

static kft_conf *conf_for(const char *servers, const char *const *pairs) {
    kft_conf *conf = NULL;
    CHECK_OK(kft_conf_new(&conf));
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", servers));
    for (; pairs != NULL && pairs[0] != NULL; pairs += 2) CHECK_OK(kft_conf_set(conf, pairs[0], pairs[1]));
    return conf;
}

/* N records to partition 0 with timestamps BASE_TS + 10 * i, 2 * N to partition 1 (timestamp now). */
static void produce(const char *servers, const char *topic) {
    const char *pconf[] = {"linger.ms", "0", NULL};
    kft_conf *conf = conf_for(servers, pconf);
    kft_producer *p = NULL;
    CHECK_OK(kft_producer_new(conf, &p));
    kft_conf_destroy(conf);
    for (int i = 0; i < N; i++) {
        CHECK_OK(kft_producer_send(p, topic, 0, NULL, 0, (const uint8_t *)"v", 1, NULL, 0, BASE_TS + 10 * i, NULL, NULL));
    }
    for (int i = 0; i < 2 * N; i++) send_value(p, topic, 1, "w");
    CHECK_OK(kft_producer_flush(p, 10000));
    CHECK_OK(kft_producer_poll(p, 0, NULL, NULL, NULL));
    kft_producer_destroy(p);
}

/* The offset (and timestamp) of topic/partition for spec; fails the test on an error. */
static int64_t offset_of(kft_admin *admin, const char *topic, int32_t partition, int64_t spec, int64_t *ts) {
    int64_t offset = -99;
    CHECK_OK(kft_admin_list_offsets(admin, topic, partition, spec, &offset, ts));
    return offset;
}

/* Index of `name` in `list`, or -1. */
static long find_topic(const kft_topic_list *list, const char *name) {
    for (size_t i = 0; i < kft_topic_list_count(list); i++) {
        if (strcmp(kft_topic_list_name(list, i), name) == 0) return (long)i;
    }
    return -1;
}

/* Everything against `servers`; topics are named `prefix`-two and `prefix`-one. After this run the
 * cluster has `expected_topics` user topics. */
static void run(const char *servers, const char *prefix, size_t expected_topics) {
    char two[64], one[64];
    snprintf(two, sizeof two, "%s-two", prefix);
    snprintf(one, sizeof one, "%s-one", prefix);
    kft_conf *conf = conf_for(servers, NULL);
    kft_admin *admin = NULL;
    CHECK_OK(kft_admin_new(conf, &admin));
    kft_conf_destroy(conf);
    CHECK_OK(kft_admin_create_topic(admin, two, 2, NULL, NULL, 0));
    CHECK_OK(kft_admin_create_topic(admin, one, 1, NULL, NULL, 0));

    /* An empty partition: earliest == latest == 0. */
    CHECK(offset_of(admin, two, 0, KFT_OFFSET_SPEC_EARLIEST, NULL) == 0);
    CHECK(offset_of(admin, two, 0, KFT_OFFSET_SPEC_LATEST, NULL) == 0);

    produce(servers, two);
    CHECK(offset_of(admin, two, 0, KFT_OFFSET_SPEC_EARLIEST, NULL) == 0);
    CHECK(offset_of(admin, two, 0, KFT_OFFSET_SPEC_LATEST, NULL) == N);
    CHECK(offset_of(admin, two, 1, KFT_OFFSET_SPEC_EARLIEST, NULL) == 0);
    CHECK(offset_of(admin, two, 1, KFT_OFFSET_SPEC_LATEST, NULL) == 2 * N);

    /* By timestamp: the first record at or after it, with its timestamp; none after the last. */
    int64_t ts = -99;
    CHECK(offset_of(admin, two, 0, BASE_TS, &ts) == 0 && ts == BASE_TS);
    CHECK(offset_of(admin, two, 0, BASE_TS + 15, &ts) == 2 && ts == BASE_TS + 20);
    CHECK(offset_of(admin, two, 0, 0, &ts) == 0 && ts == BASE_TS);
    CHECK(offset_of(admin, two, 0, BASE_TS + 10 * N, NULL) == -1);
    CHECK(offset_of(admin, two, 0, KFT_OFFSET_SPEC_MAX_TIMESTAMP, &ts) == N - 1 && ts == BASE_TS + 10 * (N - 1));

    /* After deleting records, earliest moves. */
    CHECK_OK(kft_admin_delete_records(admin, two, 0, 3, NULL));
    CHECK(offset_of(admin, two, 0, KFT_OFFSET_SPEC_EARLIEST, NULL) == 3);
    CHECK(offset_of(admin, two, 0, KFT_OFFSET_SPEC_LATEST, NULL) == N);

    /* Errors: unknown topic and partition (Kafka's code), bad partition and spec, NULL arguments. */
    int64_t off = 0;
    CHECK_ERR(kft_admin_list_offsets(admin, "ghost", 0, KFT_OFFSET_SPEC_LATEST, &off, NULL),
              KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION, "");
    CHECK_ERR(kft_admin_list_offsets(admin, two, 7, KFT_OFFSET_SPEC_LATEST, &off, NULL),
              KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION, "");
    CHECK_ERR(kft_admin_list_offsets(admin, two, -1, KFT_OFFSET_SPEC_LATEST, &off, NULL), KFT_ERR_INVALID_ARG,
              "partition");
    CHECK_ERR(kft_admin_list_offsets(admin, two, 0, -4, &off, NULL), KFT_ERR_INVALID_ARG, "spec");
    CHECK_ERR(kft_admin_list_offsets(NULL, two, 0, KFT_OFFSET_SPEC_LATEST, &off, NULL), KFT_ERR_NULL_POINTER, "admin");
    CHECK_ERR(kft_admin_list_offsets(admin, NULL, 0, KFT_OFFSET_SPEC_LATEST, &off, NULL), KFT_ERR_NULL_POINTER, "topic");
    CHECK_ERR(kft_admin_list_offsets(admin, two, 0, KFT_OFFSET_SPEC_LATEST, NULL, NULL), KFT_ERR_NULL_POINTER,
              "offset_out");

    /* ListTopics: every user topic with its partition count, in name order. */
    kft_topic_list *list = NULL;
    CHECK_OK(kft_admin_list_topics(admin, &list));
    size_t user = 0;
    for (size_t i = 0; i < kft_topic_list_count(list); i++) {
        if (!kft_topic_list_internal(list, i)) user++;
        if (i > 0) CHECK(strcmp(kft_topic_list_name(list, i - 1), kft_topic_list_name(list, i)) < 0);
    }
    CHECK(user == expected_topics);
    long it = find_topic(list, two), io = find_topic(list, one);
    CHECK(it >= 0 && io >= 0);
    CHECK(kft_topic_list_partitions(list, (size_t)it) == 2 && kft_topic_list_partitions(list, (size_t)io) == 1);
    CHECK(kft_topic_list_internal(list, (size_t)it) == 0);
    size_t count = kft_topic_list_count(list);
    CHECK(kft_topic_list_name(list, count) == NULL && kft_topic_list_partitions(list, count) == -1);
    CHECK(kft_topic_list_internal(list, count) == 0);
    kft_topic_list_destroy(list);
    CHECK(kft_topic_list_count(NULL) == 0 && kft_topic_list_name(NULL, 0) == NULL);
    CHECK(kft_topic_list_partitions(NULL, 0) == -1 && kft_topic_list_internal(NULL, 0) == 0);
    kft_topic_list_destroy(NULL);
    CHECK_ERR(kft_admin_list_topics(admin, NULL), KFT_ERR_NULL_POINTER, "out");
    CHECK_ERR(kft_admin_list_topics(NULL, &list), KFT_ERR_NULL_POINTER, "admin");

    /* A deleted topic leaves the listing. */
    CHECK_OK(kft_admin_delete_topic(admin, one));
    CHECK_OK(kft_admin_list_topics(admin, &list));
    CHECK(find_topic(list, one) == -1 && find_topic(list, two) >= 0);
    kft_topic_list_destroy(list);
    kft_admin_destroy(admin);
}

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    char inproc[64];
    snprintf(inproc, sizeof inproc, "%s", kft_cluster_bootstrap_servers(cluster));
    run(inproc, "in", 2);
    const char *tcp = NULL;
    CHECK_OK(kft_cluster_listen(cluster, "127.0.0.1:0", &tcp));
    CHECK(strncmp(tcp, "127.0.0.1:", 10) == 0);
    run(tcp, "tcp", 3); /* in-two stays; in-one was deleted */
    kft_cluster_destroy(cluster);
    printf("admin_list: list offsets (earliest, latest, timestamps, errors) and list topics, in-process and TCP\n");
    return 0;
}
