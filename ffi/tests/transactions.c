/* Transactions: a consume-transform-produce copy where each batch's output records and
 * input offsets commit together (send_offsets_to_transaction with the consumer's group
 * metadata); an aborted batch is never seen by a read_committed consumer (a
 * read_uncommitted one sees it) and its offsets are not committed; a second producer
 * with the same transactional.id fences the first (a fatal error). */
#include "check.h"

#define IN "tx-in"
#define OUT "tx-out"
#define N 10
#define BATCH 5

/* Copy BATCH records from `c` to OUT as "<prefix><value>" inside one transaction and
 * send the consumer's positions with it; commit or abort. */
static void copy_batch(kft_producer *p, kft_consumer *c, const char *prefix, int commit) {
    CHECK_OK(kft_producer_begin_transaction(p));
    for (int i = 0; i < BATCH; i++) {
        kft_message *m = poll_one(c, 100);
        CHECK(m != NULL);
        size_t len = 0;
        const uint8_t *v = kft_message_value(m, &len);
        char out[32];
        snprintf(out, sizeof out, "%s%.*s", prefix, (int)len, (const char *)v);
        send_value(p, OUT, 0, out);
        kft_message_destroy(m);
    }
    kft_topic_partition offsets[2];
    size_t n = 0;
    for (int32_t part = 0; part < 2; part++) {
        int64_t pos = KFT_OFFSET_INVALID;
        CHECK_OK(kft_consumer_position(c, IN, part, &pos));
        if (pos >= 0) offsets[n++] = (kft_topic_partition){IN, part, pos};
    }
    CHECK(n > 0);
    kft_group_metadata *md = NULL;
    CHECK_OK(kft_consumer_group_metadata(c, &md));
    CHECK(strcmp(kft_group_metadata_group_id(md), "copier") == 0);
    CHECK(kft_group_metadata_generation_id(md) >= 1 && strlen(kft_group_metadata_member_id(md)) > 0);
    CHECK_OK(kft_producer_send_offsets_to_transaction(p, offsets, n, md, 10000));
    kft_group_metadata_destroy(md);
    if (commit) {
        CHECK_OK(kft_producer_commit_transaction(p, 10000));
    } else {
        /* Written to the log first, so that the abort has something to hide. */
        CHECK_OK(kft_producer_flush(p, 10000));
        CHECK_OK(kft_producer_abort_transaction(p, 10000));
    }
}

/* The committed offsets of IN's two partitions for group "copier" (-1001 = none). */
static void committed_in(kft_consumer *c, int64_t out[2]) {
    kft_topic_partition tps[2] = {{IN, 0, 0}, {IN, 1, 0}};
    CHECK_OK(kft_consumer_committed(c, tps, 2, 10000));
    out[0] = tps[0].offset;
    out[1] = tps[1].offset;
}

/* Read OUT from the start with `isolation`, until `want` records came and then a quiet
 * 0.6 s passed; returns how many came and counts those starting with "a-". */
static int read_out(const kft_cluster *cluster, const char *isolation, int want, int *aborted, int seen[N]) {
    const char *conf[] = {"auto.offset.reset", "earliest", "isolation.level", isolation, NULL};
    kft_consumer *c = new_consumer(cluster, conf);
    kft_topic_partition tp = {OUT, 0, KFT_OFFSET_BEGINNING};
    CHECK_OK(kft_consumer_assign(c, &tp, 1));
    int got = 0;
    *aborted = 0;
    for (kft_message *m; (m = poll_one(c, got < want ? 100 : 3)) != NULL;) {
        size_t len = 0;
        const char *v = (const char *)kft_message_value(m, &len);
        CHECK(len > 3 && (v[0] == 'a' || v[0] == 'c') && v[1] == '-' && v[2] == 'v');
        if (v[0] == 'a') {
            (*aborted)++;
        } else if (seen != NULL) {
            int i = atoi(v + 3);
            CHECK(i >= 0 && i < N);
            seen[i]++;
        }
        got++;
        kft_message_destroy(m);
    }
    kft_consumer_destroy(c);
    return got;
}

static void fencing(const kft_cluster *cluster) {
    create_topic(cluster, "fence", 1);
    const char *tconf[] = {"transactional.id", "zombie", NULL};
    kft_producer *old = new_producer(cluster, tconf);
    CHECK_OK(kft_producer_init_transactions(old, 10000));
    CHECK_OK(kft_producer_begin_transaction(old));
    send_value(old, "fence", 0, "c-v0");
    CHECK_OK(kft_producer_flush(old, 10000));

    kft_producer *fresh = new_producer(cluster, tconf); /* fences `old`, aborts its transaction */
    CHECK_OK(kft_producer_init_transactions(fresh, 10000));
    CHECK_OK(kft_producer_begin_transaction(fresh));
    send_value(fresh, "fence", 0, "c-v1");
    CHECK_OK(kft_producer_commit_transaction(fresh, 10000));

    kft_result r = kft_producer_commit_transaction(old, 10000);
    CHECK(r == KFT_ERR_PRODUCER_FENCED || r == KFT_ERR_INVALID_PRODUCER_EPOCH);
    CHECK(kft_last_error_code() == r);
    CHECK(kft_last_error_is_fatal());
    CHECK(!kft_last_error_is_retriable());
    CHECK(strlen(kft_last_error()) > 0);
    /* A fenced producer stays fenced. */
    r = kft_producer_begin_transaction(old);
    CHECK(r != KFT_OK && kft_last_error_is_fatal());

    const char *rc[] = {"auto.offset.reset", "earliest", "isolation.level", "read_committed", NULL};
    kft_consumer *c = new_consumer(cluster, rc);
    kft_topic_partition tp = {"fence", 0, KFT_OFFSET_BEGINNING};
    CHECK_OK(kft_consumer_assign(c, &tp, 1));
    kft_message *m = poll_one(c, 100);
    CHECK(m != NULL && value_is(m, "c-v1"));
    kft_message_destroy(m);
    CHECK(poll_one(c, 3) == NULL);
    kft_consumer_destroy(c);
    kft_producer_destroy(old);
    kft_producer_destroy(fresh);
}

