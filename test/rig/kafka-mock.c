/*
 * kafka-mock: a librdkafka mock cluster as a standalone process, for Sentinela's test rig.
 *
 *   kafka-mock [--brokers N] [--topic NAME:PARTITIONS]...
 *
 * Prints "bootstrap <host:port,...>" on stdout once the cluster is up, then reads commands
 * from stdin, one per line:
 *   topic NAME PARTITIONS   create a topic (kafkajs admin.createTopics is not supported by the mock)
 *   broker down|up ID       stop a broker (connections closed, new ones refused) or start it again; -1: all
 * Each command is answered with "ok" or "error <reason>". The cluster is destroyed on stdin EOF, so the
 * helper never outlives the test process that started it (a killed test closes the pipe); SIGTERM ends it too.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *name, int partitions) {
  rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(mc, name, partitions, 1);
  if (err) {
    printf("error %s\n", rd_kafka_err2str(err));
    fflush(stdout);
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  int brokers = 1;
  for (int i = 1; i < argc; i++)
    if (!strcmp(argv[i], "--brokers") && i + 1 < argc) brokers = atoi(argv[++i]);
  if (brokers < 1) { fprintf(stderr, "kafka-mock: --brokers must be >= 1\n"); return 2; }

  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "kafka-mock: %s\n", errstr);
    return 1;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) { fprintf(stderr, "kafka-mock: %s\n", errstr); return 1; }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) { fprintf(stderr, "kafka-mock: could not create the mock cluster\n"); return 1; }

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--topic") || i + 1 >= argc) continue;
    char *spec = argv[++i];
    char *colon = strrchr(spec, ':');
    int partitions = colon ? atoi(colon + 1) : 1;
    if (colon) *colon = '\0';
    if (partitions < 1 || create_topic(mc, spec, partitions)) {
      fprintf(stderr, "kafka-mock: bad topic spec %s\n", spec);
      return 2;
    }
  }

  printf("bootstrap %s\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    char name[512];
    int partitions = 0;
    int broker = 0;
    if (sscanf(line, "topic %511s %d", name, &partitions) == 2 && partitions > 0) {
      if (!create_topic(mc, name, partitions)) { printf("ok\n"); fflush(stdout); }
    } else if (sscanf(line, "broker %7s %d", name, &broker) == 2 && (!strcmp(name, "down") || !strcmp(name, "up"))) {
      rd_kafka_resp_err_t err = !strcmp(name, "down") ? rd_kafka_mock_broker_set_down(mc, broker) : rd_kafka_mock_broker_set_up(mc, broker);
      if (err) printf("error %s\n", rd_kafka_err2str(err));
      else printf("ok\n");
      fflush(stdout);
    } else {
      printf("error unknown command\n");
      fflush(stdout);
    }
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
