import { SIM_CONFIG, SITE_KINDS, scaledCount, type PopulationKind, type SiteKind, type TenantSpec } from './config.js';
import { fixedNumber, mobileNumber, TRADE_COUNTRIES, type DialStyle } from './numbering.js';
import type { Rng } from './prng.js';

/** One caller of a site: an extension with its own DID, a call-centre agent, or a trunk DID. */
export interface Line {
  /** E.164 DID, the CDR caller (the engine's caller subject is the same string). */
  readonly did: string;
  /** Internal extension number. */
  readonly ext: string;
  /** Relative activity (1 = the site's average). */
  readonly activity: number;
}

export interface IntlProfile {
  readonly policy: 'allow' | 'quota';
  readonly countries: readonly string[];
  readonly quota?: { readonly minutes?: number; readonly cost?: number };
  /** Extensions that make the international calls. */
  readonly users: readonly Line[];
}

/** A customer site: one account behind one public IP (an office's NAT, a call centre, a PBX on a SIP trunk). */
export interface Site {
  readonly kind: SiteKind;
  readonly tenant: string;
  readonly account: string;
  readonly ip: string;
  readonly ddd: string;
  readonly dialStyle: DialStyle;
  readonly lines: readonly Line[];
  /** Share of unanswered calls. */
  readonly unanswered: number;
  readonly openSaturday: boolean;
  /** Calls per hour at peak (trunks) or per line (others). */
  readonly rate: number;
  readonly onCall?: Line;
  readonly intl?: IntlProfile;
  /** The carrier SBCs delivering its inbound calls, the first one most. */
  readonly sbcs: readonly string[];
}

export interface Tenant {
  readonly spec: TenantSpec;
  readonly sbcs: readonly string[];
  /** Outside numbers that call the tenant's customers. */
  readonly externalCallers: readonly string[];
}

export interface Population {
  readonly tenants: readonly Tenant[];
  readonly sites: readonly Site[];
  readonly counts: Readonly<Record<PopulationKind, number>>;
}

const BR_ISP_OCTETS = [177, 179, 186, 187, 189, 191, 200, 201];
/** Hosting ranges abroad, disjoint from the Brazilian ones: where attackers' SIP clients run. */
const FOREIGN_OCTETS = [5, 37, 45, 62, 80, 91, 185, 193, 194, 212];

/** Hands out unique addresses and DID blocks for one simulation. */
export class Allocator {
  private readonly ips = new Set<string>();
  private readonly blocks = new Set<string>();
  constructor(private readonly rng: Rng) {}

  ip(foreign = false): string {
    for (;;) {
      const ip = `${this.rng.pick(foreign ? FOREIGN_OCTETS : BR_ISP_OCTETS)}.${this.rng.int(0, 255)}.${this.rng.int(0, 255)}.${this.rng.int(1, 254)}`;
      if (!this.ips.has(ip)) {
        this.ips.add(ip);
        return ip;
      }
    }
  }

  /** `n` consecutive DIDs of one block: fixed numbers (first digit 2-5) of the DDD. */
  dids(ddd: string, n: number): string[] {
    for (;;) {
      const base = `${ddd}${this.rng.int(2, 5)}${this.rng.digits(3)}`;
      if (this.blocks.has(base)) continue;
      this.blocks.add(base);
      const first = this.rng.int(0, 9999 - n);
      return Array.from({ length: n }, (_, i) => `+55${base}${String(first + i).padStart(4, '0')}`);
    }
  }
}

const ACCOUNT_WORDS = [
  'escritorio',
  'clinica',
  'advocacia',
  'contabil',
  'imobiliaria',
  'engenharia',
  'odonto',
  'logistica',
  'escola',
  'farma',
  'studio',
  'agro',
];

