/* Keyed records with headers and binary values: delivery reports carry partitions,
 * offsets, timestamps and the caller's opaque pointers; consuming them back gives
 * the same bytes; seek and position follow. */
#include "check.h"

#define N 30
#define TOPIC "orders"

typedef struct {
    char key[16];
    uint8_t value[8]; /* binary, with NUL bytes */
    int64_t timestamp;
    /* filled from the delivery report */
    int reported;
    int32_t partition;
    int64_t offset;
} sent_record;

static sent_record records[N];
static int reports_seen;

static void on_delivery(const kft_delivery_report *r, void *cb_arg) {
    CHECK(cb_arg == (void *)records);
    CHECK(r->error == KFT_OK);
    CHECK(r->error_message == NULL);
    CHECK(strcmp(r->topic, TOPIC) == 0);
    sent_record *rec = (sent_record *)r->opaque;
    CHECK(rec >= records && rec < records + N);
    CHECK(r->delivery_id == (uint64_t)(rec - records));
    CHECK(!rec->reported);
    rec->reported = 1;
    rec->partition = r->partition;
    rec->offset = r->offset;
    CHECK(r->partition >= 0 && r->partition < 3);
    CHECK(r->offset >= 0);
    CHECK(r->timestamp == rec->timestamp);
    reports_seen++;
}

static void check_headers(const kft_message *m, int i) {
    CHECK(kft_message_header_count(m) == 3);
    kft_header h;
    CHECK_OK(kft_message_header(m, 0, &h));
    CHECK(h.key_len == 5 && memcmp(h.key, "trace", 5) == 0);
    char want[16];
    snprintf(want, sizeof want, "t-%d", i);
    CHECK(h.value_len == strlen(want) && memcmp(h.value, want, h.value_len) == 0);
    CHECK_OK(kft_message_header(m, 1, &h)); /* a null value */
    CHECK(h.key_len == 4 && memcmp(h.key, "none", 4) == 0 && h.value == NULL && h.value_len == 0);
    CHECK_OK(kft_message_header(m, 2, &h)); /* a repeated key keeps its order */
    CHECK(h.key_len == 5 && memcmp(h.key, "trace", 5) == 0 && h.value_len == 3 && memcmp(h.value, "dup", 3) == 0);
    CHECK_ERR(kft_message_header(m, 3, &h), KFT_ERR_INVALID_ARG, "out of range");
}

int main(void) {
    CHECK(strlen(kft_version()) > 0);
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    CHECK(strncmp(kft_cluster_bootstrap_servers(cluster), "inproc://", 9) == 0);
    create_topic(cluster, TOPIC, 3);

    const char *pconf[] = {"linger.ms", "5", "client.id", "c-test", NULL};
    kft_producer *p = new_producer(cluster, pconf);
    for (int i = 0; i < N; i++) {
        sent_record *rec = &records[i];
        snprintf(rec->key, sizeof rec->key, "user-%d", i % 7); /* keys repeat: same key, same partition */
        for (int b = 0; b < 8; b++) rec->value[b] = (uint8_t)((i * 8 + b) % 3 == 0 ? 0 : i + b);
        rec->timestamp = 1700000000000LL + i;
        char trace[16];
        snprintf(trace, sizeof trace, "t-%d", i);
        kft_header headers[3] = {
            {"trace", 5, (const uint8_t *)trace, strlen(trace)},
            {"none", 4, NULL, 0},
            {"trace", 5, (const uint8_t *)"dup", 3},
        };
        uint64_t id = 999;
        CHECK_OK(kft_producer_send(p, TOPIC, KFT_PARTITION_ANY, (const uint8_t *)rec->key, strlen(rec->key),
                                   rec->value, sizeof rec->value, headers, 3, rec->timestamp, rec, &id));
        CHECK(id == (uint64_t)i);
    }
    CHECK(kft_producer_outstanding(p) == N);
    CHECK_OK(kft_producer_flush(p, 10000));
    for (int tries = 0; reports_seen < N && tries < 50; tries++) {
        size_t served = 0;
        CHECK_OK(kft_producer_poll(p, 200, on_delivery, records, &served));
    }
    CHECK(reports_seen == N);
    CHECK(kft_producer_outstanding(p) == 0);
    size_t served = 7;
    CHECK_OK(kft_producer_poll(p, 0, on_delivery, records, &served)); /* nothing left: returns at once */
    CHECK(served == 0);
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++) {
            if (strcmp(records[i].key, records[j].key) == 0) CHECK(records[i].partition == records[j].partition);
        }
    }
    /* The topic's metadata is known now: a partition it does not have fails at once, with no report. */
    CHECK_ERR(kft_producer_send(p, TOPIC, 7, NULL, 0, NULL, 0, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_UNKNOWN_PARTITION_LOCAL, TOPIC);
    CHECK(kft_producer_outstanding(p) == 0);
    kft_producer_destroy(p);

    const char *cconf[] = {"auto.offset.reset", "earliest", "max.poll.records", "4", NULL};
    kft_consumer *c = new_consumer(cluster, cconf);
    kft_topic_partition assignment[3] = {
        {TOPIC, 0, KFT_OFFSET_BEGINNING}, {TOPIC, 1, KFT_OFFSET_INVALID}, {TOPIC, 2, 0}};
    CHECK_OK(kft_consumer_assign(c, assignment, 3));
    int got = 0;
    int64_t next_offset[3] = {0, 0, 0};
    while (got < N) {
        kft_message *m = poll_one(c, 50);
        CHECK(m != NULL);
        int32_t part = kft_message_partition(m);
        int64_t off = kft_message_offset(m);
        CHECK(strcmp(kft_message_topic(m), TOPIC) == 0);
        CHECK(off == next_offset[part]); /* dense and in order per partition */
        next_offset[part]++;
        int i = -1;
        for (int j = 0; j < N; j++) {
            if (records[j].partition == part && records[j].offset == off) i = j;
        }
        CHECK(i >= 0);
        size_t klen = 0, vlen = 0;
        const uint8_t *k = kft_message_key(m, &klen);
        const uint8_t *v = kft_message_value(m, &vlen);
        CHECK(klen == strlen(records[i].key) && memcmp(k, records[i].key, klen) == 0);
        CHECK(vlen == sizeof records[i].value && memcmp(v, records[i].value, vlen) == 0);
        CHECK(kft_message_timestamp(m) == records[i].timestamp);
        CHECK(kft_message_timestamp_type(m) == KFT_TIMESTAMP_CREATE_TIME);
        check_headers(m, i);
        kft_message_destroy(m);
        got++;
    }
    for (int part = 0; part < 3; part++) {
        int64_t pos = -5;
        CHECK_OK(kft_consumer_position(c, TOPIC, part, &pos));
        CHECK(pos == next_offset[part]);
    }
    kft_message *none = NULL;
    CHECK_OK(kft_consumer_poll(c, 50, &none)); /* a timeout is KFT_OK with no message */
    CHECK(none == NULL);

    /* Seek back: the first record of records[0]'s partition again, and position follows. */
    int32_t p0 = records[0].partition;
    CHECK(next_offset[p0] > 0);
    CHECK_OK(kft_consumer_seek(c, TOPIC, p0, 0));
    int64_t pos = -5;
    CHECK_OK(kft_consumer_position(c, TOPIC, p0, &pos));
    CHECK(pos == 0);
    kft_message *again = poll_one(c, 50);
    CHECK(again != NULL && kft_message_partition(again) == p0 && kft_message_offset(again) == 0);
    kft_message_destroy(again);
    CHECK_OK(kft_consumer_position(c, TOPIC, p0, &pos));
    CHECK(pos == 1);
    CHECK_ERR(kft_consumer_seek(c, TOPIC, 5, 0), KFT_ERR_UNKNOWN_PARTITION_LOCAL, "orders-5");
    CHECK_ERR(kft_consumer_position(c, "elsewhere", 0, &pos), KFT_ERR_UNKNOWN_PARTITION_LOCAL, "elsewhere-0");

    /* Unassign everything: position is then an error. */
    CHECK_OK(kft_consumer_assign(c, NULL, 0));
    CHECK_ERR(kft_consumer_position(c, TOPIC, 0, &pos), KFT_ERR_UNKNOWN_PARTITION_LOCAL, "not assigned");
    kft_consumer_destroy(c);
    kft_cluster_destroy(cluster);
    printf("produce_consume: %d records produced and consumed back\n", N);
    return 0;
}
