/**
 * Which users are known at which address (NAT-aware signalling, issue 18 item 3): a user that registered
 * successfully from an IP, or placed a call from it, is one of that site's own. A site's own phones failing
 * together (an outage, a password changed at the PBX) are told apart from a scanner by this, not by counts alone.
 */
export class KnownSites {
  /**
   * tenant → ip → its users. Nested, not keyed by `tenant NUL ip`: every outbound CDR learns its account and
   * caller here, and a key string built and hashed per call cost 4 % of the engine (bench:engine).
   */
  private readonly tenants = new Map<string, Map<string, Site>>();

  /** `horizonMs`: how long a user stays known at an address without being seen there again. */
  constructor(readonly horizonMs: number) {}

  /** The users known at `ip` (an empty site created for a new address). */
  siteOf(tenant: string, ip: string): Site {
    let sites = this.tenants.get(tenant);
    if (!sites) this.tenants.set(tenant, (sites = new Map<string, Site>()));
    let site = sites.get(ip);
    if (!site) sites.set(ip, (site = new Site()));
    return site;
  }

  learn(tenant: string, ip: string, user: string, at: number): void {
    this.siteOf(tenant, ip).learn(user, at);
  }

  /** Whether `user` is one of the site's own at `at`. */
  knows(tenant: string, ip: string, user: string | undefined, at: number): boolean {
    if (user === undefined) return false;
    const seen = this.tenants.get(tenant)?.get(ip)?.lastSeen(user);
    return seen !== undefined && at - seen <= this.horizonMs;
  }

  /** Whether some user is known at `ip` (the address is a customer's site, not just any address). */
  isSite(tenant: string, ip: string): boolean {
    return (this.tenants.get(tenant)?.get(ip)?.size ?? 0) > 0;
  }

  /** Forgets users not seen within the horizon before `at` (and addresses left with none). */
  trim(at: number): void {
    this.tenants.forEach((sites, tenant) => {
      sites.forEach((site, ip) => {
        if (site.forgetBefore(at - this.horizonMs) === 0) sites.delete(ip);
      });
      if (sites.size === 0) this.tenants.delete(tenant);
    });
  }

  /** Addresses with a known user, over all tenants. */
  get size(): number {
    let n = 0;
    this.tenants.forEach((sites) => (n += sites.size));
    return n;
  }
}

/**
 * One address's users and when each was last seen. The times are kept in a number array (unboxed doubles), not as
 * map values: a map value is a heap number, and one allocated per outbound CDR in a long-lived map was work for
 * the collector.
 */
export class Site {
  private index = new Map<string, number>();
  private times: number[] = [];

  get size(): number {
    return this.index.size;
  }

  /** `user` seen at `at` (the latest time wins: CDRs arrive out of order). */
  learn(user: string, at: number): void {
    const i = this.index.get(user);
    if (i === undefined) {
      this.index.set(user, this.times.length);
      this.times.push(at);
    } else if ((this.times[i] as number) < at) this.times[i] = at;
  }

  lastSeen(user: string): number | undefined {
    const i = this.index.get(user);
    return i === undefined ? undefined : this.times[i];
  }

  /** Forgets users last seen before `horizon`; returns how many are left. */
  forgetBefore(horizon: number): number {
    if (!this.times.some((t) => t < horizon)) return this.index.size;
    const index = new Map<string, number>();
    const times: number[] = [];
    this.index.forEach((i, user) => {
      const t = this.times[i] as number;
      if (t < horizon) return;
      index.set(user, times.length);
      times.push(t);
    });
    this.index = index;
    this.times = times;
    return index.size;
  }
}
