import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DIR, decodeOne } from './decode.js';
import { pinned } from '../../../rig/property.js';

const FORMATS = ['asterisk-security', 'asterisk-ami', 'freeswitch-security', 'kamailio-security', 'event'] as const;
/** Real and hostile lines, to mutate: a fuzzer starting from nothing rarely reaches the interesting branches. */
const SEEDS = readdirFixtures();

function readdirFixtures(): string[] {
  const files = [
    'asterisk_security_fail2ban.log',
    'asterisk_security_derived.log',
    'freeswitch_fail2ban.log',
    'freeswitch_derived.log',
    'kamailio_security_cfg_run.log',
  ];
  return files.flatMap((f) => readFileSync(`${DIR}/${f}`, 'utf8').split('\n')).filter((l) => l !== '');
}

/** A seed line cut, spliced with arbitrary text, or both. */
const mutated = fc.tuple(fc.constantFrom(...SEEDS), fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 80 })).map(([seed, a, b, noise]) => {
  const i = a % (seed.length + 1);
  const j = b % (seed.length + 1);
  return seed.slice(0, Math.min(i, j)) + noise + seed.slice(Math.max(i, j));
});

describe('security-event decoders never crash and never drop silently', () => {
  for (const format of FORMATS) {
    it(`${format}: any text or bytes give events, refusals with a code, or a counted skip`, () => {
      fc.assert(
        fc.property(fc.oneof(mutated, fc.string({ unit: 'binary', maxLength: 300 }), fc.uint8Array({ maxLength: 300 })), (input) => {
          const { results, skipped } = decodeOne(format, input);
          const text = typeof input === 'string' ? input : Buffer.from(input).toString('latin1');
          for (const r of results) {
            if (r.ok) assert.ok('event' in r && typeof r.event.srcIp === 'string');
            else assert.match(r.error.code, /^(EVENT_|CDR_)/);
          }
          // every non-blank record is accounted for: an event, an error, or a skip
          if (format !== 'event' && text.trim() !== '') assert.ok(results.length + skipped > 0);
        }),
        pinned({ numRuns: 400, seed: 18 }),
      );
    });
  }

  it('an address is only ever taken from the socket field: mutated Asterisk lines never yield an address absent from RemoteAddress', () => {
    fc.assert(
      fc.property(mutated, (line) => {
        for (const r of decodeOne('asterisk-security', line).results) {
          if (!r.ok || !('event' in r)) continue;
          const ip = r.event.srcIp;
          assert.ok(line.includes(`RemoteAddress="IPV4/`) || line.includes(`RemoteAddress="IPV6/`), line);
          assert.ok(line.includes(`/${ip}/`) || line.includes(`/[${ip}]/`) || line.includes(`/::ffff:${ip}/`), `${ip} from ${line}`);
        }
      }),
      pinned({ numRuns: 400, seed: 18 }),
    );
  });
});
