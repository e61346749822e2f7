import { parseArgs } from 'node:util';
import { SentinelaError } from '../../errors.js';
import type { Command } from '../command.js';
import { withSecurity } from '../security-context.js';

export const auditCommand: Command = {
  name: 'audit',
  summary: 'verify the tamper-evident audit trail (exit 1 and an alarm when a record was altered or removed)',
  help: `Usage: sentinela audit verify

Checks every audit chain in audit_log against its keyed anchor (A5): a modified, inserted or deleted record is
reported with its chain and position, an alarm is sent (SENTINELA_ALARM_WEBHOOK_URL) and the command exits 1.
Needs the same audit key as the servers (SENTINELA_AUDIT_KEY or SENTINELA_DATA_DIR/audit.key).
The verification itself is audited (EV09).

Options:
  -h, --help  show this help`,
  async run(args, ctx) {
    const [action, ...rest] = args;
    parseArgs({ args: rest, strict: true, options: {} });
    if (action !== 'verify') throw new SentinelaError('CLI_USAGE', 'expected verify');
    return withSecurity(ctx, { name: 'audit', args }, async (sec, by) => {
      const result = await sec.audit.verify();
      for (const c of result.chains) {
        ctx.stdout(
          c.ok
            ? `ok      ${c.chain}: ${c.checked} records (${c.firstSeq ?? '-'}..${c.lastSeq ?? '-'})`
            : `BROKEN  ${c.chain} at ${c.problem?.seq}: ${c.problem?.message}`,
        );
      }
      await sec.audit.record({
        type: 'audit.verify',
        actor: by.actor,
        ip: by.ip,
        result: result.ok ? 'success' : 'failure',
        details: { chains: result.chains.length, ok: result.ok },
      });
      ctx.stdout(result.ok ? `audit trail intact: ${result.chains.length} chains verified` : 'AUDIT TRAIL TAMPERED: see the broken chains above');
      await sec.alarms.drain();
      return result.ok ? 0 : 1;
    });
  },
};
