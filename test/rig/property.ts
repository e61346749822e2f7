/**
 * Seed and run count of a property that pins its seed (a reproducible CI). `npm run test:explore` runs the core's
 * tests with `SENTINELA_PROPERTY_SEED=random` and `SENTINELA_PROPERTY_RUNS=<factor>` (10): fresh seeds and more runs,
 * the way two restart bugs a fixed seed had hidden for sessions were found (fast-check prints a failure's seed and
 * shrunk counterexample: pin it as an `examples` entry). A number in SENTINELA_PROPERTY_SEED replays that seed (with
 * the same factor: a failure found at run 1,200 needs as many runs).
 */
export function pinned(o: { readonly numRuns: number; readonly seed: number }): { numRuns: number; seed?: number } {
  const seed = process.env['SENTINELA_PROPERTY_SEED'];
  const factor = Number(process.env['SENTINELA_PROPERTY_RUNS'] ?? 1);
  const numRuns = Math.round(o.numRuns * (Number.isFinite(factor) && factor > 1 ? factor : 1)); // more runs, never fewer
  if (seed === undefined || seed === '') return { numRuns, seed: o.seed };
  if (seed === 'random') return { numRuns };
  if (!/^-?\d+$/.test(seed)) throw new Error(`SENTINELA_PROPERTY_SEED must be "random" or an integer, not ${JSON.stringify(seed)}`);
  return { numRuns, seed: Number(seed) };
}
