import type { Engine } from '../domain/engine/engine.js';
import type { CdrStore } from './ports.js';

/**
 * A fresh engine holding the rule state of the partitions in `assignment` (README "State that survives restarts"):
 * the learned usage profiles of every tenant first (G3: learning is a max, so replaying CDRs a profile already
 * learned changes nothing), then recent alerts and rule blocks (repeats stay quiet, escalation continues) and the users known at each
 * address (signalling rules), then
 * the counted CDRs of those partitions within the state horizon, replayed in call-end order (the order exporters
 * deliver CDRs in, so rebuilt windows and learned usage are those of the original run), deciding nothing (their
 * verdicts were stored before they were, and are the alerts and blocks just restored).
 */
export async function rebuildEngine(
  store: CdrStore,
  newEngine: () => Engine,
  assignment: Readonly<Record<string, readonly number[]>>,
  now: number,
): Promise<{ engine: Engine; replayed: number; profiles: number }> {
  const engine = newEngine();
  const profiles = await store.loadUsage();
  engine.restoreUsage(profiles);
  // alerts oldest first, then blocks: a later decision replaces an earlier one, as when they were taken
  for (const alert of await store.recentAlerts(now - engine.alertHorizonMs)) engine.restoreAlert(alert);
  await store.recentBlocks(now - engine.blockHorizonMs, (block) => engine.restoreBlock(block));
  if (engine.signalling.ruleCount > 0)
    for (const k of await store.knownUsers(now - engine.signalling.known.horizonMs)) engine.signalling.known.learn(k.tenant, k.ip, k.user, k.at);
  let replayed = 0;
  for (const [topic, partitions] of Object.entries(assignment)) {
    for await (const cdr of store.recentCdrs(topic, partitions, now - engine.stateHorizonMs)) {
      engine.process(cdr, now, true);
      replayed++;
    }
  }
  return { engine, replayed, profiles: profiles.length };
}
