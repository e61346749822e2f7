import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/main.js';

async function cli(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, { LOG_LEVEL: 'silent', ...env }, { stdout: (t) => out.push(t), stderr: (t) => err.push(t) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('sentinela CLI', () => {
  it('lists its commands with --help', async () => {
    const { code, out } = await cli(['--help']);
    assert.equal(code, 0);
    assert.match(out, /migrate .*apply pending ClickHouse migrations/);
    assert.match(out, /config .*validate and print/);
  });

  it('prints the help of each command', async () => {
    for (const name of ['migrate', 'normalise', 'config']) {
      const { code, out } = await cli([name, '--help']);
      assert.equal(code, 0);
      assert.match(out, new RegExp(`^Usage: sentinela ${name}`));
    }
  });

  it('exits 2 on an unknown command or option', async () => {
    assert.equal((await cli(['mgirate'])).code, 2);
    const bad = await cli(['migrate', '--frobnicate']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /CLI_USAGE: Unknown option '--frobnicate'/);
  });

  it('exits 2 naming the variable when the configuration is bad', async () => {
    const { code, err } = await cli(['migrate'], { CDR_RETENTION_DAYS: 'forever' });
    assert.equal(code, 2);
    assert.match(err, /CONFIG_INVALID: invalid configuration:\n {2}CDR_RETENTION_DAYS: .*expected number.*\(got "forever"\)/);
  });

  it('normalise shows how a tenant dial plan reads numbers, and fails on unreadable ones', async () => {
    const { code, out } = await cli(['normalise', '--ddd', '11', '--outside-line', '0', '0 0 21 11 96123 4567', '0190', 'anonymous']);
    assert.equal(code, 1);
    const [mobile, emergency, bad] = out.split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(mobile?.['e164'], '+5511961234567');
    assert.equal(mobile?.['csp'], '21');
    assert.equal(emergency?.['emergency'], true);
    assert.equal(bad?.['error'], 'NUMBER_INVALID_CHARS');
  });

  it('prints the effective configuration with secrets hidden', async () => {
    const { code, out } = await cli(['config'], { CLICKHOUSE_URL: 'http://ch:8123', CLICKHOUSE_PASSWORD: 'hunter2' });
    assert.equal(code, 0);
    assert.equal((JSON.parse(out) as { clickhouse: { password: string } }).clickhouse.password, '(hidden)');
    assert.doesNotMatch(out, /hunter2/);
  });

  it('migrate against an unreachable ClickHouse server fails with STORE_UNAVAILABLE, exit 1', async () => {
    const { code, err } = await cli(['migrate'], { CLICKHOUSE_URL: 'http://127.0.0.1:9' });
    assert.equal(code, 1);
    assert.match(err, /^sentinela migrate: STORE_UNAVAILABLE: ClickHouse unreachable: .*ECONNREFUSED/);
  });

  it('migrate applies the schema, and a second run is a no-op', async () => {
    const env: Record<string, string> = {
      CLICKHOUSE_DATABASE: `sentinela_cli_${randomBytes(3).toString('hex')}`,
      SENTINELA_DATA_DIR: mkdtempSync(join(tmpdir(), 'sentinela-cli-')),
      CDR_RETENTION_DAYS: '30',
    };
    if (process.env['CLICKHOUSE_URL']) env['CLICKHOUSE_URL'] = process.env['CLICKHOUSE_URL'];
    const first = await cli(['migrate'], env);
    assert.equal(first.code, 0, first.err);
    assert.match(
      first.out,
      /applied 001_initial_schema\.sql\napplied 002_stream_processor\.sql\napplied 003_block_check_api\.sql\napplied 004_security\.sql\napplied 005_usage_profiles\.sql\napplied 007_alarm_ledger_audit_checkpoints\.sql\n6 applied, 0 already applied\ncdrs: retention set to 30 days/,
    );
    const second = await cli(['migrate'], env);
    assert.equal(second.code, 0, second.err);
    assert.match(second.out, /0 applied, 6 already applied$/);
  });
});
