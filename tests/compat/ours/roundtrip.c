/* Our C API (ffi/include/kafkette.h) against Apache Kafka: the broker address comes from
 * argv[1] (tests/compat/test_ours_vs_apache.py passes the broker it started).
 * Per compression codec: create a 3-partition topic, produce 1000 keyed records with headers,
 * check the delivery reports (partition = murmur2 of the key, as the Java client), consume them
 * back with assign + seek (contiguous offsets per partition, same bytes), check each partition's
 * earliest and latest offsets with kft_admin_list_offsets, delete the topic; the topic listing sees it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"

#define N 1000
#define PARTITIONS 3

typedef struct {
    char key[24];
    char value[64];
    int reported;
    int32_t partition;
    int64_t offset;
} sent_record;

static sent_record records[N];
static int reports_seen;

/* Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), then toPositive % partitions. */
static int32_t kafka_partition(const char *key, size_t len) {
    const uint32_t m = 0x5bd1e995;
    uint32_t h = 0x9747b28c ^ (uint32_t)len;
    size_t i = 0;
    for (; i + 4 <= len; i += 4) {
        uint32_t k = (uint32_t)(uint8_t)key[i] | (uint32_t)(uint8_t)key[i + 1] << 8 |
                     (uint32_t)(uint8_t)key[i + 2] << 16 | (uint32_t)(uint8_t)key[i + 3] << 24;
        k *= m;
        k ^= k >> 24;
        k *= m;
        h *= m;
        h ^= k;
    }
    switch (len - i) {
    case 3: h ^= (uint32_t)(uint8_t)key[i + 2] << 16; /* fall through */
    case 2: h ^= (uint32_t)(uint8_t)key[i + 1] << 8; /* fall through */
    case 1: h ^= (uint32_t)(uint8_t)key[i]; h *= m;
    }
    h ^= h >> 13;
    h *= m;
    h ^= h >> 15;
    return (int32_t)((h & 0x7fffffff) % PARTITIONS);
}

static void on_delivery(const kft_delivery_report *r, void *cb_arg) {
    (void)cb_arg;
    if (r->error != KFT_OK) {
        fprintf(stderr, "delivery failed: %s (%d): %s\n", kft_result_name(r->error), (int)r->error,
                r->error_message ? r->error_message : "");
        exit(1);
    }
    sent_record *rec = (sent_record *)r->opaque;
    CHECK(rec >= records && rec < records + N);
    CHECK(!rec->reported);
    rec->reported = 1;
    rec->partition = r->partition;
    rec->offset = r->offset;
    reports_seen++;
}

static kft_conf *conf_for(const char *bootstrap, const char *const *pairs) {
    kft_conf *conf = NULL;
    CHECK_OK(kft_conf_new(&conf));
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", bootstrap));
    for (; pairs != NULL && pairs[0] != NULL; pairs += 2) CHECK_OK(kft_conf_set(conf, pairs[0], pairs[1]));
    return conf;
}

