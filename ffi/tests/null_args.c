/* NULL pointers, invalid UTF-8 and out-of-range arguments give error codes naming
 * the argument, never crashes; destroy functions and accessors accept NULL. */
#include "check.h"

static const char bad_utf8[] = {'t', (char)0xC3, (char)0x28, 0};

int main(void) {
    CHECK(kft_last_error_code() == KFT_OK && strcmp(kft_last_error(), "") == 0); /* nothing failed yet */

    kft_cluster *cluster = NULL;
    CHECK_ERR(kft_cluster_new(NULL, NULL), KFT_ERR_NULL_POINTER, "`out`");
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    CHECK(kft_cluster_bootstrap_servers(NULL) == NULL);

    kft_conf *conf = NULL;
    CHECK_ERR(kft_conf_new(NULL), KFT_ERR_NULL_POINTER, "`out`");
    CHECK_OK(kft_conf_new(&conf));
    CHECK_ERR(kft_conf_set(NULL, "acks", "1"), KFT_ERR_NULL_POINTER, "`conf`");
    CHECK_ERR(kft_conf_set(conf, NULL, "1"), KFT_ERR_NULL_POINTER, "`key`");
    CHECK_ERR(kft_conf_set(conf, "acks", NULL), KFT_ERR_NULL_POINTER, "`value`");
    CHECK_ERR(kft_conf_set(conf, bad_utf8, "1"), KFT_ERR_INVALID_UTF8, "`key`");
    CHECK_ERR(kft_conf_set(conf, "client.id", bad_utf8), KFT_ERR_INVALID_UTF8, "`value`");
    CHECK(strcmp(kft_result_name(KFT_ERR_INVALID_UTF8), "INVALID_UTF8") == 0);
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", kft_cluster_bootstrap_servers(cluster)));

    kft_producer *p = NULL;
    kft_consumer *c = NULL;
    kft_admin *a = NULL;
    CHECK_ERR(kft_producer_new(NULL, &p), KFT_ERR_NULL_POINTER, "`conf`");
    CHECK_ERR(kft_producer_new(conf, NULL), KFT_ERR_NULL_POINTER, "`out`");
    CHECK_ERR(kft_consumer_new(NULL, &c), KFT_ERR_NULL_POINTER, "`conf`");
    CHECK_ERR(kft_consumer_new(conf, NULL), KFT_ERR_NULL_POINTER, "`out`");
    CHECK_ERR(kft_admin_new(NULL, &a), KFT_ERR_NULL_POINTER, "`conf`");
    CHECK_ERR(kft_admin_new(conf, NULL), KFT_ERR_NULL_POINTER, "`out`");
    CHECK_OK(kft_producer_new(conf, &p));
    CHECK_OK(kft_consumer_new(conf, &c));
    CHECK_OK(kft_admin_new(conf, &a));
    kft_conf_destroy(conf);

    /* Producer. */
    const uint8_t v[1] = {'v'};
    CHECK_ERR(kft_producer_send(NULL, "t", -1, NULL, 0, v, 1, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_NULL_POINTER, "`producer`");
    CHECK_ERR(kft_producer_send(p, NULL, -1, NULL, 0, v, 1, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_NULL_POINTER, "`topic`");
    CHECK_ERR(kft_producer_send(p, bad_utf8, -1, NULL, 0, v, 1, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_INVALID_UTF8, "`topic`");
    CHECK_ERR(kft_producer_send(p, "t", -1, NULL, 3, v, 1, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_INVALID_ARG, "`key` is NULL with a length of 3");
    CHECK_ERR(kft_producer_send(p, "t", -1, NULL, 0, NULL, 1, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_INVALID_ARG, "`value`");
    CHECK_ERR(kft_producer_send(p, "t", -1, NULL, 0, v, 1, NULL, 2, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_NULL_POINTER, "`headers`");
    kft_header bad_headers[2] = {{"ok", 2, NULL, 0}, {bad_utf8, 3, v, 1}};
    CHECK_ERR(kft_producer_send(p, "t", -1, NULL, 0, v, 1, bad_headers, 2, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_INVALID_UTF8, "`headers[1].key`");
    kft_header null_value_len[1] = {{"k", 1, NULL, 4}};
    CHECK_ERR(kft_producer_send(p, "t", -1, NULL, 0, v, 1, null_value_len, 1, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_INVALID_ARG, "`headers[0].value`");
    CHECK_ERR(kft_producer_send(p, "t", -2, NULL, 0, v, 1, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_INVALID_ARG, "partition -2");
    CHECK_ERR(kft_producer_send(p, "t", -1, NULL, 0, v, 1, NULL, 0, -7, NULL, NULL), KFT_ERR_INVALID_ARG,
              "timestamp -7");
    CHECK_ERR(kft_producer_send(p, "", -1, NULL, 0, v, 1, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_INVALID_ARG, "topic is empty");
    CHECK(kft_producer_outstanding(p) == 0); /* none of those was accepted */
    CHECK(kft_producer_outstanding(NULL) == 0);
    CHECK_ERR(kft_producer_poll(NULL, 0, NULL, NULL, NULL), KFT_ERR_NULL_POINTER, "`producer`");
    CHECK_OK(kft_producer_poll(p, 0, NULL, NULL, NULL)); /* NULL callback and count are fine */
    CHECK_ERR(kft_producer_flush(NULL, 0), KFT_ERR_NULL_POINTER, "`producer`");

    /* Consumer. */
    kft_message *m = NULL;
    int64_t pos = 0;
    kft_topic_partition tps[2] = {{"t", 0, KFT_OFFSET_INVALID}, {NULL, 1, 0}};
    CHECK_ERR(kft_consumer_assign(NULL, tps, 1), KFT_ERR_NULL_POINTER, "`consumer`");
    CHECK_ERR(kft_consumer_assign(c, NULL, 2), KFT_ERR_NULL_POINTER, "`partitions`");
    CHECK_ERR(kft_consumer_assign(c, tps, 2), KFT_ERR_NULL_POINTER, "`partitions[1].topic`");
    tps[1].topic = bad_utf8;
    CHECK_ERR(kft_consumer_assign(c, tps, 2), KFT_ERR_INVALID_UTF8, "`partitions[1].topic`");
    tps[1].topic = "t";
    tps[1].partition = -1;
    CHECK_ERR(kft_consumer_assign(c, tps, 2), KFT_ERR_INVALID_ARG, "partition -1");
    tps[1].partition = 1;
    tps[1].offset = -3;
    CHECK_ERR(kft_consumer_assign(c, tps, 2), KFT_ERR_INVALID_ARG, "offset -3");
    tps[1].topic = "";
    tps[1].offset = 0;
    CHECK_ERR(kft_consumer_assign(c, tps, 2), KFT_ERR_INVALID_ARG, "empty");
    CHECK_ERR(kft_consumer_position(c, "t", 0, &pos), KFT_ERR_UNKNOWN_PARTITION_LOCAL, "t-0"); /* unchanged */
    CHECK_ERR(kft_consumer_seek(NULL, "t", 0, 0), KFT_ERR_NULL_POINTER, "`consumer`");
    CHECK_ERR(kft_consumer_seek(c, NULL, 0, 0), KFT_ERR_NULL_POINTER, "`topic`");
    CHECK_ERR(kft_consumer_seek(c, "t", 0, -9), KFT_ERR_INVALID_ARG, "offset -9");
    CHECK_ERR(kft_consumer_seek(c, "t", 0, KFT_OFFSET_INVALID), KFT_ERR_INVALID_ARG, "offset -1001");
    CHECK_ERR(kft_consumer_position(NULL, "t", 0, &pos), KFT_ERR_NULL_POINTER, "`consumer`");
    CHECK_ERR(kft_consumer_position(c, "t", 0, NULL), KFT_ERR_NULL_POINTER, "`offset_out`");
    CHECK_ERR(kft_consumer_position(c, bad_utf8, 0, &pos), KFT_ERR_INVALID_UTF8, "`topic`");
    CHECK_ERR(kft_consumer_poll(NULL, 0, &m), KFT_ERR_NULL_POINTER, "`consumer`");
    CHECK_ERR(kft_consumer_poll(c, 0, NULL), KFT_ERR_NULL_POINTER, "`out`");
    CHECK_OK(kft_consumer_poll(c, 0, &m)); /* nothing assigned: no message */
    CHECK(m == NULL);

    /* Messages: accessors on NULL give documented values. */
    size_t len = 5;
    kft_header h;
    CHECK(kft_message_topic(NULL) == NULL);
    CHECK(kft_message_partition(NULL) == -1 && kft_message_offset(NULL) == -1);
    CHECK(kft_message_timestamp(NULL) == -1 && kft_message_timestamp_type(NULL) == -1);
    CHECK(kft_message_key(NULL, &len) == NULL && len == 0);
    len = 5;
    CHECK(kft_message_value(NULL, &len) == NULL && len == 0);
    CHECK(kft_message_value(NULL, NULL) == NULL);
    CHECK(kft_message_header_count(NULL) == 0);
    CHECK_ERR(kft_message_header(NULL, 0, &h), KFT_ERR_NULL_POINTER, "`msg`");

    /* Admin. */
    const char *keys[1] = {"cleanup.policy"};
    const char *values[1] = {NULL};
    CHECK_ERR(kft_admin_create_topic(NULL, "t", 1, NULL, NULL, 0), KFT_ERR_NULL_POINTER, "`admin`");
    CHECK_ERR(kft_admin_create_topic(a, NULL, 1, NULL, NULL, 0), KFT_ERR_NULL_POINTER, "`name`");
    CHECK_ERR(kft_admin_create_topic(a, bad_utf8, 1, NULL, NULL, 0), KFT_ERR_INVALID_UTF8, "`name`");
    CHECK_ERR(kft_admin_create_topic(a, "t", 1, keys, NULL, 1), KFT_ERR_NULL_POINTER, "`config_values`");
    CHECK_ERR(kft_admin_create_topic(a, "t", 1, keys, values, 1), KFT_ERR_NULL_POINTER, "`config_values[0]`");
    CHECK_ERR(kft_admin_create_topic(a, "t", 0, NULL, NULL, 0), KFT_ERR_INVALID_ARG, "partitions");
    CHECK_ERR(kft_admin_create_topic(a, "t", -2, NULL, NULL, 0), KFT_ERR_INVALID_ARG, "-2");
    CHECK_ERR(kft_admin_delete_topic(NULL, "t"), KFT_ERR_NULL_POINTER, "`admin`");
    CHECK_ERR(kft_admin_delete_topic(a, NULL), KFT_ERR_NULL_POINTER, "`name`");

    /* Destroying NULL does nothing. */
    kft_conf_destroy(NULL);
    kft_cluster_destroy(NULL);
    kft_producer_destroy(NULL);
    kft_consumer_destroy(NULL);
    kft_admin_destroy(NULL);
    kft_message_destroy(NULL);

    kft_admin_destroy(a);
    kft_consumer_destroy(c);
    kft_producer_destroy(p);
    kft_cluster_destroy(cluster);
    printf("null_args: every bad argument gave its code\n");
    return 0;
}
