/**
 * The simulated operator market in one object: who calls, how much, when. `--scale` multiplies the counts of
 * sites (never below `minCounts`, so a tiny run still has every kind the fraud episodes need).
 */
export type SiteKind = 'sme-office' | 'intl-office' | 'call-centre' | 'sip-trunk' | 'sales-team';
/** Populations of legitimate subjects; `carrier-inbound` is the carriers' SBC addresses and the outside callers they bring. */
export type PopulationKind = SiteKind | 'carrier-inbound';
export const SITE_KINDS: readonly SiteKind[] = ['sme-office', 'intl-office', 'call-centre', 'sip-trunk', 'sales-team'];
export const POPULATION_KINDS: readonly PopulationKind[] = [...SITE_KINDS, 'carrier-inbound'];

export interface TenantSpec {
  readonly name: string;
  /** Home area code of the operator; most of its customers sit there. */
  readonly ddd: string;
  readonly nearby: readonly string[];
  /** Share of the sites. */
  readonly weight: number;
}

export const SIM_CONFIG = {
  timeZone: 'America/Sao_Paulo',
  /** A Thursday: 7 days cover a weekend and Tiradentes (Tuesday 2026-04-21). */
  startDate: '2026-04-16',
  tenants: [
    { name: 'vozmais', ddd: '11', nearby: ['19', '13', '12'], weight: 0.45 },
    { name: 'nordeste-voip', ddd: '81', nearby: ['83', '84', '82'], weight: 0.3 },
    { name: 'pampa-tel', ddd: '51', nearby: ['54', '53', '55'], weight: 0.25 },
  ] satisfies TenantSpec[],
  counts: { 'sme-office': 32, 'intl-office': 6, 'call-centre': 2, 'sip-trunk': 4, 'sales-team': 3 } satisfies Record<SiteKind, number>,
  /** intl-office alternates quota and allow-list profiles; the episodes need two of one and three of the other. */
  minCounts: { 'sme-office': 4, 'intl-office': 5, 'call-centre': 1, 'sip-trunk': 1, 'sales-team': 1 } satisfies Record<SiteKind, number>,
  /** Carrier SBC addresses per tenant, each delivering inbound calls to several companies. */
  sbcsPerTenant: 2,
  office: {
    extensions: [5, 60],
    callsPerHour: 3,
    unanswered: [0.35, 0.45],
    internalShare: 0.08,
    mobileShare: 0.5,
    tollFreeShare: 0.02,
    emergencyShare: 0.0003,
    /** After a busy or unanswered call, the same number is tried again 1-3 times within a minute. */
    redial: 0.35,
    saturdayShare: 0.3,
    onCallShare: 0.25,
    /** Answered call length: median seconds, log-space sigma. */
    duration: [95, 1.0],
  },
  intl: {
    extensions: [10, 45],
    /** Every n-th business day of a quota account ends at 80-95 % of the quota (warn, never block). */
    highDayEvery: 3,
    allowDailyCalls: [6, 18],
    duration: [300, 0.7],
    /** Nights on which an allow-list account's on-call person makes 1-3 legitimate international calls. */
    onCallIntlNights: 0.3,
  },
  callCentre: { agents: [30, 120], callsPerHour: [20, 60], unanswered: [0.55, 0.7], duration: [70, 0.8] },
  trunk: { dids: [50, 300], peakPerHour: [40, 180], unanswered: 0.3, duration: [120, 1.0] },
  sales: { agents: [4, 10], answered: 0.6, duration: [170, 0.6] },
  inbound: { perExtensionPerHour: 0.7, answered: 0.8, duration: [120, 1.0] },
  /** Site exporters that go down and flush their queue late, per 7 days. */
  outagesPerWeek: 1,
} as const;

export type SimConfig = typeof SIM_CONFIG;

export function scaledCount(kind: SiteKind, scale: number): number {
  return Math.max(SIM_CONFIG.minCounts[kind], Math.round(SIM_CONFIG.counts[kind] * scale));
}
