/* auto.offset.reset decides where a partition assigned without an offset starts:
 * earliest reads what is there, latest only what comes later, none is an error. */
#include "check.h"

#define TOPIC "events"

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    create_topic(cluster, TOPIC, 1);
    const char *pconf[] = {"linger.ms", "0", NULL};
    kft_producer *p = new_producer(cluster, pconf);
    for (int i = 0; i < 5; i++) {
        char v[8];
        snprintf(v, sizeof v, "old-%d", i);
        send_value(p, TOPIC, 0, v);
    }
    CHECK_OK(kft_producer_flush(p, 10000));
    CHECK_OK(kft_producer_poll(p, 0, NULL, NULL, NULL));

    kft_topic_partition tp = {TOPIC, 0, KFT_OFFSET_INVALID};
    const char *earliest_conf[] = {"auto.offset.reset", "earliest", NULL};
    const char *latest_conf[] = {"auto.offset.reset", "latest", NULL};
    const char *none_conf[] = {"auto.offset.reset", "none", NULL};
    kft_consumer *earliest = new_consumer(cluster, earliest_conf);
    kft_consumer *latest = new_consumer(cluster, latest_conf);
    kft_consumer *none = new_consumer(cluster, none_conf);
    CHECK_OK(kft_consumer_assign(earliest, &tp, 1));
    CHECK_OK(kft_consumer_assign(latest, &tp, 1));
    CHECK_OK(kft_consumer_assign(none, &tp, 1));

    kft_message *m = poll_one(earliest, 50);
    CHECK(m != NULL && kft_message_offset(m) == 0 && value_is(m, "old-0"));
    kft_message_destroy(m);

    /* latest: nothing of the old records; its position settles at the end. */
    CHECK_OK(kft_consumer_poll(latest, 300, &m));
    CHECK(m == NULL);
    int64_t pos = 0;
    for (int i = 0; i < 50; i++) {
        CHECK_OK(kft_consumer_position(latest, TOPIC, 0, &pos));
        if (pos != KFT_OFFSET_INVALID) break;
        CHECK_OK(kft_consumer_poll(latest, 100, &m));
        CHECK(m == NULL);
    }
    CHECK(pos == 5);
    send_value(p, TOPIC, 0, "new-5");
    CHECK_OK(kft_producer_flush(p, 10000));
    m = poll_one(latest, 50);
    CHECK(m != NULL && kft_message_offset(m) == 5 && value_is(m, "new-5"));
    kft_message_destroy(m);

    /* none: no committed offset to start from is an error, reported once by poll. */
    kft_result r = KFT_OK;
    for (int i = 0; i < 50 && r == KFT_OK; i++) {
        r = kft_consumer_poll(none, 100, &m);
        CHECK(m == NULL);
    }
    CHECK(r == KFT_ERR_NO_OFFSET);
    CHECK(strstr(kft_last_error(), TOPIC) != NULL);
    CHECK(strcmp(kft_result_name(r), "NO_OFFSET") == 0);
    /* An explicit offset still works for it. */
    CHECK_OK(kft_consumer_seek(none, TOPIC, 0, KFT_OFFSET_BEGINNING));
    m = poll_one(none, 50);
    CHECK(m != NULL && kft_message_offset(m) == 0);
    kft_message_destroy(m);

    /* Seeking the earliest consumer to the end: only new records. */
    CHECK_OK(kft_consumer_seek(earliest, TOPIC, 0, KFT_OFFSET_END));
    send_value(p, TOPIC, 0, "newer-6");
    CHECK_OK(kft_producer_flush(p, 10000));
    m = poll_one(earliest, 50);
    CHECK(m != NULL && kft_message_offset(m) == 6 && value_is(m, "newer-6"));
    kft_message_destroy(m);

    kft_consumer_destroy(earliest);
    kft_consumer_destroy(latest);
    kft_consumer_destroy(none);
    kft_producer_destroy(p);
    kft_cluster_destroy(cluster);
    printf("auto_offset_reset: earliest, latest and none behave\n");
    return 0;
}
