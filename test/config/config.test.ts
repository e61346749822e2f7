import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig, parseConfig } from '../../src/config/config.js';
import { SETTINGS } from '../../src/config/settings.js';
import { SentinelaError } from '../../src/errors.js';

function configError(fn: () => unknown): SentinelaError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof SentinelaError);
    return err;
  }
  assert.fail('expected a configuration error');
}

describe('configuration', () => {
  it('defaults to the embedded mode on chDB under ./data, in Sao Paulo time, without Kafka', () => {
    const config = parseConfig({});
    assert.deepEqual(config.clickhouse, { mode: 'embedded', dataDir: './data', database: 'sentinela', retentionDays: 400, cluster: undefined });
    assert.equal(config.kafka, undefined);
    assert.equal(config.dialling.timeZone, 'America/Sao_Paulo');
    assert.equal(config.dialling.homeCountry, 'BR');
    assert.equal(config.migrateOnStart, true);
  });

  it('is frozen all the way down', () => {
    const config = parseConfig({ KAFKA_BROKERS: 'k1:9092' });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.kafka));
    assert.ok(Object.isFrozen(config.kafka?.brokers));
  });

  it('switches to a ClickHouse server and to Kafka when their variables are set', () => {
    const config = parseConfig({
      CLICKHOUSE_URL: 'http://ch:8123',
      CLICKHOUSE_PASSWORD: 's3cret',
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      KAFKA_CDR_TOPICS: 'pbx.a,pbx.b=asterisk-csv;tz=UTC;tenant=pbx-b',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'sentinela',
      KAFKA_SASL_PASSWORD: 'pw',
      MIGRATE_ON_START: 'no',
    });
    assert.equal(config.clickhouse.mode, 'server');
    assert.deepEqual(config.kafka?.brokers, ['k1:9092', 'k2:9092']);
    assert.deepEqual(config.kafka?.cdrTopics, [
      { topic: 'pbx.a', format: { name: 'canonical', options: {} } },
      { topic: 'pbx.b', format: { name: 'asterisk-csv', options: { tz: 'UTC', tenant: 'pbx-b' } } },
    ]);
    assert.deepEqual(config.kafka?.topics, { blocks: 'sentinela.blocks', alerts: 'sentinela.alerts', dlq: 'sentinela.cdrs.dlq' });
    assert.throws(() => parseConfig({ KAFKA_BROKERS: 'k:9092', KAFKA_CDR_TOPICS: 'pbx=cisco' }), /KAFKA_CDR_TOPICS: unknown format "cisco"/);
    assert.equal(config.kafka?.sasl?.mechanism, 'scram-sha-512');
    assert.equal(config.kafka?.fetchMaxWaitMs, 500, 'an idle fetch waits at most 500 ms unless set');
    assert.equal(parseConfig({ KAFKA_BROKERS: 'k:9092', KAFKA_FETCH_MAX_WAIT: '20ms' }).kafka?.fetchMaxWaitMs, 20);
    assert.throws(() => parseConfig({ KAFKA_BROKERS: 'k:9092', KAFKA_FETCH_MAX_WAIT: 'soon' }), /KAFKA_FETCH_MAX_WAIT: must be a duration such as 500ms/);
    assert.equal(config.migrateOnStart, false);
  });

  it('names every bad variable and what it expects, and hides secrets', () => {
    const err = configError(() =>
      parseConfig({ KAFKA_BROKERS: 'nohost', CDR_RETENTION_DAYS: '-3', SENTINELA_TIMEZONE: 'Mars/Olympus', CLICKHOUSE_PASSWORD: '' }),
    );
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.match(err.message, /KAFKA_BROKERS: each broker must be host:port \(got "nohost"\)/);
    assert.match(err.message, /CDR_RETENTION_DAYS: .*>=0/);
    assert.match(err.message, /SENTINELA_TIMEZONE: must be an IANA time zone/);
    assert.equal(err.details.path, 'CDR_RETENTION_DAYS', 'the first bad variable, in settings order');
  });

  it('reads the audit verification intervals, and refuses a zero interval naming it', () => {
    assert.deepEqual(parseConfig({}).security.auditVerify, { everyMs: 60_000, fullEveryMs: 86_400_000 });
    assert.deepEqual(parseConfig({ SENTINELA_AUDIT_VERIFY_INTERVAL: '30s', SENTINELA_AUDIT_FULL_VERIFY_INTERVAL: '6h' }).security.auditVerify, {
      everyMs: 30_000,
      fullEveryMs: 21_600_000,
    });
    const err = configError(() => parseConfig({ SENTINELA_AUDIT_VERIFY_INTERVAL: '0s', SENTINELA_AUDIT_FULL_VERIFY_INTERVAL: 'daily' }));
    assert.match(err.message, /SENTINELA_AUDIT_VERIFY_INTERVAL: at least 1s/);
    assert.match(err.message, /SENTINELA_AUDIT_FULL_VERIFY_INTERVAL: must be a duration such as 24h/);
  });

  it('bounds the learned usage profiles per kind of subject (500,000 by default), and refuses a bound too small naming it', () => {
    assert.equal(parseConfig({}).rules.maxUsageSubjects, 500_000);
    assert.equal(parseConfig({ SENTINELA_MAX_USAGE_SUBJECTS: '2000000' }).rules.maxUsageSubjects, 2_000_000);
    assert.match(configError(() => parseConfig({ SENTINELA_MAX_USAGE_SUBJECTS: '10' })).message, /SENTINELA_MAX_USAGE_SUBJECTS/);
  });

  it('requires SASL credentials with a SASL mechanism', () => {
    const err = configError(() => parseConfig({ KAFKA_BROKERS: 'k:9092', KAFKA_SASL_MECHANISM: 'plain' }));
    assert.match(err.message, /KAFKA_SASL_USERNAME: required/);
  });

  it('rejects a database name that is not a plain identifier (no SQL through configuration)', () => {
    const err = configError(() => parseConfig({ CLICKHOUSE_DATABASE: 'x; DROP TABLE y' }));
    assert.match(err.message, /CLICKHOUSE_DATABASE: must be a plain SQL identifier/);
  });

  it('targets a ClickHouse cluster by name on a server only, and only a plain identifier', () => {
    const config = parseConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: 'sentinela_2x2' });
    assert.equal(config.clickhouse.cluster, 'sentinela_2x2');
    assert.ok(Object.isFrozen(config.clickhouse));
    assert.equal(parseConfig({ CLICKHOUSE_URL: 'http://ch:8123' }).clickhouse.cluster, undefined, 'absent: a single node, as before');
    const embedded = configError(() => parseConfig({ CLICKHOUSE_CLUSTER: 'sentinela_2x2' }));
    assert.match(embedded.message, /CLICKHOUSE_CLUSTER: requires CLICKHOUSE_URL/);
    assert.equal(embedded.details.path, 'CLICKHOUSE_CLUSTER');
    const injected = configError(() => parseConfig({ CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_CLUSTER: "c' SETTINGS x=1" }));
    assert.match(injected.message, /CLICKHOUSE_CLUSTER: must be a plain SQL identifier/);
  });

  it('reads a YAML config file, which the environment overrides, and rejects unknown keys in it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'sentinela.yaml');
    writeFileSync(file, 'CLICKHOUSE_DATABASE: from_file\nCDR_RETENTION_DAYS: 30\n');
    const config = loadConfig({ SENTINELA_CONFIG_FILE: file, CDR_RETENTION_DAYS: '60' });
    assert.equal(config.clickhouse.database, 'from_file');
    assert.equal(config.clickhouse.retentionDays, 60);
    writeFileSync(file, 'CLICKHOUSE_DATABSE: typo\n');
    assert.match(configError(() => loadConfig({ SENTINELA_CONFIG_FILE: file })).message, /CLICKHOUSE_DATABSE: unknown setting/);
    assert.equal(configError(() => loadConfig({ SENTINELA_CONFIG_FILE: join(dir, 'missing.yaml') })).code, 'CONFIG_FILE_UNREADABLE');
  });

  it('every setting is documented in README.md with its default', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const [name, setting] of Object.entries(SETTINGS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      assert.ok(row, `README.md documents ${name}`);
      const def = 'default' in setting ? `\`${setting.default}\`` : '(unset)';
      assert.ok(row.includes(`| ${def} |`), `README.md gives ${name} its default ${def}`);
    }
  });
});
