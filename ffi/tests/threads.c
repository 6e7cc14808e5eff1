/* A producer thread and a consumer thread share one cluster: every record sent is
 * reported once and consumed once, in order per partition. */
#include <pthread.h>

#include "check.h"

#define TOPIC "stream"
#define N 300
#define PARTITIONS 4

typedef struct {
    const kft_cluster *cluster;
    int reports;
    int64_t next_offset[PARTITIONS];
} producer_state;

typedef struct {
    const kft_cluster *cluster;
    int consumed;
    int64_t next_offset[PARTITIONS];
    int seen[N];
} consumer_state;

static void on_delivery(const kft_delivery_report *r, void *cb_arg) {
    producer_state *st = cb_arg;
    CHECK(r->error == KFT_OK);
    CHECK(r->partition >= 0 && r->partition < PARTITIONS);
    CHECK(r->offset == st->next_offset[r->partition]); /* one producer: offsets in send order */
    st->next_offset[r->partition]++;
    st->reports++;
}

static void *produce(void *arg) {
    producer_state *st = arg;
    const char *pconf[] = {"linger.ms", "2", "batch.size", "2048", NULL};
    kft_producer *p = new_producer(st->cluster, pconf);
    for (int i = 0; i < N; i++) {
        char key[16], value[16];
        snprintf(key, sizeof key, "k%d", i % 17);
        snprintf(value, sizeof value, "%d", i);
        kft_result r;
        while ((r = kft_producer_send(p, TOPIC, KFT_PARTITION_ANY, (const uint8_t *)key, strlen(key),
                                      (const uint8_t *)value, strlen(value), NULL, 0, KFT_TIMESTAMP_NOW, NULL,
                                      NULL)) == KFT_ERR_QUEUE_FULL) {
            CHECK_OK(kft_producer_poll(p, 10, on_delivery, st, NULL));
        }
        CHECK_OK(r);
        if (i % 25 == 0) CHECK_OK(kft_producer_poll(p, 0, on_delivery, st, NULL));
    }
    CHECK_OK(kft_producer_flush(p, 20000));
    while (kft_producer_outstanding(p) > 0) CHECK_OK(kft_producer_poll(p, 100, on_delivery, st, NULL));
    kft_producer_destroy(p);
    return NULL;
}

static void *consume(void *arg) {
    consumer_state *st = arg;
    const char *cconf[] = {"auto.offset.reset", "earliest", "fetch.max.wait.ms", "50", NULL};
    kft_consumer *c = new_consumer(st->cluster, cconf);
    kft_topic_partition tps[PARTITIONS];
    for (int i = 0; i < PARTITIONS; i++) tps[i] = (kft_topic_partition){TOPIC, i, KFT_OFFSET_INVALID};
    CHECK_OK(kft_consumer_assign(c, tps, PARTITIONS));
    for (int idle = 0; st->consumed < N && idle < 150;) {
        kft_message *m = NULL;
        CHECK_OK(kft_consumer_poll(c, 100, &m));
        if (m == NULL) {
            idle++;
            continue;
        }
        int32_t part = kft_message_partition(m);
        CHECK(kft_message_offset(m) == st->next_offset[part]);
        st->next_offset[part]++;
        size_t len = 0;
        const uint8_t *v = kft_message_value(m, &len);
        char buf[16] = {0};
        CHECK(len > 0 && len < sizeof buf);
        memcpy(buf, v, len);
        int i = atoi(buf);
        CHECK(i >= 0 && i < N && !st->seen[i]);
        st->seen[i] = 1;
        st->consumed++;
        kft_message_destroy(m);
    }
    kft_consumer_destroy(c);
    return NULL;
}

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    create_topic(cluster, TOPIC, PARTITIONS);
    producer_state ps = {.cluster = cluster};
    consumer_state cs = {.cluster = cluster};
    pthread_t producer, consumer;
    CHECK(pthread_create(&consumer, NULL, consume, &cs) == 0);
    CHECK(pthread_create(&producer, NULL, produce, &ps) == 0);
    CHECK(pthread_join(producer, NULL) == 0);
    CHECK(pthread_join(consumer, NULL) == 0);
    CHECK(ps.reports == N);
    CHECK(cs.consumed == N);
    for (int p = 0; p < PARTITIONS; p++) CHECK(ps.next_offset[p] == cs.next_offset[p]);
    kft_cluster_destroy(cluster);
    printf("threads: %d records produced in one thread and consumed in another\n", N);
    return 0;
}