static void roundtrip(const char *bootstrap, kft_admin *admin, const char *codec) {
    char topic[96];
    snprintf(topic, sizeof topic, "ours-c-%s-%ld-%ld", codec, (long)time(NULL), (long)clock());
    CHECK_OK(kft_admin_create_topic(admin, topic, PARTITIONS, NULL, NULL, 0));
    CHECK_ERR(kft_admin_create_topic(admin, topic, PARTITIONS, NULL, NULL, 0), KFT_ERR_TOPIC_ALREADY_EXISTS, topic);

    const char *pconf[] = {"compression.type", codec, "linger.ms", "5", "client.id", "ours-c", NULL};
    kft_conf *conf = conf_for(bootstrap, pconf);
    kft_producer *p = NULL;
    CHECK_OK(kft_producer_new(conf, &p));
    kft_conf_destroy(conf);
    memset(records, 0, sizeof records);
    reports_seen = 0;
    for (int i = 0; i < N; i++) {
        sent_record *rec = &records[i];
        snprintf(rec->key, sizeof rec->key, "key-%d", i);
        snprintf(rec->value, sizeof rec->value, "value-%d-%s", i, codec);
        char index[16];
        snprintf(index, sizeof index, "%d", i);
        kft_header headers[2] = {
            {"index", 5, (const uint8_t *)index, strlen(index)},
            {"none", 4, NULL, 0},
        };
        CHECK_OK(kft_producer_send(p, topic, KFT_PARTITION_ANY, (const uint8_t *)rec->key, strlen(rec->key),
                                   (const uint8_t *)rec->value, strlen(rec->value), headers, 2, KFT_TIMESTAMP_NOW,
                                   rec, NULL));
    }
    CHECK_OK(kft_producer_flush(p, 30000));
    for (int tries = 0; reports_seen < N && tries < 100; tries++) {
        CHECK_OK(kft_producer_poll(p, 200, on_delivery, NULL, NULL));
    }
    CHECK(reports_seen == N);
    kft_producer_destroy(p);
    int64_t counts[PARTITIONS] = {0, 0, 0};
    for (int i = 0; i < N; i++) {
        CHECK(records[i].partition == kafka_partition(records[i].key, strlen(records[i].key)));
        counts[records[i].partition]++;
    }

    const char *cconf[] = {"auto.offset.reset", "latest", NULL};
    conf = conf_for(bootstrap, cconf);
    kft_consumer *c = NULL;
    CHECK_OK(kft_consumer_new(conf, &c));
    kft_conf_destroy(conf);
    kft_topic_partition assignment[PARTITIONS] = {
        {topic, 0, KFT_OFFSET_INVALID}, {topic, 1, KFT_OFFSET_INVALID}, {topic, 2, KFT_OFFSET_INVALID}};
    CHECK_OK(kft_consumer_assign(c, assignment, PARTITIONS));
    for (int32_t part = 0; part < PARTITIONS; part++) CHECK_OK(kft_consumer_seek(c, topic, part, 0));
    int64_t next_offset[PARTITIONS] = {0, 0, 0};
    int got = 0;
    for (int idle = 0; got < N && idle < 100;) {
        kft_message *m = NULL;
        CHECK_OK(kft_consumer_poll(c, 200, &m));
        if (m == NULL) {
            idle++;
            continue;
        }
        int32_t part = kft_message_partition(m);
        int64_t off = kft_message_offset(m);
        CHECK(strcmp(kft_message_topic(m), topic) == 0);
        CHECK(part >= 0 && part < PARTITIONS);
        CHECK(off == next_offset[part]); /* contiguous, in order */
        next_offset[part]++;
        int i = -1;
        for (int j = 0; j < N; j++) {
            if (records[j].partition == part && records[j].offset == off) i = j;
        }
        CHECK(i >= 0);
        size_t len = 0;
        const uint8_t *key = kft_message_key(m, &len);
        CHECK(len == strlen(records[i].key) && memcmp(key, records[i].key, len) == 0);
        const uint8_t *value = kft_message_value(m, &len);
        CHECK(len == strlen(records[i].value) && memcmp(value, records[i].value, len) == 0);
        CHECK(kft_message_header_count(m) == 2);
        kft_header h;
        CHECK_OK(kft_message_header(m, 0, &h));
        char index[16];
        snprintf(index, sizeof index, "%d", i);
        CHECK(h.key_len == 5 && memcmp(h.key, "index", 5) == 0);
        CHECK(h.value_len == strlen(index) && memcmp(h.value, index, h.value_len) == 0);
        CHECK_OK(kft_message_header(m, 1, &h));
        CHECK(h.key_len == 4 && memcmp(h.key, "none", 4) == 0 && h.value == NULL);
        kft_message_destroy(m);
        got++;
    }
    CHECK(got == N);
    for (int32_t part = 0; part < PARTITIONS; part++) {
        CHECK(next_offset[part] == counts[part]);
        int64_t earliest = -1, latest = -1;
        CHECK_OK(kft_admin_list_offsets(admin, topic, part, KFT_OFFSET_SPEC_EARLIEST, &earliest, NULL));
        CHECK_OK(kft_admin_list_offsets(admin, topic, part, KFT_OFFSET_SPEC_LATEST, &latest, NULL));
        CHECK(earliest == 0 && latest == counts[part]);
    }
    kft_consumer_destroy(c);
    kft_topic_list *list = NULL;
    CHECK_OK(kft_admin_list_topics(admin, &list));
    int listed = 0;
    for (size_t i = 0; i < kft_topic_list_count(list); i++) {
        if (strcmp(kft_topic_list_name(list, i), topic) == 0) listed = kft_topic_list_partitions(list, i) == PARTITIONS;
    }
    kft_topic_list_destroy(list);
    CHECK(listed);
    CHECK_OK(kft_admin_delete_topic(admin, topic));
    printf("ok %s: %d records, partitions %lld/%lld/%lld\n", codec, N, (long long)counts[0], (long long)counts[1],
           (long long)counts[2]);
}

int main(int argc, char **argv) {
    if (argc < 2 || argv[1][0] == '\0') {
        fprintf(stderr, "usage: %s BOOTSTRAP (the Apache Kafka broker's host:port)\n", argv[0]);
        return 2;
    }
    kft_conf *conf = conf_for(argv[1], NULL);
    kft_admin *admin = NULL;
    CHECK_OK(kft_admin_new(conf, &admin));
    kft_conf_destroy(conf);
    const char *codecs[] = {"none", "gzip", "snappy", "lz4", "zstd"};
    for (size_t i = 0; i < sizeof codecs / sizeof codecs[0]; i++) roundtrip(argv[1], admin, codecs[i]);
    char missing[64];
    snprintf(missing, sizeof missing, "ours-c-missing-%ld", (long)time(NULL));
    CHECK_ERR(kft_admin_delete_topic(admin, missing), KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION, missing);
    int64_t off = 0;
    CHECK_ERR(kft_admin_list_offsets(admin, missing, 0, KFT_OFFSET_SPEC_LATEST, &off, NULL),
              KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION, "");
    kft_admin_destroy(admin);
    return 0;
}
