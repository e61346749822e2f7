import { parseArgs } from 'node:util';
import { openRecords } from '../../adapters/files/records.js';
import { loadRuleFiles } from '../../adapters/files/rule-files.js';
import { createDecoder, FORMATS, parseFormatSpec } from '../../domain/cdr/formats/registry.js';
import { createLogger } from '../../log.js';
import { replayAttempts, replayParts } from '../../main/replay.js';
import { formatDuration, parseDuration } from '../../domain/rules/duration.js';
import { timeZoneSpec } from '../../domain/rules/profile-spec.js';
import type { Command } from '../command.js';
import { formatSummary, replay } from '../replay/run.js';

const MAX_REPORTED_LINES = 100;

export const replayCommand: Command = {
  name: 'replay',
  summary: 'run the rules over CDRs from a file or stdin (backtests); verdicts as NDJSON on stdout',
  help: `Usage: sentinela replay [options] [FILE]

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
      },
    });
    if (positionals.length > 1) throw Object.assign(new Error('give at most one FILE'), { code: 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' });
    const config = ctx.config();
    const latenessText = values.lateness ?? null;
    const lateness = latenessText === null ? config.rules.allowedLatenessMs : parseDuration(latenessText);
    if (lateness === null)
      throw Object.assign(new Error(`--lateness: "${latenessText}" is not a duration such as 6h`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
    const timeZone = values.tz ?? config.dialling.timeZone;
    if (!timeZoneSpec.safeParse(timeZone).success) {
      throw Object.assign(new Error(`--tz: "${timeZone}" is not an IANA time zone`), { code: 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' });
    }
    const ruleFiles = loadRuleFiles(values.rules ?? config.rules.dir);
    const format = parseFormatSpec(values.format ?? 'canonical');
    const parts = replayParts(config, ruleFiles, { timeZone, allowedLatenessMs: lateness, log: createLogger('silent') });
    createDecoder(format, parts.decoders); // an unknown mapping is a usage error before any input is read
    const file = positionals[0];
    const records = await openRecords(file === undefined || file === '-' ? ctx.stdin() : file, {
      latin1: format.options['encoding'] === 'latin1',
      documents: format.name === 'freeswitch-json',
    });
    const attempts = values.attempts ? replayAttempts(config, ruleFiles, format, { timeZone, allowedLatenessMs: lateness }) : undefined;
    let reported = 0;
    const summary = await replay(
      attempts ? attempts.merger.merge(records) : records,
      format,
      parts,
      {
        verdict: ctx.stdout,
        rejected: (message) => {
          if (++reported <= MAX_REPORTED_LINES) ctx.stderr(message);
          else if (reported === MAX_REPORTED_LINES + 1) ctx.stderr(`(further rejected lines are only counted)`);
        },
        ...(values.quiet
          ? {}
          : {
              progress: (s) =>
                ctx.stderr(`replay: ${s.lines} lines, ${s.alerts} alerts, ${s.blocks} blocks, ${Math.round(s.lines / (s.elapsedMs / 1000))} lines/s`),
            }),
      },
      { now: () => performance.now(), progressEveryMs: 2000 },
      attempts?.service,
    );
    if (summary.attempts && attempts) summary.attempts.late = attempts.merger.late;
    for (const line of formatSummary(summary, latenessText ?? formatDuration(lateness))) ctx.stderr(line);
    return 0;
  },
};
