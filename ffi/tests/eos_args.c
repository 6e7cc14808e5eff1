/* Bad arguments and misuse of the transaction and consumer-group calls give result
 * codes with messages naming the problem, never crashes. */
#include "check.h"

static void transactions(const kft_cluster *cluster) {
    CHECK_ERR(kft_producer_init_transactions(NULL, 1000), KFT_ERR_NULL_POINTER, "producer");
    CHECK_ERR(kft_producer_begin_transaction(NULL), KFT_ERR_NULL_POINTER, "producer");
    CHECK_ERR(kft_producer_commit_transaction(NULL, 1000), KFT_ERR_NULL_POINTER, "producer");
    CHECK_ERR(kft_producer_abort_transaction(NULL, 1000), KFT_ERR_NULL_POINTER, "producer");
    kft_topic_partition off = {"t", 0, 1};
    CHECK_ERR(kft_producer_send_offsets_to_transaction(NULL, &off, 1, NULL, 1000), KFT_ERR_NULL_POINTER, "producer");

    /* Not transactional. */
    kft_producer *plain = new_producer(cluster, NULL);
    CHECK_ERR(kft_producer_init_transactions(plain, 1000), KFT_ERR_STATE, "transactional.id");
    CHECK_ERR(kft_producer_begin_transaction(plain), KFT_ERR_STATE, "transactional.id");
    CHECK(!kft_last_error_is_fatal() && !kft_last_error_is_retriable());
    kft_producer_destroy(plain);

    const char *tconf[] = {"transactional.id", "args-tx", NULL};
    kft_producer *p = new_producer(cluster, tconf);
    CHECK(kft_producer_begin_transaction(p) == KFT_ERR_STATE); /* before init_transactions */
    CHECK_OK(kft_producer_init_transactions(p, 10000));
    CHECK(kft_producer_commit_transaction(p, 1000) == KFT_ERR_STATE); /* none open */
    CHECK(kft_producer_abort_transaction(p, 1000) == KFT_ERR_STATE);
    CHECK_OK(kft_producer_begin_transaction(p));
    CHECK(kft_producer_begin_transaction(p) == KFT_ERR_STATE); /* already open */

    kft_group_metadata *md = NULL;
    CHECK_ERR(kft_group_metadata_new(NULL, &md), KFT_ERR_NULL_POINTER, "group_id");
    CHECK_ERR(kft_group_metadata_new("g", NULL), KFT_ERR_NULL_POINTER, "out");
    CHECK_ERR(kft_group_metadata_new("", &md), KFT_ERR_INVALID_ARG, "empty");
    CHECK(md == NULL);
    CHECK_OK(kft_group_metadata_new("args-group", &md));
    CHECK(strcmp(kft_group_metadata_group_id(md), "args-group") == 0);
    CHECK(kft_group_metadata_generation_id(md) == -1 && strcmp(kft_group_metadata_member_id(md), "") == 0);
    CHECK(strcmp(kft_group_metadata_group_id(NULL), "") == 0 && kft_group_metadata_generation_id(NULL) == -1);
    CHECK(strcmp(kft_group_metadata_member_id(NULL), "") == 0);

    CHECK_ERR(kft_producer_send_offsets_to_transaction(p, &off, 1, NULL, 1000), KFT_ERR_NULL_POINTER,
              "group_metadata");
    CHECK_ERR(kft_producer_send_offsets_to_transaction(p, NULL, 1, md, 1000), KFT_ERR_NULL_POINTER, "offsets");
    CHECK_ERR(kft_producer_send_offsets_to_transaction(p, &off, 0, md, 1000), KFT_ERR_INVALID_ARG, "at least one");
    kft_topic_partition bad[] = {{"t", 0, -5}, {"t", -1, 3}, {"", 0, 3}, {NULL, 0, 3}};
    CHECK_ERR(kft_producer_send_offsets_to_transaction(p, &bad[0], 1, md, 1000), KFT_ERR_INVALID_ARG, "-5");
    CHECK_ERR(kft_producer_send_offsets_to_transaction(p, &bad[1], 1, md, 1000), KFT_ERR_INVALID_ARG, "negative");
    CHECK_ERR(kft_producer_send_offsets_to_transaction(p, &bad[2], 1, md, 1000), KFT_ERR_INVALID_ARG, "empty");
    CHECK_ERR(kft_producer_send_offsets_to_transaction(p, &bad[3], 1, md, 1000), KFT_ERR_NULL_POINTER,
              "offsets[0].topic");
    /* The transaction is still usable after rejected arguments. */
    create_topic(cluster, "args-in", 1);
    kft_topic_partition good = {"args-in", 0, 0};
    CHECK_OK(kft_producer_send_offsets_to_transaction(p, &good, 1, md, 10000));
    CHECK_OK(kft_producer_abort_transaction(p, 10000));
    kft_group_metadata_destroy(md);
    kft_group_metadata_destroy(NULL);
    kft_producer_destroy(p);
}

