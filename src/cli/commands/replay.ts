import { parseArgs } from 'node:util';
import { openRecords } from '../../adapters/files/records.js';
import { loadRuleFiles, type RuleFiles } from '../../adapters/files/rule-files.js';
import { createDecoder, FORMATS, parseFormatSpec } from '../../domain/cdr/formats/registry.js';
import { createLogger } from '../../log.js';
import { replayAttempts, replayParts } from '../../main/replay.js';
import { formatDuration, parseDuration } from '../../domain/rules/duration.js';
import { timeZoneSpec } from '../../domain/rules/profile-spec.js';
import { usage, type Command } from '../command.js';
import { formatComparison } from '../replay/compare.js';
import { formatSummary, replay } from '../replay/run.js';
import { ClickHouseStore } from '../../adapters/clickhouse/store.js';
import { openClickHouse } from '../../main/clickhouse.js';
import { compareReplays, storedCdrLines } from '../../main/compare.js';

const MAX_REPORTED_LINES = 100;

/** `--since DUR [--tenant T]`: the stored CDRs to read instead of a file (canonical: they are stored as the contract). */
function storedSource(values: { since?: string; tenant?: string; format?: string }, file: string | undefined, now: number) {
  if (values.since === undefined) {
    if (values.tenant !== undefined) throw usage('--tenant narrows --since: give both');
    return undefined;
  }
  const ms = parseDuration(values.since);
  if (ms === null) throw usage(`--since: "${values.since}" is not a duration such as 7d`);
  if (file !== undefined) throw usage('--since reads the stored CDRs: give no FILE');
  if (values.format !== undefined) throw usage('--since reads stored CDRs, which are canonical: give no --format');
  return { since: now - ms, tenant: values.tenant };
}

