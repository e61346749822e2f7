import type { Logger } from 'pino';
import type { RuleFiles } from '../adapters/files/rule-files.js';
import type { Config } from '../config/config.js';
import { engineFactory, pipelineParts } from './parts.js';

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
