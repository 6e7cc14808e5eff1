/* acks=0: the broker does not answer, so reports carry offset -1 and no error;
 * the records are stored all the same. */
#include "check.h"

#define N 10

static int reports;

static void on_delivery(const kft_delivery_report *r, void *cb_arg) {
    (void)cb_arg;
    CHECK(r->error == KFT_OK);
    CHECK(r->offset == -1);
    CHECK(r->partition == 0);
    CHECK(strcmp(r->topic, "fire-and-forget") == 0);
    CHECK((intptr_t)r->opaque == (intptr_t)r->delivery_id + 100);
    reports++;
}

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    create_topic(cluster, "fire-and-forget", 1);
    const char *pconf[] = {"acks", "0", "linger.ms", "0", NULL};
    kft_producer *p = new_producer(cluster, pconf);
    for (int i = 0; i < N; i++) {
        char value[16];
        snprintf(value, sizeof value, "m%d", i);
        CHECK_OK(kft_producer_send(p, "fire-and-forget", 0, NULL, 0, (const uint8_t *)value, strlen(value), NULL, 0,
                                   KFT_TIMESTAMP_NOW, (void *)(intptr_t)(i + 100), NULL));
    }
    CHECK_OK(kft_producer_flush(p, 10000));
    for (int tries = 0; reports < N && tries < 50; tries++) {
        CHECK_OK(kft_producer_poll(p, 200, on_delivery, NULL, NULL));
    }
    CHECK(reports == N);
    kft_producer_destroy(p);

    const char *cconf[] = {"auto.offset.reset", "earliest", NULL};
    kft_consumer *c = new_consumer(cluster, cconf);
    kft_topic_partition tp = {"fire-and-forget", 0, KFT_OFFSET_INVALID};
    CHECK_OK(kft_consumer_assign(c, &tp, 1));
    for (int i = 0; i < N; i++) {
        kft_message *m = poll_one(c, 50);
        CHECK(m != NULL);
        char want[16];
        snprintf(want, sizeof want, "m%d", i);
        CHECK(kft_message_offset(m) == i && value_is(m, want));
        size_t klen = 99;
        CHECK(kft_message_key(m, &klen) == NULL && klen == 0); /* a null key */
        CHECK(kft_message_header_count(m) == 0);
        kft_message_destroy(m);
    }
    kft_consumer_destroy(c);
    kft_cluster_destroy(cluster);
    printf("acks0: %d reports with offset -1, records stored\n", N);
    return 0;
}
