import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import { runCli } from '../../src/cli/main.js';
import { parseConfig } from '../../src/config/config.js';

async function cli(argv: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    argv,
    { LOG_LEVEL: 'silent', USER: 'opsadmin', ...env },
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stdin: () => Readable.from([stdin]) },
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('sentinela user, apikey and audit (first administrator, PBX keys, A5 verification, EV05)', () => {
  it('creates the first administrator from stdin under the policy, issues a key, and verifies the audit trail', async () => {
    const env: Record<string, string> = {
      CLICKHOUSE_DATABASE: `sentinela_sec_${randomBytes(3).toString('hex')}`,
      SENTINELA_DATA_DIR: mkdtempSync(join(tmpdir(), 'sentinela-cli-sec-')),
    };
    if (process.env['CLICKHOUSE_URL']) env['CLICKHOUSE_URL'] = process.env['CLICKHOUSE_URL'];
    const weak = await cli(
      ['user', 'add', '--name', 'ana.souza', '--role', 'administrator', '--full-name', 'Ana Souza', '--password-stdin'],
      env,
      'senha123\n',
    );
    assert.equal(weak.code, 1);
    assert.match(weak.err, /PASSWORD_REJECTED: password policy \(A9\): an upper-case letter; a special character/);
    const made = await cli(
      ['user', 'add', '--name', 'ana.souza', '--role', 'administrator', '--full-name', 'Ana Souza', '--password-stdin'],
      env,
      'Tr0ca-de-Senha!\n',
    );
    assert.deepEqual([made.code, made.out], [0, 'user ana.souza created with role administrator'], made.err);
    assert.equal((await cli(['user', 'add', '--name', 'x', '--role', 'root'], env)).code, 2, 'an unknown role is a usage error');

    const key = await cli(['apikey', 'add', '--tenant', 'acme', '--name', 'asterisk-01'], env);
    assert.match(key.out, /^snk_[\w-]{16}_[\w-]{43}$/);
    const listed = await cli(['apikey', 'list'], env);
    assert.match(listed.out, /\tacme\tasterisk-01\t.*\tactive$/);
    assert.ok(!listed.out.includes(key.out.split('_').at(-1) ?? 'x'), 'list never shows the secret');

    const ok = await cli(['audit', 'verify'], env);
    assert.equal(ok.code, 0, ok.out + ok.err);
    assert.match(ok.out, /^ok {6}cli:\S+: \d+ records/m);

    const config = parseConfig(env);
    const client = createClickHouseClient(config.clickhouse);
    const db = config.clickhouse.database;
    const commands = await (
      await client.query({
        query: `SELECT actor, JSONExtractString(details, 'argv') AS argv FROM ${db}.audit_log WHERE event_type = 'cli.command' ORDER BY seq`,
        format: 'JSONEachRow',
      })
    ).json<{ actor: string; argv: string }>();
    assert.equal(commands.length, 5, 'every command that reached the store is audited (EV05)');
    assert.ok(commands.every((c) => c.actor === 'os:opsadmin'));
    assert.match(commands[0]?.argv ?? '', /"user","add","--name","ana.souza"/);

    await client.command({ query: `ALTER TABLE ${db}.audit_log UPDATE details = '{}' WHERE event_type = 'user.add' SETTINGS mutations_sync = 1` });
    await client.close();
    const broken = await cli(['audit', 'verify'], env);
    assert.equal(broken.code, 1);
    assert.match(broken.out, /BROKEN {2}cli:\S+ at \d+: chain cli:\S+: record \d+ was modified after it was written/);
    assert.match(broken.out, /AUDIT TRAIL TAMPERED/);
  });
});
