/* Consumer groups: two members of one group share a 4-partition topic through rebalance
 * callbacks (each only ever gets records of partitions it owns), the REVOKE callback
 * commits, one member closes and the other takes everything over from the committed
 * offsets (every record consumed exactly once); commit/committed round-trips (sync, and
 * async through the offset-commit callback); assignment, pause/resume; a ^pattern
 * subscription. */
#include "check.h"

#define TOPIC "shared"
#define PARTS 4
#define N 40

typedef struct {
    const char *name;
    int owned[PARTS];
    int assigns, revokes, losts;
} member;

static int seen[N];
static int total;

static int owned_count(const member *m) {
    int n = 0;
    for (int i = 0; i < PARTS; i++) n += m->owned[i];
    return n;
}

static void on_rebalance(kft_consumer *c, kft_rebalance_kind kind, const kft_topic_partition *parts, size_t count,
                         void *opaque) {
    member *m = opaque;
    if (kind == KFT_REBALANCE_REVOKE) {
        /* The revoked partitions are still ours: commit what was consumed from them. */
        CHECK_OK(kft_consumer_commit(c, NULL, 0, false));
    }
    for (size_t i = 0; i < count; i++) {
        CHECK(strcmp(parts[i].topic, TOPIC) == 0 && parts[i].partition >= 0 && parts[i].partition < PARTS);
        CHECK(parts[i].offset == KFT_OFFSET_INVALID);
        int *slot = &m->owned[parts[i].partition];
        if (kind == KFT_REBALANCE_ASSIGN) {
            CHECK(*slot == 0);
            *slot = 1;
        } else {
            CHECK(*slot == 1);
            *slot = 0;
        }
    }
    if (kind == KFT_REBALANCE_ASSIGN) m->assigns++;
    if (kind == KFT_REBALANCE_REVOKE) m->revokes++;
    if (kind == KFT_REBALANCE_LOST) m->losts++;
}

static kft_consumer *join(const kft_cluster *cluster, const char *group, member *m) {
    const char *conf[] = {"group.id", group, "auto.offset.reset", "earliest", "enable.auto.commit", "false",
                          "heartbeat.interval.ms", "100", "session.timeout.ms", "30000", "fetch.max.wait.ms", "50", NULL};
    kft_consumer *c = new_consumer(cluster, conf);
    CHECK_OK(kft_consumer_set_rebalance_cb(c, on_rebalance, m));
    const char *topics[] = {TOPIC};
    CHECK_OK(kft_consumer_subscribe(c, topics, 1));
    return c;
}

/* One poll of `c`: a record must belong to a partition `m` owns; counts it in `seen`. */
static void poll_member(kft_consumer *c, member *m) {
    kft_message *msg = NULL;
    CHECK_OK(kft_consumer_poll(c, 50, &msg));
    if (msg == NULL) return;
    int32_t part = kft_message_partition(msg);
    CHECK(part >= 0 && part < PARTS && m->owned[part]);
    size_t len = 0;
    const char *v = (const char *)kft_message_value(msg, &len);
    CHECK(len >= 2 && v[0] == 'v');
    int i = atoi(v + 1);
    CHECK(i >= 0 && i < N && i % PARTS == part);
    seen[i]++;
    total++;
    kft_message_destroy(msg);
}

#define POLL_UNTIL(cond, ...)                                                      \
    do {                                                                           \
        int tries_ = 0;                                                            \
        while (!(cond)) {                                                          \
            CHECK(tries_++ < 600); /* 30 s of 50 ms polls */                       \
            kft_consumer *cs_[] = {__VA_ARGS__};                                   \
            member *ms_[] = {&a, &b};                                              \
            for (size_t k_ = 0; k_ < sizeof cs_ / sizeof cs_[0]; k_++)             \
                poll_member(cs_[k_], ms_[cs_[k_] == ca ? 0 : 1]);                 \
        }                                                                          \
    } while (0)

static int commits_done;
static void on_commit(kft_consumer *c, kft_result err, const kft_topic_partition *parts, size_t count, void *opaque) {
    CHECK(c != NULL && opaque == &commits_done);
    CHECK(err == KFT_OK);
    CHECK(count == 1 && strcmp(parts[0].topic, TOPIC) == 0 && parts[0].partition == 0 && parts[0].offset == 3);
    commits_done++;
}

