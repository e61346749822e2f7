import { parseArgs } from 'node:util';
import { Normaliser } from '../../domain/numbering/normaliser.js';
import type { DialPlan } from '../../domain/numbering/types.js';
import { usage, type Command } from '../command.js';

export const normaliseCommand: Command = {
  name: 'normalise',
  summary: 'show how dialled numbers are read (E.164, country, type, international, emergency)',
  help: `Usage: sentinela normalise [options] NUMBER...

Normalises each dialled NUMBER with the dial plan from the configuration (SENTINELA_HOME_COUNTRY,
SENTINELA_DEFAULT_DDD, SENTINELA_OUTSIDE_LINE_PREFIX, SENTINELA_INTERNATIONAL_PREFIX), overridable below, and
prints one JSON object per number. Use it to check a tenant's dial plan before turning rules on.

Options:
  --country CC        home country (ISO 3166 alpha-2)
  --ddd DD            default area code for local numbers
  --outside-line D    PBX outside-line digit(s)
  --caller            read the numbers as presented callers (no outside-line digit)
  -h, --help          show this help`,
  async run(args, ctx) {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: { country: { type: 'string' }, ddd: { type: 'string' }, 'outside-line': { type: 'string' }, caller: { type: 'boolean' } },
    });
    if (positionals.length === 0) throw usage('give at least one NUMBER');
    const d = ctx.config().dialling;
    const plan: DialPlan = {
      homeCountry: values.country ?? d.homeCountry,
      defaultDdd: values.ddd ?? d.defaultDdd,
      outsideLinePrefix: values['outside-line'] ?? d.outsideLinePrefix,
      internationalPrefix: d.internationalPrefix,
    };
    const normaliser = new Normaliser();
    let failures = 0;
    for (const dialled of positionals) {
      const result = normaliser.normalise(dialled, plan, values.caller ? 'caller' : 'callee');
      if (result.ok) ctx.stdout(JSON.stringify({ dialled, ...result.number }));
      else {
        failures++;
        ctx.stdout(JSON.stringify({ dialled, error: result.error.code, message: result.error.message }));
      }
    }
    return failures === 0 ? 0 : 1;
  },
};
