/* kft_cluster_listen: the in-process broker also on TCP. An in-process producer and a
 * TCP consumer (and the reverse) share its records; listen's errors; destroy stops it. */
#include "check.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

/* A conf whose bootstrap.servers is `servers`. */
static kft_conf *conf_for(const char *servers, const char *const *pairs) {
    kft_conf *conf = NULL;
    CHECK_OK(kft_conf_new(&conf));
    CHECK_OK(kft_conf_set(conf, "bootstrap.servers", servers));
    for (; pairs != NULL && pairs[0] != NULL; pairs += 2) CHECK_OK(kft_conf_set(conf, pairs[0], pairs[1]));
    return conf;
}

static void produce(const char *servers, const char *topic, const char *value) {
    const char *pconf[] = {"linger.ms", "0", NULL};
    kft_conf *conf = conf_for(servers, pconf);
    kft_producer *p = NULL;
    CHECK_OK(kft_producer_new(conf, &p));
    kft_conf_destroy(conf);
    send_value(p, topic, 0, value);
    CHECK_OK(kft_producer_flush(p, 10000));
    kft_producer_destroy(p);
}

static void consume_expect(const char *servers, const char *topic, const char *value) {
    const char *cconf[] = {"auto.offset.reset", "earliest", NULL};
    kft_conf *conf = conf_for(servers, cconf);
    kft_consumer *c = NULL;
    CHECK_OK(kft_consumer_new(conf, &c));
    kft_conf_destroy(conf);
    kft_topic_partition tp = {topic, 0, KFT_OFFSET_INVALID};
    CHECK_OK(kft_consumer_assign(c, &tp, 1));
    kft_message *m = poll_one(c, 50);
    CHECK(m != NULL && value_is(m, value));
    kft_message_destroy(m);
    kft_consumer_destroy(c);
}

/* Whether a TCP connection to "127.0.0.1:PORT" is accepted. */
static int can_connect(const char *addr) {
    const char *colon = strrchr(addr, ':');
    CHECK(colon != NULL);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(colon + 1));
    CHECK(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr) == 1);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

int main(void) {
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(NULL, &cluster));
    const char *inproc = kft_cluster_bootstrap_servers(cluster);
    CHECK(strncmp(inproc, "inproc://", 9) == 0);
    CHECK(strcmp(kft_cluster_inproc_name(cluster), inproc) == 0);

    /* Bad arguments name the problem. */
    CHECK_ERR(kft_cluster_listen(NULL, "127.0.0.1:0", NULL), KFT_ERR_NULL_POINTER, "cluster");
    CHECK_ERR(kft_cluster_listen(cluster, NULL, NULL), KFT_ERR_NULL_POINTER, "addr");
    CHECK_ERR(kft_cluster_listen(cluster, "no port here", NULL), KFT_ERR_INVALID_ARG, "no port here");
    CHECK(strcmp(kft_cluster_bootstrap_servers(cluster), inproc) == 0);

    const char *tcp = NULL;
    CHECK_OK(kft_cluster_listen(cluster, "127.0.0.1:0", &tcp));
    CHECK(tcp != NULL && strncmp(tcp, "127.0.0.1:", 10) == 0 && atoi(tcp + 10) > 0);
    CHECK(kft_cluster_bootstrap_servers(cluster) == tcp);
    CHECK(strcmp(kft_cluster_inproc_name(cluster), inproc) == 0); /* still valid, still the same */
    CHECK_ERR(kft_cluster_listen(cluster, "127.0.0.1:0", NULL), KFT_ERR_STATE, "listens once");
    CHECK(can_connect(tcp));

    /* In-process producer, TCP consumer; TCP producer, in-process consumer. */
    produce(inproc, "from-inproc", "hello tcp");
    consume_expect(tcp, "from-inproc", "hello tcp");
    produce(tcp, "from-tcp", "hello inproc");
    consume_expect(inproc, "from-tcp", "hello inproc");

    char addr[64];
    snprintf(addr, sizeof addr, "%s", tcp);
    kft_cluster_destroy(cluster);
    CHECK(!can_connect(addr));
    printf("listen: tcp %s, in-process and TCP clients share one broker, destroy stops it\n", addr);
    return 0;
}