static void no_group(const kft_cluster *cluster) {
    kft_consumer *c = new_consumer(cluster, NULL);
    const char *topics[] = {"t"};
    CHECK_ERR(kft_consumer_subscribe(c, topics, 1), KFT_ERR_INVALID_CONFIG_LOCAL, "group.id");
    CHECK_ERR(kft_consumer_commit(c, NULL, 0, false), KFT_ERR_INVALID_CONFIG_LOCAL, "group.id");
    kft_topic_partition tp = {"t", 0, 1};
    CHECK_ERR(kft_consumer_commit(c, &tp, 1, true), KFT_ERR_INVALID_CONFIG_LOCAL, "group.id");
    CHECK_ERR(kft_consumer_committed(c, &tp, 1, 1000), KFT_ERR_INVALID_CONFIG_LOCAL, "group.id");
    CHECK(tp.offset == 1); /* unchanged on failure */
    kft_group_metadata *md = NULL;
    CHECK_ERR(kft_consumer_group_metadata(c, &md), KFT_ERR_INVALID_CONFIG_LOCAL, "group.id");
    CHECK(md == NULL);
    CHECK_OK(kft_consumer_close(c, 1000));
    kft_consumer_destroy(c);
}

static void group_misuse(const kft_cluster *cluster) {
    const char *conf[] = {"group.id", "args-g", NULL};
    kft_consumer *c = new_consumer(cluster, conf);
    const char *topics[] = {"t", NULL, ""};
    CHECK_ERR(kft_consumer_subscribe(NULL, topics, 1), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_ERR(kft_consumer_subscribe(c, NULL, 1), KFT_ERR_NULL_POINTER, "topics");
    CHECK_ERR(kft_consumer_subscribe(c, topics, 0), KFT_ERR_INVALID_ARG, "at least one");
    CHECK_ERR(kft_consumer_subscribe(c, topics, 2), KFT_ERR_NULL_POINTER, "topics[1]");
    CHECK_ERR(kft_consumer_subscribe(c, topics + 2, 1), KFT_ERR_INVALID_ARG, "empty");
    const char *bad_pattern[] = {"^(unclosed"};
    CHECK_ERR(kft_consumer_subscribe(c, bad_pattern, 1), KFT_ERR_INVALID_ARG, "pattern");
    const char bad_utf8[] = {'t', (char)0xff, 0};
    const char *utf8_topics[] = {bad_utf8};
    CHECK_ERR(kft_consumer_subscribe(c, utf8_topics, 1), KFT_ERR_INVALID_UTF8, "topics[0]");
    CHECK_ERR(kft_consumer_unsubscribe(NULL), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_ERR(kft_consumer_set_rebalance_cb(NULL, NULL, NULL), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_ERR(kft_consumer_set_offset_commit_cb(NULL, NULL, NULL), KFT_ERR_NULL_POINTER, "consumer");

    kft_topic_partition neg = {"t", 0, -5}, null_topic = {NULL, 0, 1}, neg_part = {"t", -2, 1};
    CHECK_ERR(kft_consumer_commit(NULL, NULL, 0, false), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_ERR(kft_consumer_commit(c, &neg, 1, false), KFT_ERR_INVALID_ARG, "-5");
    CHECK_ERR(kft_consumer_commit(c, &null_topic, 1, true), KFT_ERR_NULL_POINTER, "offsets[0].topic");
    CHECK_ERR(kft_consumer_commit(c, &neg_part, 1, true), KFT_ERR_INVALID_ARG, "negative");
    CHECK_ERR(kft_consumer_committed(NULL, &neg, 1, 100), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_ERR(kft_consumer_committed(c, NULL, 1, 100), KFT_ERR_NULL_POINTER, "partitions");
    CHECK_ERR(kft_consumer_group_metadata(NULL, NULL), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_ERR(kft_consumer_group_metadata(c, NULL), KFT_ERR_NULL_POINTER, "out");
    kft_partition_list *list = NULL;
    CHECK_ERR(kft_consumer_assignment(NULL, &list), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_ERR(kft_consumer_assignment(c, NULL), KFT_ERR_NULL_POINTER, "out");
    CHECK_ERR(kft_consumer_pause(NULL, NULL, 0), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_ERR(kft_consumer_resume(c, NULL, 1), KFT_ERR_NULL_POINTER, "partitions");
    CHECK_ERR(kft_consumer_pause(c, &neg_part, 1), KFT_ERR_INVALID_ARG, "negative");
    CHECK(kft_partition_list_count(NULL) == 0 && kft_partition_list_get(NULL, 0) == NULL);
    CHECK(kft_last_error_code() == KFT_ERR_NULL_POINTER);
    kft_partition_list_destroy(NULL);

    /* Nothing assigned yet: an empty assignment, and an empty commit of the positions succeeds. */
    CHECK_OK(kft_consumer_assignment(c, &list));
    CHECK(kft_partition_list_count(list) == 0);
    kft_partition_list_destroy(list);

    /* Manual assignment and subscription do not mix. */
    create_topic(cluster, "args-t", 1);
    kft_topic_partition tp = {"args-t", 0, KFT_OFFSET_BEGINNING};
    CHECK_OK(kft_consumer_assign(c, &tp, 1));
    const char *real[] = {"args-t"};
    CHECK_ERR(kft_consumer_subscribe(c, real, 1), KFT_ERR_STATE, "assigned");
    CHECK_OK(kft_consumer_assign(c, NULL, 0));
    CHECK_OK(kft_consumer_subscribe(c, real, 1));

    CHECK_ERR(kft_consumer_close(NULL, 100), KFT_ERR_NULL_POINTER, "consumer");
    CHECK_OK(kft_consumer_close(c, 10000));
    CHECK_ERR(kft_consumer_subscribe(c, real, 1), KFT_ERR_DESTROYED, "closed");
    CHECK_ERR(kft_consumer_commit(c, NULL, 0, false), KFT_ERR_DESTROYED, "closed");
    CHECK_ERR(kft_consumer_assign(c, &tp, 1), KFT_ERR_DESTROYED, "closed");
    CHECK_ERR(kft_consumer_set_rebalance_cb(c, NULL, NULL), KFT_ERR_DESTROYED, "closed");
    kft_consumer_destroy(c);
}

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    transactions(cluster);
    no_group(cluster);
    group_misuse(cluster);
    CHECK(strcmp(kft_result_name(KFT_ERR_REBALANCE_IN_PROGRESS), "REBALANCE_IN_PROGRESS") == 0);
    CHECK(strcmp(kft_result_name(KFT_ERR_CONCURRENT_TRANSACTIONS), "CONCURRENT_TRANSACTIONS") == 0);
    CHECK(kft_result_is_retriable(KFT_ERR_COORDINATOR_NOT_AVAILABLE) && kft_result_is_retriable(KFT_ERR_NOT_COORDINATOR));
    CHECK(!kft_result_is_retriable(KFT_ERR_PRODUCER_FENCED));
    kft_cluster_destroy(cluster);
    printf("eos_args: ok\n");
    return 0;
}
