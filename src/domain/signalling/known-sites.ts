/**
 * Which users are known at which address (NAT-aware signalling, issue 18 item 3): a user that registered
 * successfully from an IP, or placed a call from it, is one of that site's own. A site's own phones failing
 * together (an outage, a password changed at the PBX) are told apart from a scanner by this, not by counts alone.
 */
export class KnownSites {
  /**
   * tenant → ip → user → last time seen (event time, epoch ms). Nested, not keyed by `tenant NUL ip`: every
   * outbound CDR learns its account and caller here, and a key string built and hashed per call cost 4 % of the
   * engine (bench:engine).
   */
  private readonly tenants = new Map<string, Map<string, Map<string, number>>>();

  /** `horizonMs`: how long a user stays known at an address without being seen there again. */
  constructor(readonly horizonMs: number) {}

  /** The users known at `ip` (an empty map created for a new address). */
  usersAt(tenant: string, ip: string): Map<string, number> {
    let sites = this.tenants.get(tenant);
    if (!sites) this.tenants.set(tenant, (sites = new Map<string, Map<string, number>>()));
    let users = sites.get(ip);
    if (!users) sites.set(ip, (users = new Map<string, number>()));
    return users;
  }

  learn(tenant: string, ip: string, user: string, at: number): void {
    learnAt(this.usersAt(tenant, ip), user, at);
  }

  /** Whether `user` is one of the site's own at `at`. */
  knows(tenant: string, ip: string, user: string | undefined, at: number): boolean {
    if (user === undefined) return false;
    const seen = this.tenants.get(tenant)?.get(ip)?.get(user);
    return seen !== undefined && at - seen <= this.horizonMs;
  }

  /** Whether some user is known at `ip` (the address is a customer's site, not just any address). */
  isSite(tenant: string, ip: string): boolean {
    return (this.tenants.get(tenant)?.get(ip)?.size ?? 0) > 0;
  }

  /** Forgets users not seen within the horizon before `at` (and addresses left with none). */
  trim(at: number): void {
    this.tenants.forEach((sites, tenant) => {
      sites.forEach((users, ip) => {
        users.forEach((seen, user) => {
          if (at - seen > this.horizonMs) users.delete(user);
        });
        if (users.size === 0) sites.delete(ip);
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

/** Records `user` seen at `at` among a site's `users` (the latest time wins: CDRs arrive out of order). */
export function learnAt(users: Map<string, number>, user: string, at: number): void {
  if ((users.get(user) ?? -Infinity) < at) users.set(user, at);
}
