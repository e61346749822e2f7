/**
 * What a block-check answered, as the NOC counts it (issue 17): the action on a live table, the fail policy's answer
 * while the table is degraded (loading, stale feed), or `shed` for a request answered unevaluated under overload.
 */
export type Decision = 'allow' | 'block' | 'throttle' | 'fail-open' | 'fail-closed' | 'shed';

/** One tenant's answers in one minute (epoch ms of the minute's start): a row of `decisions_minute`. */
export interface DecisionTally {
  readonly minute: number;
  readonly tenant: string;
  readonly allow: number;
  readonly block: number;
  readonly throttle: number;
  readonly failOpen: number;
  readonly failClosed: number;
  readonly shed: number;
  /** The take that produced it (writer, sequence): equal tallies of two replicas or two takes are distinct writes. */
  readonly take: string;
}

const FIELD = { allow: 'allow', block: 'block', throttle: 'throttle', 'fail-open': 'failOpen', 'fail-closed': 'failClosed', shed: 'shed' } as const;
const MINUTE = 60_000;
/** Tenants counted apart per minute; the rest are counted under OTHER_TENANT (a bound on the rows of a minute). */
export const MAX_TENANTS_PER_MINUTE = 1_000;
export const OTHER_TENANT = '(other)';
/**
 * Where shed answers are counted. A request is shed before it is authenticated: the tenant it names is unverified,
 * and counted under it a flood of made-up names took the minute's tenant rows, real tenants' answers falling into
 * OTHER_TENANT, and showed sheds in a tenant's chart that it never sent. The all-tenants charts show them.
 */
export const SHED_TENANT = '(shed)';

/** The decision an answer counts as: its policy when degraded, else its action. */
export function decisionOf(answer: { readonly action: 'allow' | 'block' | 'throttle'; readonly policy: string }): Decision {
  if (answer.policy === 'fail-open') return 'fail-open';
  if (answer.policy === 'fail-closed') return 'fail-closed';
  return answer.action;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Block-check answers per tenant and minute, in memory: counting is a map lookup on the request path, and the
 * API writes the finished minutes in one insert (a summing table adds up what several replicas, or several
 * writes of one minute, sent). No IO and no clock: `now` comes in.
 */
export class DecisionCounts {
  private readonly minutes = new Map<number, Map<string, Mutable<DecisionTally>>>();
  private takes = 0;

  /** `writer`: unique to this counter (a process id and start, say). */
  constructor(private readonly writer: string) {}

  add(tenant: string, decision: Decision, now: number): void {
    const minute = now - (now % MINUTE);
    let tenants = this.minutes.get(minute);
    if (!tenants) this.minutes.set(minute, (tenants = new Map<string, Mutable<DecisionTally>>()));
    let tally = tenants.get(tenant);
    if (!tally) {
      const key = tenants.size < MAX_TENANTS_PER_MINUTE ? tenant : OTHER_TENANT;
      tally = tenants.get(key);
      if (!tally) tenants.set(key, (tally = { minute, tenant: key, allow: 0, block: 0, throttle: 0, failOpen: 0, failClosed: 0, shed: 0, take: '' }));
    }
    tally[FIELD[decision]]++;
  }

  /** Takes the tallies of the minutes that ended before `now`; with no `now`, every tally (shutdown). */
  take(now?: number): DecisionTally[] {
    const taken: DecisionTally[] = [];
    const take = `${this.writer}:${this.takes++}`;
    for (const [minute, tenants] of this.minutes) {
      if (now !== undefined && minute + MINUTE > now) continue;
      for (const tally of tenants.values()) taken.push({ ...tally, take });
      this.minutes.delete(minute);
    }
    return taken;
  }
}
