import { once } from 'node:events';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { parseDuration } from '../../domain/rules/duration.js';
import { SentinelaError } from '../../errors.js';
import { CdrIndex, parseLabels, parseReplayLine, type RefusalRecord, type VerdictRecord } from '../../eval/inputs.js';
import { report } from '../../eval/report.js';
import { DEFAULT_SCORE_OPTIONS, score } from '../../eval/score.js';
import { CDRS_FILE, LABELS_FILE } from '../../sim/output.js';
import { usage, type Command } from '../command.js';

export const evaluateCommand: Command = {
  name: 'evaluate',
  summary: 'score replay verdicts against simulated labels: episodes detected, CDRs before detection, false positives',
  help: `Usage: sentinela evaluate [--lateness DUR] DIR VERDICTS

Scores the verdicts \`sentinela replay\` wrote (VERDICTS: NDJSON, - for stdin) against DIR/labels.json and
DIR/cdrs.ndjson from \`sentinela simulate\`:
  - an episode is detected by a critical alert or a block on one of its acceptable subjects (same tenant) from
    1 h before its first call to the allowed lateness after its last call ends; reported with the rules that
    fired and how many of its fraud CDRs (and how much of its cost) had arrived when the first one was emitted
    (the last of its evidence CDRs in file order);
  - false positives: legitimate subjects blocked (or critically alerted) outside every episode that explains
    them, by rule and population; blocks on subjects neither legitimate nor acceptable are listed apart;
  - budgets: whether each episode was caught within its type's budget (labels' \`budget\`, else the table in
    src/sim/budgets.ts): few enough of its CDRs / R$ arrived at the first verdict, or (replay --attempts
    output) block-check refused one of its first N outbound calls; refused calls are counted, fraud and
    legitimate, with the fraud cost they would have carried ("prevented").
Prints a report and, as the last line, a JSON summary. Bad input exits 1 with EVAL_INPUT.

Options:
  --lateness DUR     how long after an episode a verdict still counts (default 6h)
  -h, --help         show this help`,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { lateness: { type: 'string' } } });
    const [dir, verdictsFile] = positionals;
    if (dir === undefined || verdictsFile === undefined || positionals.length > 2) {
      throw usage('give DIR (a simulate output) and VERDICTS (replay output)');
    }
    const lateness = values.lateness === undefined ? DEFAULT_SCORE_OPTIONS.latenessMs : parseDuration(values.lateness);
    if (lateness === null) throw usage(`--lateness: "${values.lateness}" is not a duration such as 6h`);

    const labelsPath = join(dir, LABELS_FILE);
    const labels = parseLabels(readInput(labelsPath), labelsPath);
    const cdrs = new CdrIndex();
    const cdrPath = join(dir, CDRS_FILE);
    for await (const line of lines(cdrPath)) cdrs.add(line, cdrPath);
    const verdicts: VerdictRecord[] = [];
    const refusals: RefusalRecord[] = [];
    let n = 0;
    for await (const line of verdictsFile === '-' ? createInterface({ input: ctx.stdin(), crlfDelay: Infinity }) : lines(verdictsFile)) {
      const v = parseReplayLine(line, ++n, verdictsFile);
      if (v?.kind === 'refused') refusals.push(v);
      else if (v) verdicts.push(v);
    }
    const unknown = labels.episodes.flatMap((e) => e.cdrIds).filter((id) => cdrs.get(id) === undefined);
    if (unknown.length > 0)
      throw new SentinelaError('EVAL_INPUT', `${labelsPath}: ${unknown.length} episode CDR ids are not in ${cdrPath} (first: ${unknown[0]})`);
    const result = score(
      labels,
      (id) => cdrs.get(id),
      verdicts,
      { ...DEFAULT_SCORE_OPTIONS, latenessMs: lateness },
      refusals,
      (t) => cdrs.arrivedBefore(t),
    );
    for (const line of report(result, labels.timeZone)) ctx.stdout(line);
    return 0;
  },
};

function readInput(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new SentinelaError('EVAL_INPUT', `cannot read ${path}: ${(err as Error).message}`);
  }
}

async function* lines(path: string): AsyncIterable<string> {
  const stream = createReadStream(path);
  try {
    await once(stream, 'open');
  } catch (err) {
    throw new SentinelaError('EVAL_INPUT', `cannot read ${path}: ${(err as Error).message}`);
  }
  yield* createInterface({ input: stream, crlfDelay: Infinity });
}