static void pattern_subscription(const kft_cluster *cluster, kft_producer *p) {
    create_topic(cluster, "pat-a", 1);
    create_topic(cluster, "pat-b", 1);
    create_topic(cluster, "other", 1);
    send_value(p, "pat-a", 0, "a");
    send_value(p, "pat-b", 0, "b");
    send_value(p, "other", 0, "o");
    CHECK_OK(kft_producer_flush(p, 10000));
    const char *conf[] = {"group.id", "g-pattern", "auto.offset.reset", "earliest", "fetch.max.wait.ms", "50", NULL};
    kft_consumer *c = new_consumer(cluster, conf);
    const char *topics[] = {"^pat-.*"};
    CHECK_OK(kft_consumer_subscribe(c, topics, 1));
    int got_a = 0, got_b = 0;
    for (int i = 0; i < 150 && got_a + got_b < 2; i++) {
        kft_message *m = NULL;
        CHECK_OK(kft_consumer_poll(c, 100, &m));
        if (m == NULL) continue;
        CHECK(!value_is(m, "o"));
        got_a += value_is(m, "a");
        got_b += value_is(m, "b");
        kft_message_destroy(m);
    }
    CHECK(got_a == 1 && got_b == 1);
    CHECK(poll_one(c, 2) == NULL);
    CHECK_OK(kft_consumer_close(c, 10000));
    kft_consumer_destroy(c);
}

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    create_topic(cluster, TOPIC, PARTS);
    kft_producer *p = new_producer(cluster, NULL);
    for (int i = 0; i < N; i++) {
        char v[8];
        snprintf(v, sizeof v, "v%d", i);
        send_value(p, TOPIC, i % PARTS, v);
    }
    CHECK_OK(kft_producer_flush(p, 10000));

    member a = {.name = "a"}, b = {.name = "b"};
    kft_consumer *ca = join(cluster, "g", &a), *cb = NULL;
    POLL_UNTIL(owned_count(&a) == PARTS && total >= 8, ca);
    CHECK(a.assigns >= 1);

    cb = join(cluster, "g", &b);
    POLL_UNTIL(owned_count(&a) == 2 && owned_count(&b) == 2 && total >= 20, ca, cb);
    for (int i = 0; i < PARTS; i++) CHECK(a.owned[i] + b.owned[i] == 1);
    CHECK(a.revokes >= 1 && b.assigns >= 1);
    kft_partition_list *list = NULL;
    CHECK_OK(kft_consumer_assignment(cb, &list));
    CHECK(kft_partition_list_count(list) == 2);
    for (size_t i = 0; i < 2; i++) CHECK(b.owned[kft_partition_list_get(list, i)->partition]);
    CHECK(kft_partition_list_get(list, 2) == NULL && kft_last_error_code() == KFT_ERR_INVALID_ARG);
    kft_partition_list_destroy(list);

    /* b leaves: its REVOKE callback runs inside close and commits; a takes over the rest. */
    CHECK_OK(kft_consumer_close(cb, 10000));
    CHECK(owned_count(&b) == 0 && b.losts == 0);
    kft_message *none = NULL;
    CHECK_ERR(kft_consumer_poll(cb, 0, &none), KFT_ERR_DESTROYED, "closed");
    CHECK_OK(kft_consumer_close(cb, 10000)); /* twice is fine */
    kft_consumer_destroy(cb);
    POLL_UNTIL(owned_count(&a) == PARTS && total == N, ca);
    for (int i = 0; i < N; i++) CHECK(seen[i] == 1);

    /* Commit the positions, read them back; then one explicit offset, asynchronously. */
    CHECK_OK(kft_consumer_commit(ca, NULL, 0, false));
    kft_topic_partition tps[PARTS];
    for (int i = 0; i < PARTS; i++) tps[i] = (kft_topic_partition){TOPIC, i, 12345};
    CHECK_OK(kft_consumer_committed(ca, tps, PARTS, 10000));
    for (int i = 0; i < PARTS; i++) CHECK(tps[i].offset == N / PARTS);
    CHECK_OK(kft_consumer_set_offset_commit_cb(ca, on_commit, &commits_done));
    kft_topic_partition three = {TOPIC, 0, 3};
    CHECK_OK(kft_consumer_commit(ca, &three, 1, true));
    for (int i = 0; i < 100 && commits_done == 0; i++) poll_member(ca, &a);
    CHECK(commits_done == 1);
    CHECK_OK(kft_consumer_committed(ca, tps, 1, 10000));
    CHECK(tps[0].offset == 3);
    CHECK_OK(kft_consumer_set_offset_commit_cb(ca, NULL, NULL));

    /* Pause partition 0: new records of the others arrive, its own only after resume. */
    for (int i = 0; i < PARTS; i++) send_value(p, TOPIC, i, "late");
    CHECK_OK(kft_producer_flush(p, 10000));
    kft_topic_partition p0 = {TOPIC, 0, KFT_OFFSET_INVALID};
    CHECK_OK(kft_consumer_pause(ca, &p0, 1));
    int late = 0;
    for (int i = 0; i < 100 && late < PARTS - 1; i++) {
        kft_message *m = NULL;
        CHECK_OK(kft_consumer_poll(ca, 50, &m));
        if (m == NULL) continue;
        CHECK(kft_message_partition(m) != 0 && value_is(m, "late"));
        late++;
        kft_message_destroy(m);
    }
    CHECK(late == PARTS - 1);
    CHECK(poll_one(ca, 2) == NULL);
    CHECK_OK(kft_consumer_resume(ca, &p0, 1));
    kft_message *m = poll_one(ca, 50);
    CHECK(m != NULL && kft_message_partition(m) == 0 && value_is(m, "late"));
    kft_message_destroy(m);

    kft_group_metadata *md = NULL;
    CHECK_OK(kft_consumer_group_metadata(ca, &md));
    CHECK(strcmp(kft_group_metadata_group_id(md), "g") == 0 && kft_group_metadata_generation_id(md) >= 2);
    kft_group_metadata_destroy(md);
    CHECK_OK(kft_consumer_close(ca, 10000));
    CHECK(owned_count(&a) == 0 && a.losts == 0);
    kft_consumer_destroy(ca);

    pattern_subscription(cluster, p);
    kft_producer_destroy(p);
    kft_cluster_destroy(cluster);
    printf("groups: ok\n");
    return 0;
}
