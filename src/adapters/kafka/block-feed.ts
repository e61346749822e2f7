import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Block } from '../../domain/blocks/block.js';
import { SentinelaError } from '../../errors.js';
import { parseBlockJson } from '../../domain/engine/verdict-json.js';
import type { Publisher } from '../../pipeline/ports.js';
import { verdictMessage } from './messages.js';

/** Block changes to every replica and the pusher: messages of the blocks topic. */
export const kafkaDistribute = (publisher: Publisher, topic: string) => (blocks: readonly Block[]) =>
  publisher.send(blocks.map((b) => verdictMessage({ blocks: topic, alerts: topic }, b)));

export interface BlockFeedOptions<T = Block> {
  readonly kafka: Kafka;
  readonly topic: string;
  /** `broadcast`: a group of its own, from the beginning (every replica sees every block). `shared`: one group for all, committed (the pusher). */
  readonly mode: { readonly kind: 'broadcast'; readonly groupPrefix: string } | { readonly kind: 'shared'; readonly groupId: string };
  readonly log: Logger;
  /** `alive` heartbeats the group: call it while a record takes long (the pusher's retries). */
  readonly onRecord: (record: T, alive: () => Promise<void>) => Promise<void> | void;
  /** Reads one message (default: a block's wire form); a message it throws on is logged and skipped. */
  readonly parse?: (text: string) => T;
  /** A new broadcast group starts at the topic's beginning (default: blocks are state) or at its end (events). */
  readonly fromBeginning?: boolean;
  /** Called on every fetch response, empty or not: the feed is current. */
  readonly onHeard?: () => void;
  readonly onJoined?: () => void;
  readonly maxWaitTimeInMs?: number;
  readonly sessionTimeout?: number;
}

/**
 * Consumes the blocks topic. API replicas broadcast: each has its own consumer group and reads the topic from
 * the beginning (compact it: `cleanup.policy=compact,delete`), so every replica applies every block. The pusher
 * shares one group, so each block is pushed once, in order per block, committing after delivery.
 */
export class BlockFeed<T = Block> {
  private readonly consumer: Consumer;
  readonly groupId: string;

  constructor(private readonly o: BlockFeedOptions<T>) {
    this.groupId = o.mode.kind === 'shared' ? o.mode.groupId : `${o.mode.groupPrefix}-api-${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`;
    this.consumer = o.kafka.consumer({
      groupId: this.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: o.maxWaitTimeInMs ?? 500,
      ...(o.sessionTimeout !== undefined ? { sessionTimeout: o.sessionTimeout, heartbeatInterval: Math.max(100, Math.floor(o.sessionTimeout / 10)) } : {}),
    });
    this.consumer.on(this.consumer.events.FETCH, () => o.onHeard?.());
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => o.onJoined?.());
    this.consumer.on(this.consumer.events.CRASH, (e) => o.log.error({ err: e.payload.error, group: this.groupId }, 'blocks consumer crashed'));
  }

  async start(): Promise<void> {
    try {
      await this.consumer.connect();
      await this.consumer.subscribe({ topic: this.o.topic, fromBeginning: this.o.fromBeginning ?? true });
    } catch (err) {
      throw new SentinelaError('KAFKA_UNAVAILABLE', `cannot follow ${this.o.topic}: ${(err as Error).message}`, { path: this.o.topic }, { cause: err });
    }
    const parse = this.o.parse ?? (parseBlockJson as unknown as (text: string) => T);
    const shared = this.o.mode.kind === 'shared';
    await this.consumer.run({
      autoCommit: shared,
      eachMessage: async (payload) => {
        const { message } = payload;
        const text = message.value?.toString('utf8') ?? '';
        let record: T;
        try {
          record = parse(text);
        } catch (err) {
          // a foreign or corrupt message on the topic: logged with its position, never fatal
          this.o.log.warn({ err, topic: this.o.topic, offset: message.offset }, 'unreadable message skipped');
          return;
        }
        await this.o.onRecord(record, () => payload.heartbeat());
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
