import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';

/**
 * A Kafka cluster for one test suite: librdkafka's mock cluster in a helper process (test/rig/kafka-mock.c), or
 * the real cluster named by KAFKA_BROKERS. Topic names get a per-suite suffix so suites never share data.
 * The mock keeps only the newest ~16k messages per partition: produce and consume concurrently in stream tests.
 */
export interface TestKafka {
  readonly brokers: string[];
  /** Real topic name for a logical one (`cdrs` → `cdrs.k3f9a1`). */
  topic(name: string): string;
  createTopic(name: string, partitions: number): Promise<string>;
  /** Stops a broker (its connections closed, new ones refused) or starts it again; -1: every broker. Mock only. */
  broker(action: 'down' | 'up', id?: number): Promise<void>;
  client(clientId?: string): Kafka;
  stop(): Promise<void>;
}

const BINARY = join(dirname(fileURLToPath(import.meta.url)), 'bin', 'kafka-mock');

export async function startKafka(options: { brokers?: number; topics?: Record<string, number> } = {}): Promise<TestKafka> {
  const suffix = randomBytes(3).toString('hex');
  const topic = (name: string) => `${name}.${suffix}`;
  const external = process.env['KAFKA_BROKERS'];
  const client =
    (brokers: string[]) =>
    (clientId = `test-${suffix}`) =>
      new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });

  if (external) {
    const brokers = external.split(',').map((b) => b.trim());
    const admin = client(brokers)().admin();
    await admin.connect();
    const createTopic = async (name: string, partitions: number) => {
      await admin.createTopics({ topics: [{ topic: topic(name), numPartitions: partitions }], waitForLeaders: true });
      return topic(name);
    };
    for (const [name, partitions] of Object.entries(options.topics ?? {})) await createTopic(name, partitions);
    return {
      brokers,
      topic,
      createTopic,
      broker: () => Promise.reject(new Error('KAFKA_BROKERS is set: brokers of a real cluster cannot be stopped from a test')),
      client: client(brokers),
      stop: async () => {
        await admin.deleteTopics({ topics: [...Object.keys(options.topics ?? {})].map(topic) }).catch(() => undefined);
        await admin.disconnect();
      },
    };
  }

  const args = ['--brokers', String(options.brokers ?? 1)];
  for (const [name, partitions] of Object.entries(options.topics ?? {})) args.push('--topic', `${topic(name)}:${partitions}`);
  const child = spawn(BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines = createInterface({ input: child.stdout });
  const replies: ((line: string) => void)[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const bootstrap = await new Promise<string>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`cannot start ${BINARY} (run node test/rig/prepare.mjs): ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`kafka-mock exited with ${code}: ${stderr}`)));
    lines.once('line', (line) => (line.startsWith('bootstrap ') ? resolve(line.slice('bootstrap '.length)) : reject(new Error(line))));
  });
  lines.on('line', (line) => replies.shift()?.(line));
  const brokers = bootstrap.split(',');
  return {
    brokers,
    topic,
    createTopic: (name, partitions) => command(child, replies, `topic ${topic(name)} ${partitions}`).then(() => topic(name)),
    broker: (action, id = -1) => command(child, replies, `broker ${action} ${id}`),
    client: client(brokers),
    stop: () => stopHelper(child),
  };
}

function command(child: ChildProcessWithoutNullStreams, replies: ((line: string) => void)[], line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    replies.push((reply) => (reply === 'ok' ? resolve() : reject(new Error(`kafka-mock: ${reply}`))));
    child.stdin.write(`${line}\n`);
  });
}

function stopHelper(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.stdin.end(); // EOF: the helper destroys the cluster and exits
  });
}
