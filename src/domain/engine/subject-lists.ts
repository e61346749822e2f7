import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { ListsSpec } from '../rules/profile-spec.js';

/** An allow or deny list of callers, accounts, IPs (addresses or CIDR) and destination prefixes (G4). */
export class SubjectList {
  private readonly callers: readonly string[];
  private readonly accounts: ReadonlySet<string>;
  private readonly ips = new BlockList();
  private readonly destinations: readonly string[];
  readonly empty: boolean;

  constructor(spec: ListsSpec | undefined) {
    this.callers = spec?.callers ?? [];
    this.accounts = new Set(spec?.accounts ?? []);
    this.destinations = spec?.destinations ?? [];
    for (const entry of spec?.ips ?? []) {
      const [address = '', bits] = entry.split('/');
      const type = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : null;
      if (!type) throw new Error(`"${entry}" is not an IP address or CIDR`);
      if (bits === undefined) this.ips.addAddress(address, type);
      else this.ips.addSubnet(address, Number(bits), type);
    }
    this.empty = this.callers.length + this.accounts.size + this.destinations.length + (spec?.ips.length ?? 0) === 0;
  }

  /** The listed caller prefix matching `caller` (E.164), if any. */
  caller(caller: string | null): string | undefined {
    return caller === null ? undefined : this.callers.find((p) => caller.startsWith(p));
  }
  account(account: string): boolean {
    return this.accounts.has(account);
  }
  ip(ip: string | undefined): boolean {
    if (ip === undefined) return false;
    return this.ips.check(ip, isIPv4(ip) ? 'ipv4' : 'ipv6');
  }
  destination(e164: string | null): string | undefined {
    return e164 === null ? undefined : this.destinations.find((p) => e164.startsWith(p));
  }
}
