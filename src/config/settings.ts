import { z } from 'zod';
import { DURATION_PATTERN, parseDuration } from '../domain/rules/duration.js';
import { timeZoneSpec } from '../domain/rules/profile-spec.js';
import { brokers, csv, digits, duration, identifier, topicName, topicWithFormat } from './setting-types.js';
import { TENANT_NAME } from '../domain/cdr/contract.js';

/**
 * Every Sentinela setting, by the environment variable that sets it. This list is the single source of truth:
 * the loader parses it, `sentinela config` prints it, and a test checks that README.md documents each entry.
 * A config file (SENTINELA_CONFIG_FILE, YAML or JSON) may set the same keys; the environment wins over the file.
 */
export interface Setting {
  readonly schema: z.ZodType;
  /** Default as written in the environment; undefined means "unset". */
  readonly default?: string;
  readonly description: string;
  /** Secret values are never echoed in error messages or `sentinela config`. */
  readonly secret?: boolean;
}

export const SETTINGS = {
  SENTINELA_CONFIG_FILE: {
    schema: z.string().min(1).optional(),
    description: 'Optional YAML or JSON file with any of these keys; environment variables override it.',
  },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    description: 'pino log level.',
  },
  SENTINELA_DATA_DIR: {
    schema: z.string().min(1),
    default: './data',
    description: 'Directory of the embedded ClickHouse engine (chDB). Used when CLICKHOUSE_URL is unset.',
  },
  CLICKHOUSE_URL: {
    schema: z.url({ protocol: /^https?$/ }).optional(),
    description: 'ClickHouse server HTTP(S) URL. When set, Sentinela talks to it instead of the embedded chDB.',
  },
  CLICKHOUSE_USER: { schema: z.string().min(1), default: 'default', description: 'ClickHouse user (server mode).' },
  CLICKHOUSE_PASSWORD: {
    schema: z.string().optional(),
    secret: true,
    description: 'ClickHouse password (server mode).',
  },
  CLICKHOUSE_DATABASE: {
    schema: identifier,
    default: 'sentinela',
    description: 'Database holding every Sentinela table; created by `sentinela migrate`.',
  },
  CLICKHOUSE_CLUSTER: {
    schema: identifier.optional(),
    description:
      'ClickHouse cluster (remote_servers name) to migrate onto: ON CLUSTER DDL, Replicated tables, big tables Distributed by tenant. Needs CLICKHOUSE_URL. Unset: a single node.',
  },
  CDR_RETENTION_DAYS: {
    schema: z.coerce.number().int().min(0).max(36500),
    default: '400',
    description: 'TTL of the cdrs and rejected_cdrs tables in days (0 keeps rows forever). Reconciled by `migrate`.',
  },
  MIGRATE_ON_START: {
    schema: z.stringbool(),
    default: 'true',
    description: '`sentinela start` applies pending migrations before it serves.',
  },
  KAFKA_BROKERS: {
    schema: brokers.optional(),
    description: 'Comma-separated host:port list. Unset means the embedded mode (no Kafka).',
  },
  KAFKA_CLIENT_ID: { schema: z.string().min(1), default: 'sentinela', description: 'Kafka client id.' },
  KAFKA_GROUP_ID: {
    schema: z.string().min(1),
    default: 'sentinela-processor',
    description: 'Consumer group of the processors.',
  },
  KAFKA_CDR_TOPICS: {
    schema: csv.pipe(z.array(z.string().transform(topicWithFormat)).min(1)),
    default: 'sentinela.cdrs',
    description:
      'Comma-separated CDR topics the processors consume, each optionally `=FORMAT` (default canonical), e.g. ' +
      '`pbx1.cdr=asterisk-csv;tz=America/Sao_Paulo;tenant=pbx1`. Formats: README "Decoders".',
  },
  KAFKA_SESSION_TIMEOUT: {
    schema: z.string().regex(DURATION_PATTERN, 'must be a duration such as 30s'),
    default: '30s',
    description: "Consumer-group session timeout: how soon a crashed processor's partitions move to the others (heartbeats every tenth of it).",
  },
  KAFKA_REBALANCE_TIMEOUT: { schema: duration('60s'), default: '60s', description: 'How long a rebalance waits for members to rejoin.' },
  KAFKA_FETCH_MAX_WAIT: {
    schema: duration('500ms'),
    default: '500ms',
    description: "Longest wait of a consumer's fetch when nothing is new; a broker answers sooner once data arrives (some, and the test mock, do not).",
  },
  KAFKA_BLOCKS_TOPIC: { schema: topicName, default: 'sentinela.blocks', description: 'Compacted topic of block states, keyed by tenant|subject|rule.' },
  KAFKA_ALERTS_TOPIC: { schema: topicName, default: 'sentinela.alerts', description: 'Topic of alerts, keyed like blocks.' },
  KAFKA_CALLS_TOPIC: {
    schema: topicName.optional(),
    description:
      'Topic of compact call-ended records (one per outbound CDR, delete retention of a few hours) the processors publish and every API replica reads: live concurrent calls in server mode. Unset: not tracked with Kafka.',
  },
  KAFKA_DLQ_TOPIC: {
    schema: topicName,
    default: 'sentinela.cdrs.dlq',
    description: 'Dead-letter topic: original bytes of refused records with error-code/-message/-path and source-* headers.',
  },
  SENTINELA_BATCH_MAX_ROWS: {
    schema: z.coerce.number().int().min(1).max(1_000_000),
    default: '5000',
    description: 'A batch is persisted and its offsets committed once it holds this many records…',
  },
  SENTINELA_BATCH_MAX_WAIT: { schema: duration('500ms or 1s'), default: '1s', description: '…or once its oldest record waited this long.' },
  SENTINELA_MAX_MESSAGE_BYTES: {
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(16 * 1024 * 1024),
    default: '1048576',
    description: 'Larger Kafka messages are dead-lettered as CDR_TOO_LARGE (canonical JSON is limited to 64 KiB on its own).',
  },
  SENTINELA_HOST: {
    schema: z.string().min(1),
    default: '0.0.0.0',
    description: 'Address of the HTTP server (block-check, admin API, /docs, /metrics, /healthz, /readyz).',
  },
  SENTINELA_PORT: { schema: z.coerce.number().int().min(0).max(65535), default: '8080', description: 'Port of the HTTP server.' },
  SENTINELA_FAIL_POLICY: {
    schema: z.enum(['open', 'closed']),
    default: 'open',
    description:
      'Block-check answer while the block table is loading or stale, or a request is shed under overload: open (allow; known blocks still apply) or closed (block everything but emergency numbers).',
  },
  SENTINELA_LIVE_CALL_MAX_AGE: {
    schema: z.string().regex(DURATION_PATTERN, 'must be a duration such as 4h'),
    default: '4h',
    description: 'Live concurrent calls: a call allowed by block-check whose CDR never arrived stops counting after this long.',
  },
  SENTINELA_LIVE_CALL_TOLERANCE: {
    schema: z.string().regex(DURATION_PATTERN, 'must be a duration such as 60s'),
    default: '60s',
    description:
      "Live concurrent calls: a CDR without a known Call-ID closes the call of the same caller and callee checked within this much of the CDR's start.",
  },
  SENTINELA_BLOCKS_STALE_AFTER: {
    schema: duration('15s'),
    default: '15s',
    description: 'The block table counts as stale (fail policy applies, /readyz 503) when the blocks feed was silent this long.',
  },
  SENTINELA_ATTEMPT_THREAD: {
    schema: z.stringbool(),
    default: 'true',
    description:
      'Count block-check attempts for the attempt rules (EV12, EV13) on a thread of their own: checks are answered sooner, and an attempt that crosses a threshold blocks the attempts after it. false: in the request, the crossing attempt refused too (one core).',
  },
  SENTINELA_MAX_EVENT_LOOP_DELAY: {
    schema: z.string().regex(DURATION_PATTERN, 'must be a duration such as 200ms'),
    default: '200ms',
    description: 'Overload: API requests are shed (503; block-check with the fail-policy answer) while the event loop lags more than this.',
  },
  SENTINELA_WEBHOOK_URL: { schema: z.url({ protocol: /^https?$/ }).optional(), description: 'Push blocks and unblocks as signed JSON to this URL (optional).' },
  SENTINELA_WEBHOOK_SECRET: {
    schema: z.string().min(16, 'at least 16 characters').optional(),
    secret: true,
    description: 'HMAC-SHA256 key of the webhook signature; required with SENTINELA_WEBHOOK_URL.',
  },
  SENTINELA_WEBHOOK_MAX_ATTEMPTS: {
    schema: z.coerce.number().int().min(1).max(100),
    default: '8',
    description: 'Deliveries tried (backoff 0.5 s doubling to 60 s) before a push is dead-lettered.',
  },
  SENTINELA_KAMAILIO_RPC_URL: {
    schema: z.url({ protocol: /^https?$/ }).optional(),
    description: 'Kamailio JSON-RPC endpoint (xhttp + jsonrpcs); blocks become entries of an htable there (optional).',
  },
  SENTINELA_KAMAILIO_HTABLE: {
    schema: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and underscore'),
    default: 'sentinela',
    description: 'Name of the Kamailio htable that holds the blocks.',
  },
  SENTINELA_PBX_AUTH: {
    schema: z.enum(['api-key', 'none']),
    default: 'api-key',
    description: 'api-key: block-check and POST /v1/cdrs need a PBX API key (`sentinela apikey add`); none: open (lab only).',
  },
  SENTINELA_INSTANCE_ID: {
    schema: z.string().regex(TENANT_NAME, 'letters, digits, dot, underscore, hyphen').optional(),
    description: 'Name of this instance in its audit chain (api:<id>, cli:<id>); defaults to the host name. Unique per running instance.',
  },
  SENTINELA_AUDIT_KEY: {
    schema: z.string().min(32, 'at least 32 characters').optional(),
    secret: true,
    description: 'Key of the audit hash chain (A5). Unset: generated once into SENTINELA_DATA_DIR/audit.key. Every replica and the CLI must share it.',
  },
  SENTINELA_AUDIT_QUOTA: {
    schema: z.coerce.number().int().min(100).max(1_000_000_000),
    default: '1000000',
    description: 'Audit records kept (A6); the oldest are cut past it, and an alarm fires at 90 % (EV08).',
  },
  SENTINELA_AUDIT_VERIFY_INTERVAL: {
    schema: z
      .string()
      .regex(DURATION_PATTERN, 'must be a duration such as 1m')
      .refine((v) => (parseDuration(v) ?? 0) >= 1_000, 'at least 1s'),
    default: '1m',
    description: 'How often the audit chains are verified incrementally (records written since the last pass); audit reads show the last result.',
  },
  SENTINELA_AUDIT_FULL_VERIFY_INTERVAL: {
    schema: z
      .string()
      .regex(DURATION_PATTERN, 'must be a duration such as 24h')
      .refine((v) => (parseDuration(v) ?? 0) >= 60_000, 'at least 1m'),
    default: '24h',
    description: 'How often each audit chain is verified again from its start, which catches changes to records already verified.',
  },
  SENTINELA_ALARM_WEBHOOK_URL: {
    schema: z.url({ protocol: /^https?$/ }).optional(),
    description: 'Signed JSON alarms for administrators (A1): security events, audit integrity, critical alerts.',
  },
  SENTINELA_ALARM_WEBHOOK_SECRET: {
    schema: z.string().min(16, 'at least 16 characters').optional(),
    secret: true,
    description: 'HMAC-SHA256 key of the alarm webhook signature; required with SENTINELA_ALARM_WEBHOOK_URL.',
  },
  SENTINELA_MASK_CALLERS: {
    schema: z.stringbool(),
    default: 'false',
    description: 'A13 caller anonymity: caller numbers are masked in logs and in API answers (blocks, alerts, evidence).',
  },
  KAFKA_SSL: { schema: z.stringbool(), default: 'false', description: 'Use TLS to reach the brokers.' },
  KAFKA_SASL_MECHANISM: {
    schema: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
    description: 'SASL mechanism; requires KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD.',
  },
  KAFKA_SASL_USERNAME: { schema: z.string().min(1).optional(), description: 'SASL user name.' },
  KAFKA_SASL_PASSWORD: { schema: z.string().min(1).optional(), secret: true, description: 'SASL password.' },
  SENTINELA_RULES_DIR: {
    schema: z.string().min(1),
    default: './rules',
    description: 'Directory of rule files (*.yaml), profiles.yaml and prefix lists (lists/*.csv).',
  },
  SENTINELA_ALLOWED_LATENESS: {
    schema: z.string().regex(DURATION_PATTERN, 'must be a duration such as 6h or 90m'),
    default: '6h',
    description: 'How late (event time) a CDR may arrive and still be counted in its windows.',
  },
  SENTINELA_MAX_USAGE_SUBJECTS: {
    schema: z.coerce.number().int().min(1_000).max(100_000_000),
    default: '500000',
    description:
      'Learned usage profiles (G3) kept per kind of subject (IP, account, caller) in each engine; a full kind drops one-call subjects first, then the longest idle (~600 bytes each).',
  },
  SENTINELA_TIMEZONE: {
    schema: timeZoneSpec,
    default: 'America/Sao_Paulo',
    description: 'Default tenant time zone (local days, business hours).',
  },
  SENTINELA_HOME_COUNTRY: {
    schema: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166-1 alpha-2 code such as BR'),
    default: 'BR',
    description: 'Default tenant home country; "international" is relative to it.',
  },
  SENTINELA_DEFAULT_DDD: {
    schema: digits(2, 2).optional(),
    description: 'Default area code (DDD) that completes local 8/9-digit numbers when the tenant has none.',
  },
  SENTINELA_OUTSIDE_LINE_PREFIX: {
    schema: digits(1, 2).optional(),
    description: 'PBX outside-line digit(s) stripped before dialled numbers are parsed (e.g. 0). Unset: none.',
  },
  SENTINELA_INTERNATIONAL_PREFIX: {
    schema: z.string().regex(/^(\+|\d{2,4})$/, 'must be + or 2-4 digits such as 00 or 011'),
    default: '00',
    description: 'International access prefix for non-Brazilian home countries (Brazil always uses 00+CSP).',
  },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;
export type RawSettings = { -readonly [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };
