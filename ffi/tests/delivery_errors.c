/* Records that cannot be delivered get a report carrying the error; records that
 * can never be accepted fail at send, with no report. */
#include "check.h"

static int reports;
static kft_result report_error;
static char report_message[512];
static char report_topic[64];
static int32_t report_partition;
static bool report_retriable;

static void on_delivery(const kft_delivery_report *r, void *cb_arg) {
    CHECK(cb_arg == NULL);
    CHECK(r->opaque == (void *)&reports);
    report_error = r->error;
    CHECK(r->error_message != NULL);
    snprintf(report_message, sizeof report_message, "%s", r->error_message);
    snprintf(report_topic, sizeof report_topic, "%s", r->topic);
    report_partition = r->partition;
    report_retriable = r->retriable;
    CHECK(r->offset == -1 && r->timestamp == -1);
    CHECK(!r->fatal);
    reports++;
}

int main(void) {
    kft_conf *broker = NULL;
    CHECK_OK(kft_conf_new(&broker));
    CHECK_OK(kft_conf_set(broker, "auto.create.topics.enable", "false"));
    kft_cluster *cluster = NULL;
    CHECK_OK(kft_cluster_new(broker, &cluster));
    kft_conf_destroy(broker);

    const char *pconf[] = {"linger.ms", "0", "request.timeout.ms", "100", "delivery.timeout.ms", "300",
                           "max.request.size", "1000", NULL};
    kft_producer *p = new_producer(cluster, pconf);

    /* No such topic and no auto-creation: the record times out, and its report says so. */
    CHECK_OK(kft_producer_send(p, "missing", 2, NULL, 0, (const uint8_t *)"v", 1, NULL, 0, KFT_TIMESTAMP_NOW,
                               &reports, NULL));
    kft_result flushed = kft_producer_flush(p, 5000);
    CHECK(flushed == KFT_OK || flushed == KFT_ERR_TIMED_OUT);
    for (int i = 0; i < 50 && reports == 0; i++) CHECK_OK(kft_producer_poll(p, 100, on_delivery, NULL, NULL));
    CHECK(reports == 1);
    CHECK(report_error == KFT_ERR_UNKNOWN_TOPIC_OR_PARTITION);
    CHECK(report_retriable); /* Kafka classifies it as retriable: the topic may appear */
    CHECK(strcmp(report_topic, "missing") == 0);
    CHECK(report_partition == 2); /* the partition asked for */
    printf("delivery_errors: report %s (%d): %s\n", kft_result_name(report_error), (int)report_error,
           report_message);
    CHECK(strstr(report_message, "missing") != NULL);

    /* A record over max.request.size is refused at send: no report. */
    static uint8_t big[4096];
    create_topic(cluster, "present", 1);
    CHECK_ERR(kft_producer_send(p, "present", 0, NULL, 0, big, sizeof big, NULL, 0, KFT_TIMESTAMP_NOW, NULL, NULL),
              KFT_ERR_MESSAGE_TOO_LARGE, "");
    CHECK(kft_producer_outstanding(p) == 0);

    kft_producer_destroy(p);
    kft_cluster_destroy(cluster);
    return 0;
}
