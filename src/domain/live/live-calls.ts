/**
 * Calls that are up now (issue 16, live concurrent calls): a block-check that allowed a call opens it, the call's
 * CDR closes it. A CDR exists only once its call ended, so this is the only place a 2-hour call is seen while it
 * costs money. Pure: numbers come in normalised (as the rules read them) and `now` comes in.
 *
 * Matching a CDR to its call: by SIP Call-ID when the check carried one and the CDR has it, else by caller,
 * callee and start time within `toleranceMs` of the check (the PBX's clock and the time to answer the check).
 * Bounded: a call whose CDR never comes (a lost CDR, a PBX that asked but never placed the call) is forgotten
 * after `maxAgeMs`; at most `maxOpen` calls are held (the oldest go first).
 */
export interface OpenCall {
  readonly seq: number;
  readonly tenant: string;
  readonly account: string;
  readonly caller: string;
  readonly callee: string;
  readonly callId: string | undefined;
  readonly international: boolean;
  readonly openedAt: number;
}

/** What a CDR tells about a call that ended, numbers normalised with the tenant's dial plan. */
export interface EndedCall {
  readonly tenant: string;
  readonly caller: string;
  readonly callee: string;
  readonly startedAt: number;
  readonly callId?: string | undefined;
}

export interface AccountLive {
  all: number;
  international: number;
}

export interface LiveCallsOptions {
  readonly maxAgeMs: number;
  readonly toleranceMs: number;
  readonly maxOpen?: number;
}

export class LiveCalls {
  /** Insertion order is opening order (`now` only grows on one server): the oldest call is first. */
  private readonly open = new Map<number, OpenCall>();
  private readonly byCallId = new Map<string, OpenCall>();
  private readonly byNumbers = new Map<string, OpenCall[]>();
  private readonly accounts = new Map<string, AccountLive>();
  private seq = 0;
  readonly counts = { opened: 0, closed: 0, unmatched: 0, expired: 0 };

  constructor(private readonly o: LiveCallsOptions) {}

  get size(): number {
    return this.open.size;
  }

  /** Live calls of an account (zeros when none). */
  of(tenant: string, account: string): AccountLive {
    return this.accounts.get(accountKey(tenant, account)) ?? NONE;
  }

  /** Live calls per tenant (metrics: one series per tenant, never per account). */
  perTenant(): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.open.values()) out.set(c.tenant, (out.get(c.tenant) ?? 0) + 1);
    return out;
  }

  isOpen(tenant: string, callId: string): boolean {
    return this.byCallId.has(`${tenant}\u0000${callId}`);
  }

  add(c: Omit<OpenCall, 'seq'>): void {
    this.expire(c.openedAt);
    const call: OpenCall = { ...c, seq: this.seq++ };
    this.open.set(call.seq, call);
    if (call.callId !== undefined) this.byCallId.set(`${call.tenant}\u0000${call.callId}`, call);
    const key = numbersKey(call.tenant, call.caller, call.callee);
    const list = this.byNumbers.get(key);
    if (list) list.push(call);
    else this.byNumbers.set(key, [call]);
    const key2 = accountKey(call.tenant, call.account);
    const live = this.accounts.get(key2) ?? { all: 0, international: 0 };
    live.all++;
    if (call.international) live.international++;
    this.accounts.set(key2, live);
    this.counts.opened++;
    if (this.open.size > (this.o.maxOpen ?? 1_000_000)) this.remove(this.open.values().next().value as OpenCall, 'expired');
  }

  /** A CDR arrived: closes its call; the call closed, or undefined when none matches (a call never checked). */
  close(end: EndedCall, now: number): OpenCall | undefined {
    this.expire(now);
    let call = end.callId === undefined ? undefined : this.byCallId.get(`${end.tenant}\u0000${end.callId}`);
    if (call === undefined) {
      let best = this.o.toleranceMs + 1;
      for (const c of this.byNumbers.get(numbersKey(end.tenant, end.caller, end.callee)) ?? []) {
        const off = Math.abs(c.openedAt - end.startedAt);
        if (off < best) [best, call] = [off, c];
      }
    }
    if (call === undefined) {
      this.counts.unmatched++;
      return undefined;
    }
    this.remove(call, 'closed');
    return call;
  }

  /** Forgets calls older than the bound; their CDR is taken as lost. */
  expire(now: number): void {
    for (const c of this.open.values()) {
      if (c.openedAt > now - this.o.maxAgeMs) return;
      this.remove(c, 'expired');
    }
  }

  private remove(c: OpenCall, why: 'closed' | 'expired'): void {
    this.open.delete(c.seq);
    if (c.callId !== undefined) {
      const key = `${c.tenant}\u0000${c.callId}`;
      if (this.byCallId.get(key) === c) this.byCallId.delete(key);
    }
    const key = numbersKey(c.tenant, c.caller, c.callee);
    const list = this.byNumbers.get(key);
    if (list) {
      const at = list.indexOf(c);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.byNumbers.delete(key);
    }
    const akey = accountKey(c.tenant, c.account);
    const live = this.accounts.get(akey);
    if (live) {
      live.all--;
      if (c.international) live.international--;
      if (live.all <= 0) this.accounts.delete(akey);
    }
    this.counts[why]++;
  }
}

const NONE: AccountLive = Object.freeze({ all: 0, international: 0 });
const accountKey = (tenant: string, account: string) => `${tenant}\u0000${account}`;
const numbersKey = (tenant: string, caller: string, callee: string) => `${tenant}\u0000${caller}\u0000${callee}`;
