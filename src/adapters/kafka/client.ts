import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig as KafkaJsConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { KafkaConfig } from '../../config/config.js';

/** Builds the kafkajs client from Sentinela's configuration; kafkajs logs go through pino. */
export function createKafka(config: KafkaConfig, log: Logger): Kafka {
  const options: KafkaJsConfig = {
    clientId: config.clientId,
    brokers: [...config.brokers],
    ssl: config.ssl,
    logLevel: KafkaLogLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      const fields = { kafka: entry.namespace, ...extra };
      if (entry.level <= KafkaLogLevel.ERROR) log.error(fields, message);
      else if (entry.level === KafkaLogLevel.WARN) log.warn(fields, message);
      else log.debug(fields, message);
    },
  };
  if (config.sasl) options.sasl = saslOptions(config.sasl);
  return new Kafka(options);
}

/** kafkajs types SASL options as a union discriminated by the mechanism literal. */
function saslOptions({ mechanism, username, password }: NonNullable<KafkaConfig['sasl']>): SASLOptions {
  switch (mechanism) {
    case 'plain':
      return { mechanism, username, password };
    case 'scram-sha-256':
      return { mechanism, username, password };
    case 'scram-sha-512':
      return { mechanism, username, password };
  }
}
