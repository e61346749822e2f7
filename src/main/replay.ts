import type { Logger } from 'pino';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import { BlockCheckService } from '../api/block-check.js';
import type { Config } from '../config/config.js';
import { validate, createDecoder, type FormatSpec } from '../domain/cdr/formats/registry.js';
import type { Cdr } from '../domain/cdr/contract.js';
import { BlockTable } from '../domain/blocks/block-table.js';
import type { Verdict } from '../domain/engine/verdicts.js';
import { AttemptMerger } from '../cli/replay/attempts.js';
import { ATTEMPT_ENGINE, engineFactory, pipelineParts } from './parts.js';

/** `sentinela replay`: the deployment's pipeline parts with the command's zone and lateness; the CLI adds its file source and stdout sink. */
export function replayParts(config: Config, ruleFiles: RuleFiles, o: { timeZone: string; allowedLatenessMs: number; log: Logger }) {
  const parts = pipelineParts({
    config,
    ruleFiles,
    log: o.log,
    sinks: [],
    clock: 'event-time',
    timeZone: o.timeZone,
    newEngine: engineFactory(config, ruleFiles, { timeZone: o.timeZone, allowedLatenessMs: o.allowedLatenessMs }),
  });
  return { ...parts, maxRecordBytes: Number.POSITIVE_INFINITY }; // a file's record may be a whole document
}

/**
 * `sentinela replay --attempts`: the API's block-check service as an API replica wires it (attempt rules with the
 * API's 5 s lateness, the deployment's fail policy), over a block table the replay feeds, and the merger that
 * turns the file's CDRs into attempts at their start (decoded with the replay's own decoder spec and contract).
 */
export function replayAttempts(config: Config, ruleFiles: RuleFiles, format: FormatSpec, o: { timeZone: string; allowedLatenessMs: number }) {
  const decoder = createDecoder(format, { timeZone: o.timeZone, mappings: ruleFiles.mappings });
  const decode = (line: string, lineNo: number): Cdr[] =>
    line.trim() === '' ? [] : validate(decoder.decode(line, lineNo)).flatMap((r) => (r.ok && 'cdr' in r ? [r.cdr] : []));
  const service = (onVerdicts: (verdicts: readonly Verdict[]) => void) =>
    new BlockCheckService({
      attempts: engineFactory(config, ruleFiles, { ...ATTEMPT_ENGINE, timeZone: o.timeZone })(),
      table: new BlockTable(),
      failPolicy: config.api.failPolicy,
      staleAfterMs: config.api.staleAfterMs,
      onVerdicts,
      attemptIdPrefix: 'attempt-',
      // every CDR of the file reaches `ended`, so live calls close as in the embedded mode
      liveCalls: config.api.liveCalls,
    });
  return { merger: new AttemptMerger(decode, o.allowedLatenessMs), service };
}