export const replayCommand: Command = {
  name: 'replay',
  summary: 'run the rules over CDRs from a file or stdin (backtests); verdicts as NDJSON on stdout',
  help: `Usage: sentinela replay [options] [FILE]
       sentinela replay --since DUR [--tenant T] [--compare DIR] [options]

Reads CDRs from FILE, or from stdin when FILE is - or absent, decodes them with --format (default: canonical
NDJSON, one per line; the same decoders as the Kafka processor), runs the rule engine with event time as the clock and writes one JSON verdict per line to stdout (kind alert | block).
Progress and a summary (CDRs read, rejected with reasons, alerts and blocks per rule, throughput) go to
stderr. A bad line is reported with its line number and never stops the run. Use it to backtest a rule change
against yesterday's traffic.

Options:
  --format SPEC      ${FORMATS.join(' | ')} | mapping:NAME, with options
                     such as asterisk-csv;tz=UTC;encoding=latin1;tenant=pbx1 (default: canonical)
  --rules DIR        rules directory (default: SENTINELA_RULES_DIR)
  --tz ZONE          default time zone of profiles without one (default: SENTINELA_TIMEZONE)
  --lateness DUR     allowed lateness, e.g. 6h (default: SENTINELA_ALLOWED_LATENESS)
  --attempts         also play a PBX asking block-check at each outbound call's start (attempt rules, blocks
                     from the CDR rules' verdicts); refused calls are written as {"kind":"refused",…} lines
                     among the verdicts, counted in the summary. CDRs are read ahead by the lateness.
  --compare DIR      replay FILE twice, with --rules (A) and with the rules in DIR (B), and print what the
                     change does instead of verdicts: per rule and subject, the verdicts that appear, disappear
                     or change (alerts by severity, blocks, throttles, with counts), then per rule, then a JSON
                     line. Tune a rule against yesterday's traffic before deploying it.
  --since DUR        read the CDRs stored in ClickHouse over the last DUR (e.g. 7d) instead of a FILE, in the
                     order a state rebuild replays them; progress shows how many of them are done
  --tenant T         with --since: only tenant T's CDRs
  --quiet            no progress lines
  -h, --help         show this help`,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        format: { type: 'string' },
        rules: { type: 'string' },
        tz: { type: 'string' },
        lateness: { type: 'string' },
        quiet: { type: 'boolean' },
        attempts: { type: 'boolean' },
        compare: { type: 'string' },
        since: { type: 'string' },
        tenant: { type: 'string' },
      },
    });
    if (positionals.length > 1) throw usage('give at most one FILE');
    const config = ctx.config();
    const latenessText = values.lateness ?? null;
    const lateness = latenessText === null ? config.rules.allowedLatenessMs : parseDuration(latenessText);
    if (lateness === null) throw usage(`--lateness: "${latenessText}" is not a duration such as 6h`);
    const timeZone = values.tz ?? config.dialling.timeZone;
    if (!timeZoneSpec.safeParse(timeZone).success) throw usage(`--tz: "${timeZone}" is not an IANA time zone`);
    const format = parseFormatSpec(values.format ?? 'canonical');
    const file = positionals[0];
    const stdin = file === undefined || file === '-';
    const stored = storedSource(values, file, Date.now());
    if (values.compare !== undefined && stdin && !stored) throw usage('--compare needs a FILE or --since: its CDRs are read once per rule set');
    const dirA = values.rules ?? config.rules.dir;
    // both rule sets load before any input is read: a bad file is refused at once, as at startup
    const sets = [loadRuleFiles(dirA), ...(values.compare === undefined ? [] : [loadRuleFiles(values.compare)])];
    // stored CDRs: counted first, so progress can say how far along a long replay is; both replays of --compare read
    // the CDRs counted, not those stored meanwhile
    const clickhouse = stored ? await openClickHouse(config, createLogger('silent')) : undefined;
    const store = clickhouse && new ClickHouseStore(clickhouse, config.clickhouse.database);
    const range = store && stored ? await store.storedRange(stored.since, stored.tenant) : undefined;
    const total = range?.count;
    const once = async (ruleFiles: RuleFiles, verdict: (line: string) => void, label: string) => {
      const parts = replayParts(config, ruleFiles, { timeZone, allowedLatenessMs: lateness, log: createLogger('silent') });
      createDecoder(format, parts.decoders); // an unknown mapping is a usage error before any input is read
      const records =
        store && range
          ? storedCdrLines(store, range)
          : await openRecords(stdin ? ctx.stdin() : file, { latin1: format.options['encoding'] === 'latin1', documents: format.name === 'freeswitch-json' });
      const of = total === undefined ? 'lines' : `of ${total} stored CDRs`;
      const attempts = values.attempts ? replayAttempts(config, ruleFiles, format, { timeZone, allowedLatenessMs: lateness }) : undefined;
      let reported = 0;
      const summary = await replay(
        attempts ? attempts.merger.merge(records) : records,
        format,
        parts,
        {
          verdict,
          rejected: (message) => {
            if (++reported <= MAX_REPORTED_LINES) ctx.stderr(message);
            else if (reported === MAX_REPORTED_LINES + 1) ctx.stderr(`(further rejected lines are only counted)`);
          },
          ...(values.quiet
            ? {}
            : {
                progress: (s) =>
                  ctx.stderr(`replay${label}: ${s.lines} ${of}, ${s.alerts} alerts, ${s.blocks} blocks, ${Math.round(s.lines / (s.elapsedMs / 1000))} lines/s`),
              }),
        },
        { now: () => performance.now(), progressEveryMs: 2000 },
        attempts?.service,
      );
      if (summary.attempts && attempts) summary.attempts.late = attempts.merger.late;
      // the summary's heading names the rule set when two are compared
      formatSummary(summary, latenessText ?? formatDuration(lateness)).forEach((line, i) => ctx.stderr(i === 0 && label ? `${line}${label}` : line));
    };
    try {
      const [a, b] = sets as [RuleFiles, RuleFiles | undefined];
      if (b === undefined) {
        await once(a, ctx.stdout, '');
        return 0;
      }
      const labels = [`, A: ${dirA}`, `, B: ${values.compare}`] as const;
      const comparison = await compareReplays([a, b], (ruleFiles, verdict, which) => once(ruleFiles, verdict, labels[which]));
      const over = stored ? `${total} CDRs stored since ${new Date(stored.since).toISOString()}${stored.tenant ? ` of tenant ${stored.tenant}` : ''}` : file;
      ctx.stdout(`compare: A ${dirA}, B ${values.compare}, over ${over}`);
      for (const line of formatComparison(comparison, MAX_REPORTED_LINES)) ctx.stdout(line);
      return 0;
    } finally {
      await clickhouse?.close();
    }
  },
};
