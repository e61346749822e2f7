import { execFile } from 'node:child_process';
import { isIP } from 'node:net';
import { SentinelaError } from '../errors.js';

/** Where blocked addresses live: `table <family> <table>` with one set per IP version, `flags timeout`. */
export interface NftPlace {
  /** argv of the nft command: `['nft']`, `['ip', 'netns', 'exec', 'fw', 'nft']`. */
  readonly nft: readonly string[];
  readonly family: 'inet' | 'ip' | 'ip6';
  readonly table: string;
  readonly set4: string;
  readonly set6: string;
  /** When set, a chain of this name that drops the sets' addresses is created (and owned: flushed and refilled). */
  readonly chain?: string | undefined;
}

/** nft parses "300s" only up to about 10^7 s; days go further. Longer blocks are cut to 10 years. */
const MAX_TIMEOUT_S = 3650 * 86_400;

export function nftTimeout(seconds: number): string {
  const s = Math.min(MAX_TIMEOUT_S, Math.max(1, Math.ceil(seconds)));
  const days = Math.floor(s / 86_400);
  return days > 0 ? `${days}d${s % 86_400}s` : `${s}s`;
}

/**
 * What nft answers for an element that is not there (the kernel's ENOENT). A missing set, table or network namespace
 * reads differently ("Error: No such file or directory; did you mean…", "Cannot open network namespace") and fails.
 */
const ABSENT = /^Error: Could not process rule: No such file or directory/m;

/**
 * The host firewall side of `sentinela edge nft`: adds and removes addresses in nftables sets, one nft transaction
 * per change. nft runs through execFile with an argument array, never a shell; addresses are checked with isIP and
 * names by the options' pattern before they reach nft's own parser.
 */
export class NftSets {
  constructor(private readonly o: NftPlace) {}

  /** The table and both sets, and the drop chain when one is named: idempotent, so it runs at every start. */
  async ensure(): Promise<void> {
    const { family, table, set4, set6, chain } = this.o;
    const commands = [
      `add table ${family} ${table}`,
      `add set ${family} ${table} ${set4} { type ipv4_addr; flags timeout; }`,
      `add set ${family} ${table} ${set6} { type ipv6_addr; flags timeout; }`,
    ];
    if (chain !== undefined) {
      commands.push(`add chain ${family} ${table} ${chain} { ${this.hook()} }`, `flush chain ${family} ${table} ${chain}`);
      commands.push(...this.rules().map((r) => `add rule ${family} ${table} ${chain} ${r}`));
    }
    await this.run(commands);
  }

  /** The rules an operator adds to a chain of their own when no chain is named (printed by --init). */
  ruleHint(): string {
    const { family, table } = this.o;
    const chain = this.o.chain ?? 'edge';
    return [`nft add chain ${family} ${table} ${chain} '{ ${this.hook()} }'`, ...this.rules().map((r) => `nft add rule ${family} ${table} ${chain} ${r}`)].join(
      '\n',
    );
  }

  /** Adds the address for `seconds`, replacing the timeout of an element already there (add, delete, add: atomic). */
  async add(address: string, seconds: number): Promise<{ set: string; timeout: string }> {
    const set = this.setOf(address);
    const element = `${this.o.family} ${this.o.table} ${set}`;
    const timeout = nftTimeout(seconds);
    await this.run([
      `add element ${element} { ${address} }`,
      `delete element ${element} { ${address} }`,
      `add element ${element} { ${address} timeout ${timeout} }`,
    ]);
    return { set, timeout };
  }

  /** Removes the address; an element already gone (expired, never added) is success. */
  async remove(address: string): Promise<{ set: string; was: 'deleted' | 'absent' }> {
    const set = this.setOf(address);
    try {
      await this.run([`delete element ${this.o.family} ${this.o.table} ${set} { ${address} }`]);
      return { set, was: 'deleted' };
    } catch (err) {
      if (err instanceof SentinelaError && ABSENT.test(String(err.details['stderr']))) return { set, was: 'absent' };
      throw err;
    }
  }

  private setOf(address: string): string {
    const version = isIP(address);
    if (version === 0) throw new SentinelaError('REQUEST_INVALID', `not an IP address: ${JSON.stringify(address.slice(0, 64))}`);
    return version === 4 ? this.o.set4 : this.o.set6;
  }

  /** Before conntrack (priority raw): a scanner's packets are dropped before they cost a connection-tracking entry. */
  private hook(): string {
    return 'type filter hook prerouting priority -300; policy accept;';
  }

  private rules(): string[] {
    const { family, set4, set6 } = this.o;
    return [...(family === 'ip6' ? [] : [`ip saddr @${set4} counter drop`]), ...(family === 'ip' ? [] : [`ip6 saddr @${set6} counter drop`])];
  }

  /** One nft invocation: the commands joined with `;` are one transaction (all or nothing). */
  private run(commands: readonly string[]): Promise<void> {
    const [file = 'nft', ...prefix] = this.o.nft;
    const script = commands.join(' ; ');
    return new Promise((resolve, reject) => {
      execFile(file, [...prefix, script], { timeout: 10_000, maxBuffer: 1 << 20 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        const detail = String(stderr).trim() || err.message;
        reject(
          new SentinelaError('EDGE_NFT_FAILED', `${[...this.o.nft].join(' ')}: ${detail.split('\n')[0] ?? ''}`, { stderr: detail, script }, { cause: err }),
        );
      });
    });
  }
}
