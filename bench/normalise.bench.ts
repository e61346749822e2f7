/**
 * npm run bench:normalise — normalisations per second on a realistic Brazilian PBX mix, the prefix-cache hit
 * rate, and, in the same run, uncached libphonenumber parsing of the same numbers as the baseline.
 * Last line is machine-readable. BENCH_COUNT resizes it; --quick runs 100,000 numbers.
 */
import { classifyE164 } from '../src/domain/numbering/classify.js';
import { Normaliser } from '../src/domain/numbering/normaliser.js';
import type { DialPlan } from '../src/domain/numbering/types.js';
import { dialler } from './stream.js';

// --quick (development): a fifth of the numbers
const COUNT = Number(process.env['BENCH_COUNT'] ?? (process.argv.includes('--quick') ? 100_000 : 500_000));
const plan: DialPlan = { homeCountry: 'BR', defaultDdd: '11', outsideLinePrefix: '0', internationalPrefix: '00' };

const dialled = dialler(42);

const inputs = Array.from({ length: COUNT }, dialled);
const normaliser = new Normaliser();

// warm-up (JIT), then measure
for (const d of inputs.slice(0, 20_000)) normaliser.normalise(d, plan);
const warm = normaliser.cacheStats();
let e164: string[] = [];
let failed = 0;
const t0 = process.hrtime.bigint();
for (const d of inputs) {
  const r = normaliser.normalise(d, plan);
  if (!r.ok) failed++;
  else if (r.number.e164) e164.push(r.number.e164);
}
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const stats = normaliser.cacheStats();
const hits = stats.hits - warm.hits;
const misses = stats.misses - warm.misses;

// baseline: uncached libphonenumber on a sample of the same E.164 numbers
e164 = e164.slice(0, Math.min(e164.length, 50_000));
const t1 = process.hrtime.bigint();
for (const n of e164) classifyE164(n);
const baseSeconds = Number(process.hrtime.bigint() - t1) / 1e9;

const perS = COUNT / seconds;
const uncachedPerS = e164.length / baseSeconds;
const hitRate = hits / (hits + misses);
console.error(`normalised ${COUNT} dialled numbers in ${seconds.toFixed(2)} s (${failed} unparseable), cache ${stats.size} entries`);
console.error(
  `per normalisation: ${((seconds / COUNT) * 1e6).toFixed(2)} µs; uncached libphonenumber parse+type: ${((baseSeconds / e164.length) * 1e6).toFixed(2)} µs`,
);
console.log(
  `normalise per_s=${Math.round(perS)} uncached_per_s=${Math.round(uncachedPerS)} speedup=${(perS / uncachedPerS).toFixed(2)} hit_rate=${hitRate.toFixed(3)}`,
);
