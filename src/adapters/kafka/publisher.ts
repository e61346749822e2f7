import type { Kafka, Producer } from 'kafkajs';
import type { OutMessage, Publisher } from '../../pipeline/ports.js';
import { SentinelaError } from '../../errors.js';

/** kafkajs producer behind the Publisher port: acks from all in-sync replicas, no compression (cheap decode). */
export class KafkaPublisher implements Publisher {
  private readonly producer: Producer;
  private connected = false;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 3 } });
  }

  async connect(): Promise<void> {
    if (this.connected) return;
    try {
      await this.producer.connect();
    } catch (err) {
      throw new SentinelaError('KAFKA_UNAVAILABLE', `cannot connect to Kafka: ${(err as Error).message}`, {}, { cause: err });
    }
    this.connected = true;
  }

  async send(messages: readonly OutMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, { key: Buffer | string | null; value: Buffer | string; headers?: Record<string, string> }[]>();
    for (const m of messages) {
      const list = byTopic.get(m.topic) ?? [];
      list.push({ key: m.key, value: m.value, ...(m.headers ? { headers: { ...m.headers } } : {}) });
      byTopic.set(m.topic, list);
    }
    try {
      await this.connect();
      await this.producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    } catch (err) {
      throw new SentinelaError('KAFKA_UNAVAILABLE', `publishing ${messages.length} message(s) failed: ${(err as Error).message}`, {}, { cause: err });
    }
  }

  async disconnect(): Promise<void> {
    if (!this.connected) return;
    this.connected = false;
    await this.producer.disconnect();
  }
}
