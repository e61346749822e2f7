import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { runCli } from '../../src/cli/main.js';
import { randomBytes } from 'node:crypto';
import { createClickHouseClient } from '../../src/adapters/clickhouse/client.js';
import { readMigrations } from '../../src/adapters/clickhouse/migrations.js';
import { migrate } from '../../src/adapters/clickhouse/migrator.js';
import { loadRuleFiles } from '../../src/adapters/files/rule-files.js';
import { parseConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/log.js';
import { composeEmbeddedPipeline } from '../../src/main/embedded.js';

// the wholesale IRSF sample (test/fixtures/canonical, from ../shared/data/datasets): traffic pumping to +2917
const WHOLESALE = 'test/fixtures/canonical/wholesale_irsf_ajamous.ndjson';

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(
    ['replay', '--quiet', ...args],
    { LOG_LEVEL: 'silent' },
    { stdout: (t) => out.push(t), stderr: (t) => err.push(t), stdin: () => Readable.from(['']) },
  );
  return { code, out, err: err.join('\n') };
}

/** A copy of the shipped rules with `edit` applied to one file's text. */
function editedRules(file: string, edit: (text: string) => string): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'sentinela-compare-')), 'rules');
  cpSync('rules', dir, { recursive: true });
  writeFileSync(join(dir, file), edit(readFileSync(join(dir, file), 'utf8')));
  return dir;
}

describe('sentinela replay --compare (issue 17 item 5: what a rule change would do)', () => {
  it('the same rules: nothing appears, disappears or changes', async () => {
    const r = await cli(['--compare', 'rules', WHOLESALE]);
    assert.equal(r.code, 0, r.err);
    const summary = JSON.parse(r.out.at(-1) as string) as { compare: { appears: number; disappears: number; changes: number; unchanged: number } };
    assert.deepEqual([summary.compare.appears, summary.compare.disappears, summary.compare.changes], [0, 0, 0]);
    assert.ok(summary.compare.unchanged > 0);
  });

  it('traffic pumping switched off: its prefix block disappears, and what that lets other rules see is listed per rule', async () => {
    const off = editedRules('traffic-pumping.yaml', (t) => t.replace(/(- id: traffic-pumping\n(?:.*\n)*?\s+enabled: )true/, '$1false'));
    const r = await cli(['--compare', off, WHOLESALE]);
    assert.equal(r.code, 0, r.err);
    const line = r.out.find((l) => l.startsWith('disappears') && l.includes('traffic-pumping') && l.includes('destPrefix:+2917'));
    assert.ok(line, r.out.join('\n'));
    assert.match(line, /0w 1c 1b +0w 0c 0b$/);
    const summary = JSON.parse(r.out.at(-1) as string) as { compare: { byRule: Record<string, { disappears: number }> } };
    assert.ok((summary.compare.byRule['traffic-pumping']?.disappears ?? 0) >= 1);
    assert.match(r.err, /^replay summary, A: \.\/rules\n {2}lines read +1088/m);
    assert.match(r.err, /^replay summary, B: \/tmp\/.*\n {2}lines read +1088/m);
  });

  it('needs a FILE (the CDRs are read twice), and refuses an invalid rule set before reading any', async () => {
    const r = await cli(['--compare', 'rules']);
    assert.equal(r.code, 2);
    assert.match(r.err, /--compare needs a FILE/);
    const bad = editedRules('traffic-pumping.yaml', (t) => t.replace('- id: traffic-pumping', '- id: traffic-pumping\n    windoww: 5m'));
    const refused = await cli(['--compare', bad, WHOLESALE]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.err, /RULES_INVALID/);
    assert.deepEqual(refused.out, []);
  });
});

/** An answered outbound call of tenant acme (30 s). */
const call = (id: string, at: number, caller: string, callee: string) => ({
  id,
  tenant: 'acme',
  account: 'sales',
  caller,
  callee,
  srcIp: '200.160.2.3',
  startedAt: at,
  answeredAt: at,
  endedAt: at + 30_000,
  durationSec: 30,
  billSec: 30,
  disposition: 'ANSWERED',
});

describe('sentinela replay --compare DIR --since DUR: over the CDRs stored in ClickHouse (issue 17 item 5)', () => {
  const env: Record<string, string> = {
    CLICKHOUSE_DATABASE: `sentinela_compare_${randomBytes(3).toString('hex')}`,
    SENTINELA_DATA_DIR: mkdtempSync(join(tmpdir(), 'sentinela-cli-compare-')),
  };
  if (process.env['CLICKHOUSE_URL']) env['CLICKHOUSE_URL'] = process.env['CLICKHOUSE_URL'];
  const burst = (warn: number) =>
    `rules:\n  - id: burst-caller\n    description: calls per caller\n    cites: [G1]\n    key: caller\n    match: { directions: [outbound] }\n    measure: { kind: count }\n    window: 10m\n    thresholds: { warn: ${warn} }\n`;
  const rulesDir = (warn: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'sentinela-compare-since-'));
    writeFileSync(join(dir, 'burst.yaml'), burst(warn));
    return dir;
  };

  it('reads the stored CDRs of the last DUR (of one tenant with --tenant), with the same report as over a file', async () => {
    // stored by the embedded pipeline, as `sentinela start` stores them: three calls of one caller, two of another
    const config = parseConfig(env);
    const client = createClickHouseClient(config.clickhouse);
    await migrate(client, { database: config.clickhouse.database, retentionDays: 0, migrations: readMigrations() });
    const now = Date.now();
    const pipeline = composeEmbeddedPipeline({
      config,
      ruleFiles: loadRuleFiles(rulesDir(3)),
      clickhouse: client,
      log: createLogger('silent'),
      clock: () => now,
    });
    await pipeline.start();
    const calls = ['+551130008881', '+551130008881', '+551130008881', '+551130008882', '+551130008882'].map((caller, i) =>
      JSON.stringify(call(`since-${i}`, now - 3_600_000 + i * 30_000, caller, `+5511400${i}0000`)),
    );
    assert.equal((await pipeline.ingest.ingest(Buffer.from(calls.join('\n')), 'canonical')).accepted, 5);
    pipeline.hotlists.stop();
    await pipeline.pipeline.stop();

    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runCli(
        ['replay', '--rules', rulesDir(3), ...args],
        { LOG_LEVEL: 'silent', ...env },
        {
          stdout: (t) => out.push(t),
          stderr: (t) => err.push(t),
          stdin: () => Readable.from(['']),
        },
      );
      return { code, out, err: err.join('\n') };
    };
    const r = await run(['--compare', rulesDir(2), '--since', '1d']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out[0] ?? '', /^compare: A .*, B .*, over 5 CDRs stored since /);
    assert.ok(
      r.out.some((l) => /^appears +burst-caller +caller:\+551130008882 +0w 0c 0b +1w 0c 0b$/.test(l)),
      r.out.join('\n'),
    );
    assert.deepEqual((JSON.parse(r.out.at(-1) as string) as { compare: { byRule: unknown } }).compare.byRule, {
      'burst-caller': { appears: 1, disappears: 0, changes: 0 },
    });
    assert.match(r.err, /^replay summary, A: .*\n {2}lines read +5$/m);

    const other = await run(['--compare', rulesDir(2), '--since', '1d', '--tenant', 'other']);
    assert.equal(other.code, 0, other.err);
    assert.match(other.out[0] ?? '', /over 0 CDRs stored since .* of tenant other$/);
    const misuse = await run(['--since', '1d', WHOLESALE]);
    assert.equal(misuse.code, 2);
    assert.match(misuse.err, /--since reads the stored CDRs: give no FILE/);
  });
});
