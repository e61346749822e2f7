import { z } from 'zod';
import { BUCKETS } from '../../domain/usage/hour-class.js';
import type { UsageSnapshot } from '../../domain/usage/usage-snapshot.js';

/**
 * A row of `usage_profiles` (migration 005): one tenant's snapshot as JSON, versioned by the newest call end it
 * learned (`through`), so the owner that counted the tenant's latest CDRs wins over one that saves later.
 */
export function usageRow(s: UsageSnapshot): { tenant: string; body: string; event_time: number } {
  return { tenant: s.tenant, body: JSON.stringify(s), event_time: Number.isFinite(s.through) ? Math.max(0, s.through) : 0 };
}

const num = z.number();
const members = z.array(z.tuple([num, num, num]));
const levels = z.looseObject({ day: num, known: num, todayClasses: num, learned: z.array(num).max(BUCKETS), today: z.array(num).max(BUCKETS) });
const snapshotSchema = z.looseObject({
  version: z.literal(1),
  tenant: z.string(),
  // -Infinity (nothing ended yet) travels as null in JSON
  through: z
    .number()
    .nullable()
    .transform((t) => t ?? Number.NEGATIVE_INFINITY),
  ips: z.array(z.tuple([z.string(), num, num, members, members])),
  // the last element, countries first dialled within a day (flat [region, since…], novelty recentCountry), came later
  accounts: z.array(
    z.tuple([z.string(), num, num, members, z.array(z.string()), z.array(z.string()), z.array(num), z.array(z.union([z.string(), num])).optional()]),
  ),
  callers: z.array(z.tuple([z.string(), num, num, z.array(num)])),
  levels: z.array(z.tuple([z.string(), levels])),
  // added later in version 1: older rows have none
  throughIds: z.array(z.string()).default([]),
  tainted: z.array(z.tuple([z.enum(['ip', 'account', 'caller']), z.string(), num])).default([]),
  // issue 16 money caps: the MoneyBook's rows (key, day, dayClass, dayTotal, month, monthTotal, spoiledDay, 2 typical, known, lastT)
  money: z.array(z.tuple([z.string(), num, num, num, num, num, num, num, num, num, num])).default([]),
  // networks each account took up (flat [network, since…], novelty accountIp), a field of its own so that an older
  // version, which ignores unknown fields, still reads the rest
  networks: z.array(z.tuple([z.string()], num)).default([]),
});

/**
 * A stored body back to a snapshot, or the reason it cannot be one: not JSON, not the snapshot's shape (or another
 * version of it), or holding another tenant's subjects. Such a row is skipped; the CDR replay relearns what it can.
 */
export function snapshotOfRow(tenant: string, body: string): { ok: true; snapshot: UsageSnapshot } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  const parsed = snapshotSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `not a usage snapshot: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}` };
  }
  const s: UsageSnapshot = parsed.data;
  if (s.tenant !== tenant) return { ok: false, reason: `the snapshot is tenant ${JSON.stringify(s.tenant)}'s` };
  const prefix = `${tenant}\u0000`;
  const foreign =
    [...s.ips, ...s.accounts, ...s.callers].some(([key]) => !key.startsWith(prefix)) ||
    (s.tainted ?? []).some(([, key]) => !key.startsWith(prefix)) ||
    (s.money ?? []).some(([key]) => !key.startsWith(prefix)) ||
    s.levels.some(([key]) => !key.slice(key.indexOf('\u0000') + 1).startsWith(prefix));
  return foreign ? { ok: false, reason: "holds another tenant's subjects" } : { ok: true, snapshot: s };
}
