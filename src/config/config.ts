import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { parseDuration } from '../domain/rules/duration.js';
import { SentinelaError } from '../errors.js';
import type { FormatSpec } from '../domain/cdr/formats/registry.js';
import { SETTINGS, type RawSettings, type SettingName } from './settings.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type ClickHouseTarget =
  | { readonly mode: 'embedded'; readonly dataDir: string }
  | { readonly mode: 'server'; readonly url: string; readonly user: string; readonly password: string | undefined };

export interface KafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly cdrTopics: readonly { readonly topic: string; readonly format: FormatSpec }[];
  readonly topics: { readonly blocks: string; readonly alerts: string; readonly dlq: string; readonly calls?: string | undefined };
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  /** Longest wait of a consumer's fetch with nothing new: a broker answers sooner when data arrives, some (and the test mock) do not. */
  readonly fetchMaxWaitMs: number;
  readonly ssl: boolean;
  readonly sasl: { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: string; readonly password: string } | undefined;
}

export interface DiallingDefaults {
  readonly timeZone: string;
  readonly homeCountry: string;
  readonly defaultDdd: string | undefined;
  readonly outsideLinePrefix: string | undefined;
  readonly internationalPrefix: string;
}

export interface Config {
  readonly logLevel: RawSettings['LOG_LEVEL'];
  readonly clickhouse: ClickHouseTarget & {
    readonly database: string;
    readonly retentionDays: number;
    /** Cluster to migrate onto (server mode only); undefined: a single node. */
    readonly cluster: string | undefined;
  };
  readonly migrateOnStart: boolean;
  /** Undefined: no brokers configured, Sentinela runs in the embedded mode. */
  readonly kafka: KafkaConfig | undefined;
  readonly dialling: DiallingDefaults;
  readonly rules: { readonly dir: string; readonly allowedLatenessMs: number; readonly maxUsageSubjects: number };
  readonly pipeline: { readonly batchMaxRows: number; readonly batchMaxWaitMs: number; readonly maxMessageBytes: number };
  readonly http: { readonly host: string; readonly port: number };
  readonly api: {
    readonly failPolicy: 'open' | 'closed';
    readonly staleAfterMs: number;
    readonly maxEventLoopDelayMs: number;
    /** Attempts counted on a thread of their own (ipc/attempt-thread.ts), not in the request. */
    readonly attemptThread: boolean;
    /** Live concurrent calls (issue 16): how long an open call waits for its CDR; how far a CDR's start may be from its check. */
    readonly liveCalls: { readonly maxAgeMs: number; readonly toleranceMs: number };
  };
  readonly security: {
    readonly pbxAuth: 'api-key' | 'none';
    readonly instanceId: string | undefined;
    readonly auditKey: string | undefined;
    readonly auditQuota: number;
    readonly auditVerify: { readonly everyMs: number; readonly fullEveryMs: number };
    readonly alarmWebhook: { readonly url: string; readonly secret: string } | undefined;
    readonly maskCallers: boolean;
  };
  readonly push: {
    readonly webhook: { readonly url: string; readonly secret: string; readonly maxAttempts: number } | undefined;
    readonly kamailio: { readonly url: string; readonly htable: string; readonly maxAttempts: number } | undefined;
  };
}

/** The settings an engine reads: all a worker thread running one is handed (no secret needs a copy there). */
export interface EngineConfig {
  readonly dialling: Config['dialling'];
  readonly rules: Pick<Config['rules'], 'allowedLatenessMs' | 'maxUsageSubjects'>;
}

/** The engine's settings out of a configuration, as plain data. */
export function engineConfig(config: EngineConfig): EngineConfig {
  const { allowedLatenessMs, maxUsageSubjects } = config.rules;
  return { dialling: config.dialling, rules: { allowedLatenessMs, maxUsageSubjects } };
}

/**
 * Pure: parses settings from an environment map (plus the values of a config file, already read) into a frozen
 * Config. Throws CONFIG_INVALID naming every bad variable and what it expects.
 */
