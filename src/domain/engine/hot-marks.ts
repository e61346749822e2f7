import type { CompiledRule } from '../rules/compile.js';
import { iso } from '../time/iso.js';
import type { RestoredAlert } from './episodes.js';
import type { HotRanges } from './hot-ranges.js';
import type { Verdict } from './verdicts.js';

/**
 * A rule with `hotRange` that alerted on a destination range makes that range hot for the tenant (an IRSF test
 * call, a Wangiri range): from the alert's time for the rule's `hotRange.for`. Restored alerts mark again, so a
 * restart does not forget a test call seen an hour before.
 */
export function markHotRanges(rules: readonly CompiledRule[], verdicts: readonly (Verdict | RestoredAlert)[], hot: HotRanges): void {
  for (const v of verdicts) {
    if (('kind' in v && v.kind !== 'alert') || v.subject.kind !== 'destPrefix') continue;
    const rule = rules.find((r) => r.id === v.rule);
    if (rule?.hotRangeMs === undefined) continue;
    hot.add({ tenant: v.tenant, prefix: v.subject.value, rule: rule.id, source: `${rule.id} alert at ${iso(v.at)}`, expiresAt: v.at + rule.hotRangeMs });
  }
}
