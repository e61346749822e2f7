/**
 * Which users are known at which address (NAT-aware signalling, issue 18 item 3): a user that registered
 * successfully from an IP, or placed a call from it, is one of that site's own. A site's own phones failing
 * together (an outage, a password changed at the PBX) are told apart from a scanner by this, not by counts alone.
 */
export class KnownSites {
  /** tenant NUL ip → user → last time seen (event time, epoch ms). */
  private readonly sites = new Map<string, Map<string, number>>();

  /** `horizonMs`: how long a user stays known at an address without being seen there again. */
  constructor(readonly horizonMs: number) {}

  learn(tenant: string, ip: string, user: string, at: number): void {
    const key = siteKey(tenant, ip);
    let users = this.sites.get(key);
    if (!users) this.sites.set(key, (users = new Map<string, number>()));
    if ((users.get(user) ?? -Infinity) < at) users.set(user, at);
  }

  /** Whether `user` is one of the site's own at `at`. */
  knows(tenant: string, ip: string, user: string | undefined, at: number): boolean {
    if (user === undefined) return false;
    const seen = this.sites.get(siteKey(tenant, ip))?.get(user);
    return seen !== undefined && at - seen <= this.horizonMs;
  }

  /** Whether some user is known at `ip` (the address is a customer's site, not just any address). */
  isSite(tenant: string, ip: string): boolean {
    return (this.sites.get(siteKey(tenant, ip))?.size ?? 0) > 0;
  }

  /** Forgets users not seen within the horizon before `at` (and addresses left with none). */
  trim(at: number): void {
    this.sites.forEach((users, key) => {
      users.forEach((seen, user) => {
        if (at - seen > this.horizonMs) users.delete(user);
      });
      if (users.size === 0) this.sites.delete(key);
    });
  }

  get size(): number {
    return this.sites.size;
  }
}

const siteKey = (tenant: string, ip: string) => `${tenant}\u0000${ip}`;