export function parseConfig(env: Env, fileValues: Readonly<Record<string, unknown>> = {}): Config {
  const problems: string[] = [];
  const raw: Partial<Record<SettingName, unknown>> = {};
  for (const name of Object.keys(fileValues)) {
    if (!Object.hasOwn(SETTINGS, name)) problems.push(`${name}: unknown setting in the config file`);
  }
  for (const [name, setting] of Object.entries(SETTINGS) as [SettingName, (typeof SETTINGS)[SettingName]][]) {
    const fromEnv = env[name];
    const fromFile = fileValues[name];
    const value = fromEnv !== undefined && fromEnv !== '' ? fromEnv : fromFile === undefined ? undefined : scalarText(fromFile);
    const result = (setting.schema as z.ZodType).safeParse(value ?? ('default' in setting ? setting.default : undefined));
    if (result.success) {
      raw[name] = result.data;
    } else {
      const shown = 'secret' in setting && setting.secret ? '(hidden)' : JSON.stringify(value);
      const expected = result.error.issues.map((issue) => issue.message).join('; ');
      problems.push(`${name}: ${expected} (got ${shown})`);
    }
  }
  const s = raw as RawSettings;
  if (problems.length === 0 && s.KAFKA_SASL_MECHANISM && !(s.KAFKA_SASL_USERNAME && s.KAFKA_SASL_PASSWORD)) {
    problems.push('KAFKA_SASL_USERNAME: required (with KAFKA_SASL_PASSWORD) when KAFKA_SASL_MECHANISM is set');
  }
  if (problems.length === 0 && s.CLICKHOUSE_CLUSTER && !s.CLICKHOUSE_URL) {
    problems.push('CLICKHOUSE_CLUSTER: requires CLICKHOUSE_URL (the embedded chDB is one node and cannot run ON CLUSTER DDL)');
  }
  if (problems.length === 0 && s.SENTINELA_WEBHOOK_URL && !s.SENTINELA_WEBHOOK_SECRET) {
    problems.push('SENTINELA_WEBHOOK_SECRET: required when SENTINELA_WEBHOOK_URL is set (pushes are always signed)');
  }
  if (problems.length === 0 && s.SENTINELA_ALARM_WEBHOOK_URL && !s.SENTINELA_ALARM_WEBHOOK_SECRET) {
    problems.push('SENTINELA_ALARM_WEBHOOK_SECRET: required when SENTINELA_ALARM_WEBHOOK_URL is set (alarms are always signed)');
  }
  if (problems.length > 0) {
    throw new SentinelaError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`, {
      path: problems[0]?.split(':')[0] ?? '',
      problems,
    });
  }
  return deepFreeze(structure(s));
}

function structure(s: RawSettings): Config {
  const target: ClickHouseTarget = s.CLICKHOUSE_URL
    ? { mode: 'server', url: s.CLICKHOUSE_URL, user: s.CLICKHOUSE_USER, password: s.CLICKHOUSE_PASSWORD }
    : { mode: 'embedded', dataDir: s.SENTINELA_DATA_DIR };
  const sasl =
    s.KAFKA_SASL_MECHANISM && s.KAFKA_SASL_USERNAME && s.KAFKA_SASL_PASSWORD
      ? { mechanism: s.KAFKA_SASL_MECHANISM, username: s.KAFKA_SASL_USERNAME, password: s.KAFKA_SASL_PASSWORD }
      : undefined;
  return {
    logLevel: s.LOG_LEVEL,
    clickhouse: { ...target, database: s.CLICKHOUSE_DATABASE, retentionDays: s.CDR_RETENTION_DAYS, cluster: s.CLICKHOUSE_CLUSTER },
    migrateOnStart: s.MIGRATE_ON_START,
    kafka: s.KAFKA_BROKERS
      ? {
          brokers: s.KAFKA_BROKERS,
          clientId: s.KAFKA_CLIENT_ID,
          groupId: s.KAFKA_GROUP_ID,
          cdrTopics: s.KAFKA_CDR_TOPICS,
          topics: {
            blocks: s.KAFKA_BLOCKS_TOPIC,
            alerts: s.KAFKA_ALERTS_TOPIC,
            dlq: s.KAFKA_DLQ_TOPIC,
            ...(s.KAFKA_CALLS_TOPIC !== undefined ? { calls: s.KAFKA_CALLS_TOPIC } : {}),
          },
          sessionTimeoutMs: parseDuration(s.KAFKA_SESSION_TIMEOUT) as number,
          rebalanceTimeoutMs: parseDuration(s.KAFKA_REBALANCE_TIMEOUT) as number,
          fetchMaxWaitMs: parseDuration(s.KAFKA_FETCH_MAX_WAIT) as number,
          ssl: s.KAFKA_SSL,
          sasl,
        }
      : undefined,
    dialling: {
      timeZone: s.SENTINELA_TIMEZONE,
      homeCountry: s.SENTINELA_HOME_COUNTRY,
      defaultDdd: s.SENTINELA_DEFAULT_DDD,
      outsideLinePrefix: s.SENTINELA_OUTSIDE_LINE_PREFIX,
      internationalPrefix: s.SENTINELA_INTERNATIONAL_PREFIX,
    },
    rules: {
      dir: s.SENTINELA_RULES_DIR,
      allowedLatenessMs: parseDuration(s.SENTINELA_ALLOWED_LATENESS) as number,
      maxUsageSubjects: s.SENTINELA_MAX_USAGE_SUBJECTS,
    },
    pipeline: {
      batchMaxRows: s.SENTINELA_BATCH_MAX_ROWS,
      batchMaxWaitMs: parseDuration(s.SENTINELA_BATCH_MAX_WAIT) as number,
      maxMessageBytes: s.SENTINELA_MAX_MESSAGE_BYTES,
    },
    http: { host: s.SENTINELA_HOST, port: s.SENTINELA_PORT },
    api: {
      failPolicy: s.SENTINELA_FAIL_POLICY,
      staleAfterMs: parseDuration(s.SENTINELA_BLOCKS_STALE_AFTER) as number,
      maxEventLoopDelayMs: parseDuration(s.SENTINELA_MAX_EVENT_LOOP_DELAY) as number,
      attemptThread: s.SENTINELA_ATTEMPT_THREAD,
      liveCalls: { maxAgeMs: parseDuration(s.SENTINELA_LIVE_CALL_MAX_AGE) as number, toleranceMs: parseDuration(s.SENTINELA_LIVE_CALL_TOLERANCE) as number },
    },
    security: {
      pbxAuth: s.SENTINELA_PBX_AUTH,
      instanceId: s.SENTINELA_INSTANCE_ID,
      auditKey: s.SENTINELA_AUDIT_KEY,
      auditQuota: s.SENTINELA_AUDIT_QUOTA,
      auditVerify: {
        everyMs: parseDuration(s.SENTINELA_AUDIT_VERIFY_INTERVAL) as number,
        fullEveryMs: parseDuration(s.SENTINELA_AUDIT_FULL_VERIFY_INTERVAL) as number,
      },
      alarmWebhook:
        s.SENTINELA_ALARM_WEBHOOK_URL && s.SENTINELA_ALARM_WEBHOOK_SECRET
          ? { url: s.SENTINELA_ALARM_WEBHOOK_URL, secret: s.SENTINELA_ALARM_WEBHOOK_SECRET }
          : undefined,
      maskCallers: s.SENTINELA_MASK_CALLERS,
    },
    push: {
      webhook:
        s.SENTINELA_WEBHOOK_URL && s.SENTINELA_WEBHOOK_SECRET
          ? { url: s.SENTINELA_WEBHOOK_URL, secret: s.SENTINELA_WEBHOOK_SECRET, maxAttempts: s.SENTINELA_WEBHOOK_MAX_ATTEMPTS }
          : undefined,
      kamailio: s.SENTINELA_KAMAILIO_RPC_URL
        ? { url: s.SENTINELA_KAMAILIO_RPC_URL, htable: s.SENTINELA_KAMAILIO_HTABLE, maxAttempts: s.SENTINELA_WEBHOOK_MAX_ATTEMPTS }
        : undefined,
    },
  };
}

/** Reads the optional config file named by SENTINELA_CONFIG_FILE, then parses everything. */
export function loadConfig(env: Env = process.env): Config {
  const file = env['SENTINELA_CONFIG_FILE'];
  return parseConfig(env, file ? readConfigFile(file) : {});
}

export function readConfigFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8')); // YAML is a superset of JSON: one parser serves both
  } catch (err) {
    throw new SentinelaError('CONFIG_FILE_UNREADABLE', `SENTINELA_CONFIG_FILE: cannot read ${file}: ${(err as Error).message}`, {
      path: 'SENTINELA_CONFIG_FILE',
    });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SentinelaError('CONFIG_FILE_UNREADABLE', `SENTINELA_CONFIG_FILE: ${file} must hold a mapping of settings`, {
      path: 'SENTINELA_CONFIG_FILE',
    });
  }
  return parsed as Record<string, unknown>;
}

/** Config-file values are scalars; a nested mapping is shown as JSON so the error message says what was found. */
function scalarText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