export function buildPopulation(rng: Rng, scale: number, alloc: Allocator): Population {
  const c = SIM_CONFIG;
  // below scale 1 the big sites shrink too, so a small run stays small
  const shrink = Math.min(1, scale);
  const tenants: Tenant[] = c.tenants.map((spec) => ({
    spec,
    sbcs: Array.from({ length: c.sbcsPerTenant }, () => alloc.ip()),
    externalCallers: [],
  }));
  const sites: Site[] = [];
  const names = new Map<string, number>();
  const accountName = (prefix: string) => {
    const n = (names.get(prefix) ?? 0) + 1;
    names.set(prefix, n);
    return `${prefix}-${String(n).padStart(2, '0')}`;
  };
  const counts = Object.fromEntries(SITE_KINDS.map((k) => [k, scaledCount(k, scale)])) as Record<SiteKind, number>;
  for (const kind of SITE_KINDS) {
    for (let i = 0; i < counts[kind]; i++) {
      // round-robin over tenants by weight keeps every tenant with a bit of everything
      const tenant = i < tenants.length ? (tenants[i] as Tenant) : rng.weighted(tenants.map((t) => [t, t.spec.weight] as const));
      const ddd = rng.chance(0.75) ? tenant.spec.ddd : rng.pick(tenant.spec.nearby);
      const lineCount =
        kind === 'call-centre'
          ? Math.max(6, Math.round(rng.int(c.callCentre.agents[0], c.callCentre.agents[1]) * shrink))
          : kind === 'sip-trunk'
            ? Math.max(10, Math.round(rng.int(c.trunk.dids[0], c.trunk.dids[1]) * shrink))
            : kind === 'sales-team'
              ? rng.int(c.sales.agents[0], c.sales.agents[1])
              : kind === 'intl-office'
                ? rng.logUniformInt(c.intl.extensions[0], c.intl.extensions[1])
                : rng.logUniformInt(c.office.extensions[0], c.office.extensions[1]);
      const lines = alloc.dids(ddd, lineCount).map((did, n) => ({ did, ext: String(2000 + n), activity: Math.min(4, Math.max(0.1, rng.logNormal(1, 0.6))) }));
      const word = kind === 'call-centre' ? 'callcenter' : kind === 'sip-trunk' ? 'pbx' : kind === 'sales-team' ? 'vendas' : rng.pick(ACCOUNT_WORDS);
      const office = kind === 'sme-office' || kind === 'intl-office';
      const site: Site = {
        kind,
        tenant: tenant.spec.name,
        account: accountName(word),
        ip: alloc.ip(),
        ddd,
        dialStyle:
          kind === 'sip-trunk'
            ? 'e164'
            : rng.weighted<DialStyle>([
                ['e164', office ? 0.3 : 0.5],
                ['national', 0.5],
                ['outside-line', office ? 0.2 : 0],
              ]),
        lines,
        unanswered:
          kind === 'call-centre'
            ? rng.between(c.callCentre.unanswered[0], c.callCentre.unanswered[1])
            : kind === 'sip-trunk'
              ? c.trunk.unanswered
              : rng.between(c.office.unanswered[0], c.office.unanswered[1]),
        openSaturday: kind === 'call-centre' || (office && rng.chance(c.office.saturdayShare)),
        rate:
          kind === 'call-centre' ? 0 : kind === 'sip-trunk' ? rng.between(c.trunk.peakPerHour[0], c.trunk.peakPerHour[1]) * shrink + 10 : c.office.callsPerHour,
        ...(office && rng.chance(c.office.onCallShare) ? { onCall: rng.pick(lines) } : {}),
        ...(kind === 'intl-office' ? { intl: intlProfile(rng, i, lines) } : {}),
        sbcs: rng.chance(0.5) ? tenant.sbcs : [...tenant.sbcs].reverse(),
      };
      sites.push(site);
    }
  }
  const withCallers = tenants.map((t) => {
    const size = 200 + 25 * sites.filter((s) => s.tenant === t.spec.name).length;
    const pool = new Set<string>();
    while (pool.size < size) {
      const ddd = rng.chance(0.7) ? t.spec.ddd : rng.pick([...t.spec.nearby, '11', '21', '31']);
      pool.add((rng.chance(0.6) ? mobileNumber(rng, ddd) : fixedNumber(rng, ddd)).e164 as string);
    }
    return { ...t, externalCallers: [...pool] };
  });
  return { tenants: withCallers, sites, counts: { ...counts, 'carrier-inbound': tenants.length * c.sbcsPerTenant } };
}

function intlProfile(rng: Rng, index: number, lines: readonly Line[]): IntlProfile {
  const countries = rng.sample(TRADE_COUNTRIES, rng.int(2, 4)).sort();
  const users = rng.sample(lines, Math.min(lines.length, rng.int(2, 4)));
  if (index % 2 === 1 || index === 4) return { policy: 'allow', countries, users };
  const variant = rng.pick(['minutes', 'cost', 'both'] as const);
  const minutes = rng.int(6, 24) * 10;
  const cost = rng.int(8, 40) * 10;
  return {
    policy: 'quota',
    countries,
    quota: variant === 'minutes' ? { minutes } : variant === 'cost' ? { cost } : { minutes, cost },
    users,
  };
}
