/* Keys land where the Java client's default partitioner puts them: murmur2 of the key,
 * positive-masked, modulo the partition count. Vectors from Apache Kafka's
 * UtilsTest.testMurmur2, as partitions of a 6-partition topic. */
#include "check.h"

static const struct {
    const char *key;
    int32_t partition; /* (murmur2(key) & 0x7fffffff) % 6 */
} vectors[] = {
    {"21", 0},                                               /* murmur2 = -973932308 */
    {"foobar", 0},                                           /* -790332482 */
    {"a-little-bit-long-string", 2},                         /* -985981536 */
    {"a-little-bit-longer-string", 5},                       /* -1486304829 */
    {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 5}, /* -58897971 */
    {"abc", 3},                                              /* 479470107 */
};
#define NV (sizeof vectors / sizeof vectors[0])

static int reports;

static void on_delivery(const kft_delivery_report *r, void *cb_arg) {
    (void)cb_arg;
    CHECK(r->error == KFT_OK);
    size_t i = (size_t)(intptr_t)r->opaque;
    CHECK(i < NV);
    if (r->partition != vectors[i].partition) {
        fprintf(stderr, "key %s: partition %d, want %d\n", vectors[i].key, r->partition, vectors[i].partition);
        exit(1);
    }
    reports++;
}

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    create_topic(cluster, "keyed", 6);
    const char *pconf[] = {"linger.ms", "0", NULL};
    kft_producer *p = new_producer(cluster, pconf);
    for (size_t i = 0; i < NV; i++) {
        CHECK_OK(kft_producer_send(p, "keyed", KFT_PARTITION_ANY, (const uint8_t *)vectors[i].key,
                                   strlen(vectors[i].key), (const uint8_t *)"v", 1, NULL, 0, KFT_TIMESTAMP_NOW,
                                   (void *)(intptr_t)i, NULL));
    }
    CHECK_OK(kft_producer_flush(p, 10000));
    for (int tries = 0; reports < (int)NV && tries < 50; tries++) {
        CHECK_OK(kft_producer_poll(p, 200, on_delivery, NULL, NULL));
    }
    CHECK(reports == (int)NV);
    kft_producer_destroy(p);
    kft_cluster_destroy(cluster);
    printf("partitioner: %d keys on the Java partitioner's partitions\n", (int)NV);
    return 0;
}
