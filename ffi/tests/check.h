/* Tiny assertions and helpers shared by the C tests. Each test is its own program:
 * a failed check prints where and why (with kft_last_error()) and exits 1. */
#ifndef KFT_TEST_CHECK_H
#define KFT_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafkette.h"

#define CHECK(cond)                                                                     \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);    \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

#define CHECK_OK(call)                                                                  \
    do {                                                                                \
        kft_result r_ = (call);                                                         \
        if (r_ != KFT_OK) {                                                             \
            fprintf(stderr, "%s:%d: %s returned %s (%d): %s\n", __FILE__, __LINE__,     \
                    #call, kft_result_name(r_), (int)r_, kft_last_error());             \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

/* `call` must fail with `code`, and kft_last_error() must mention `needle`. */
#define CHECK_ERR(call, code, needle)                                                   \
    do {                                                                                \
        kft_result r_ = (call);                                                         \
        if (r_ != (code) || kft_last_error_code() != (code) ||                          \
            strstr(kft_last_error(), (needle)) == NULL) {                               \
            fprintf(stderr, "%s:%d: %s returned %s (%d) \"%s\", wanted %s mentioning \"%s\"\n", \
                    __FILE__, __LINE__, #call, kft_result_name(r_), (int)r_,            \
                    kft_last_error(), #code, (needle));                                 \
            exit(1);                                                                    \
        }                                                                               \
    } while (0)

/* A conf with bootstrap.servers pointing at `cluster`, then `pairs` (NULL-terminated key, value list). */
static inline kft_conf *client_conf(const kft_cluster *cluster, const char *const *pairs) {
    kft_conf *conf = NULL;
    CHECK_OK(kft_conf_new(&conf));
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", kft_cluster_bootstrap_servers(cluster)));
    for (; pairs != NULL && pairs[0] != NULL; pairs += 2) {
        CHECK_OK(kft_conf_set(conf, pairs[0], pairs[1]));
    }
    return conf;
}

static inline kft_producer *new_producer(const kft_cluster *cluster, const char *const *pairs) {
    kft_conf *conf = client_conf(cluster, pairs);
    kft_producer *p = NULL;
    CHECK_OK(kft_producer_new(conf, &p));
    kft_conf_destroy(conf);
    return p;
}

static inline kft_consumer *new_consumer(const kft_cluster *cluster, const char *const *pairs) {
    kft_conf *conf = client_conf(cluster, pairs);
    kft_consumer *c = NULL;
    CHECK_OK(kft_consumer_new(conf, &c));
    kft_conf_destroy(conf);
    return c;
}

static inline kft_admin *new_admin(const kft_cluster *cluster) {
    kft_conf *conf = client_conf(cluster, NULL);
    kft_admin *a = NULL;
    CHECK_OK(kft_admin_new(conf, &a));
    kft_conf_destroy(conf);
    return a;
}

static inline void create_topic(const kft_cluster *cluster, const char *name, int32_t partitions) {
    kft_admin *admin = new_admin(cluster);
    CHECK_OK(kft_admin_create_topic(admin, name, partitions, NULL, NULL, 0));
    kft_admin_destroy(admin);
}

/* Send one value-only record to an explicit partition (or KFT_PARTITION_ANY). */
static inline void send_value(kft_producer *p, const char *topic, int32_t partition, const char *value) {
    CHECK_OK(kft_producer_send(p, topic, partition, NULL, 0, (const uint8_t *)value, strlen(value), NULL, 0,
                               KFT_TIMESTAMP_NOW, NULL, NULL));
}

/* Poll until a message arrives or `tries` polls of 200 ms pass; NULL if none. */
static inline kft_message *poll_one(kft_consumer *c, int tries) {
    for (int i = 0; i < tries; i++) {
        kft_message *m = NULL;
        CHECK_OK(kft_consumer_poll(c, 200, &m));
        if (m != NULL) return m;
    }
    return NULL;
}

/* Whether a message's value is exactly `expected` (a C string). */
static inline int value_is(const kft_message *m, const char *expected) {
    size_t len = 0;
    const uint8_t *v = kft_message_value(m, &len);
    return v != NULL && len == strlen(expected) && memcmp(v, expected, len) == 0;
}

#endif
