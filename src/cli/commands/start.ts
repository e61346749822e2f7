import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { SentinelaError } from '../../errors.js';
import { ROLES, startRole, type Role } from '../../main/roles.js';
import type { Command } from '../command.js';

export const startCommand: Command = {
  name: 'start',
  summary: 'run Sentinela: the stream processor, the PBX-facing API, or both (embedded mode without Kafka)',
  help: `Usage: sentinela start [--role processor|api|all]

  processor  joins KAFKA_GROUP_ID on KAFKA_CDR_TOPICS, evaluates the rules and persists CDRs, alerts and blocks
             to ClickHouse, publishing blocks and alerts to KAFKA_BLOCKS_TOPIC / KAFKA_ALERTS_TOPIC and refused
             records to KAFKA_DLQ_TOPIC; offsets are committed only after a batch is persisted.
  api        block-check for PBXes (GET/POST /v1/block-check) answered from memory, the admin API and /docs;
             bootstraps active blocks from ClickHouse, then follows KAFKA_BLOCKS_TOPIC.
  all        both; the pipeline runs in a child process so it never holds the block-check event loop.
             The default. Without KAFKA_BROKERS this is the embedded mode: chDB under SENTINELA_DATA_DIR, CDRs
             taken from POST /v1/cdrs (and \`sentinela replay --to http://…\`).

Serves /metrics, /healthz and /readyz on SENTINELA_HOST:SENTINELA_PORT. Logs are pino JSON (stdout; the
pipeline child logs to stderr). SIGTERM or SIGINT: in-flight work is persisted, then the process exits.
A change in SENTINELA_RULES_DIR, or SIGHUP, reloads the rules; an invalid edit is refused and the rules in
force stay (README "Hot reload").

Options:
  --role ROLE   processor, api or all (default all)
  -h, --help    show this help`,
  async run(args, ctx) {
    const { values } = parseArgs({ args: [...args], options: { role: { type: 'string', default: 'all' } }, strict: true });
    const role = values.role as Role;
    if (!(ROLES as readonly string[]).includes(role)) throw new SentinelaError('CLI_USAGE', `--role ${values.role}: expected one of ${ROLES.join(', ')}`);
    const config = ctx.config();
    if (!config.kafka && role !== 'all') {
      throw new SentinelaError(
        'CONFIG_INVALID',
        `KAFKA_BROKERS: required by --role ${role} (host:port list); without it only the embedded mode (--role all) runs`,
        { path: 'KAFKA_BROKERS' },
      );
    }
    const { log, stop } = await startRole(role, config);
    const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
    log.info({ signal }, 'shutting down');
    await stop();
    return 0;
  },
};
