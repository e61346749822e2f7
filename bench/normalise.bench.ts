/**
 * npm run bench:normalise — normalisations per second on a realistic Brazilian PBX mix, the prefix-cache hit
 * rate, and, in the same run, uncached libphonenumber parsing of the same numbers as the baseline.
 * Last line is machine-readable.
 */
import { classifyE164 } from '../src/domain/numbering/classify.js';
import { Normaliser } from '../src/domain/numbering/normaliser.js';
import type { DialPlan } from '../src/domain/numbering/types.js';

const COUNT = Number(process.env['BENCH_COUNT'] ?? 500_000);
const plan: DialPlan = { homeCountry: 'BR', defaultDdd: '11', outsideLinePrefix: '0', internationalPrefix: '00' };

// Seeded PRNG (mulberry32) so every run measures the same mix.
let seed = 42;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
};
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const digits = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 10)).join('');
const DDDS = ['11', '11', '11', '21', '21', '31', '41', '51', '61', '71', '81', '85', '19', '27', '48'];
const CSPS = ['15', '21', '41', '31', '12'];
const FOREIGN = ['1201555', '44207946', '351912', '5491123', '2917', '8823', '34612', '4915'];

/** Shares: local 35 %, DDD+number 25 %, 0+CSP national 20 %, 0800/4004 5 %, international 8 %, extensions 5 %, emergency 2 %. */
function dialled(): string {
  const r = rand();
  const subscriber = () => (rand() < 0.6 ? `9${digits(8)}` : `${pick(['2', '3', '4'])}${digits(7)}`);
  if (r < 0.35) return `0${subscriber()}`;
  if (r < 0.6) return `0${pick(DDDS)}${subscriber()}`;
  if (r < 0.8) return `00${pick(CSPS)}${pick(DDDS)}${subscriber()}`;
  if (r < 0.85) return rand() < 0.5 ? `00800${digits(7)}` : `04004${digits(4)}`;
  if (r < 0.93) return `000${pick(CSPS)}${pick(FOREIGN)}${digits(5)}`;
  if (r < 0.98) return `${2000 + Math.floor(rand() * 500)}`;
  return `0${pick(['190', '192', '193'])}`;
}

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
console.error(`per normalisation: ${((seconds / COUNT) * 1e6).toFixed(2)} µs; uncached libphonenumber parse+type: ${((baseSeconds / e164.length) * 1e6).toFixed(2)} µs`);
console.log(
  `normalise per_s=${Math.round(perS)} uncached_per_s=${Math.round(uncachedPerS)} speedup=${(perS / uncachedPerS).toFixed(2)} hit_rate=${hitRate.toFixed(3)}`,
);