/* A record the broker refuses (larger than the topic's max.message.bytes) fails the
 * transaction: commit says the transaction must be aborted; after the abort the
 * producer goes on. */
static void requires_abort(const kft_cluster *cluster) {
    kft_admin *admin = new_admin(cluster);
    const char *keys[] = {"max.message.bytes"}, *values[] = {"200"};
    CHECK_OK(kft_admin_create_topic(admin, "tiny", 1, keys, values, 1));
    kft_admin_destroy(admin);
    const char *tconf[] = {"transactional.id", "tiny-tx", NULL};
    kft_producer *p = new_producer(cluster, tconf);
    CHECK_OK(kft_producer_init_transactions(p, 10000));
    CHECK_OK(kft_producer_begin_transaction(p));
    static uint8_t big[1000];
    CHECK_OK(kft_producer_send(p, "tiny", 0, NULL, 0, big, sizeof big, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL));
    kft_result r = kft_producer_commit_transaction(p, 10000);
    CHECK(r != KFT_OK);
    CHECK(kft_last_error_txn_requires_abort());
    CHECK(!kft_last_error_is_fatal());
    CHECK_OK(kft_producer_abort_transaction(p, 10000));
    CHECK_OK(kft_producer_begin_transaction(p));
    send_value(p, "tiny", 0, "c-v0");
    CHECK_OK(kft_producer_commit_transaction(p, 10000));
    kft_producer_destroy(p);
}

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    create_topic(cluster, IN, 2);
    create_topic(cluster, OUT, 1);
    kft_producer *plain = new_producer(cluster, NULL);
    for (int i = 0; i < N; i++) {
        char v[8];
        snprintf(v, sizeof v, "v%d", i);
        send_value(plain, IN, i % 2, v);
    }
    CHECK_OK(kft_producer_flush(plain, 10000));
    kft_producer_destroy(plain);

    const char *cconf[] = {"group.id", "copier", "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                           "isolation.level", "read_committed", "fetch.max.wait.ms", "50", NULL};
    kft_consumer *c = new_consumer(cluster, cconf);
    const char *topics[] = {IN};
    CHECK_OK(kft_consumer_subscribe(c, topics, 1));
    const char *tconf[] = {"transactional.id", "copier-tx", NULL};
    kft_producer *p = new_producer(cluster, tconf);
    CHECK_OK(kft_producer_init_transactions(p, 10000));

    copy_batch(p, c, "c-", 1);
    int64_t after_first[2];
    committed_in(c, after_first);
    CHECK(after_first[0] >= 0 || after_first[1] >= 0);

    copy_batch(p, c, "a-", 0); /* aborted: its offsets are not committed either */
    int64_t after_abort[2];
    committed_in(c, after_abort);
    CHECK(after_abort[0] == after_first[0] && after_abort[1] == after_first[1]);

    /* Start again from the committed offsets, as an application does after an abort. */
    for (int32_t part = 0; part < 2; part++) {
        int64_t to = after_abort[part] >= 0 ? after_abort[part] : KFT_OFFSET_BEGINNING;
        CHECK_OK(kft_consumer_seek(c, IN, part, to));
    }
    copy_batch(p, c, "c-", 1);
    int64_t done[2];
    committed_in(c, done);
    CHECK(done[0] == N / 2 && done[1] == N / 2);
    CHECK(kft_producer_outstanding(p) == 3 * BATCH);
    size_t served = 0;
    CHECK_OK(kft_producer_poll(p, 1000, NULL, NULL, &served));
    CHECK(served > 0);

    int seen[N] = {0}, aborted = 0;
    CHECK(read_out(cluster, "read_committed", N, &aborted, seen) == N);
    CHECK(aborted == 0);
    for (int i = 0; i < N; i++) CHECK(seen[i] == 1);
    /* The aborted batch was written: read_uncommitted sees it too. */
    CHECK(read_out(cluster, "read_uncommitted", N + BATCH, &aborted, NULL) == N + BATCH);
    CHECK(aborted == BATCH);

    CHECK_OK(kft_consumer_close(c, 10000));
    kft_consumer_destroy(c);
    kft_producer_destroy(p);

    fencing(cluster);
    requires_abort(cluster);
    kft_cluster_destroy(cluster);
    printf("transactions: ok\n");
    return 0;
}
