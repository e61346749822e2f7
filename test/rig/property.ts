/**
 * Seed and run count of a property that pins its seed (a reproducible CI). `npm run test:explore` runs the fast lane
 * with `SENTINELA_PROPERTY_SEED=random` and `SENTINELA_PROPERTY_RUNS=<factor>`: fresh seeds and more runs, the way
 * two restart bugs a fixed seed had hidden for sessions were found (fast-check prints a failure's seed and path; pin
 * the counterexample as an `examples` entry). A number in SENTINELA_PROPERTY_SEED replays that seed everywhere.
 */
export function pinned(o: { readonly numRuns: number; readonly seed: number }): { numRuns: number; seed?: number } {
  const seed = process.env['SENTINELA_PROPERTY_SEED'];
  const factor = Number(process.env['SENTINELA_PROPERTY_RUNS'] ?? 1);
  const numRuns = Math.round(o.numRuns * (Number.isFinite(factor) && factor > 1 ? factor : 1)); // more runs, never fewer
  if (seed === undefined || seed === '') return { numRuns, seed: o.seed };
  return seed === 'random' ? { numRuns } : { numRuns, seed: Number(seed) };
}
