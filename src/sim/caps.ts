import type { Site } from './population.js';

/**
 * Money caps (profiles `caps`, rules/cost.yaml `money-cap`) the simulated operator puts on its SME offices' accounts
 * (not the "open" ones, whose old contract has none): about twice the heaviest legitimate day, which is at most
 * R$ 11 an extension in the simulated traffic, so R$ 20 an extension rounded up to R$ 50, at least R$ 150; the
 * month at 20 such days.
 */
const PER_LINE = 20;
export interface Caps {
  readonly daily: number;
  readonly monthly: number;
}

export function officeCaps(site: Site): Caps | undefined {
  if (site.kind !== 'sme-office') return undefined;
  const daily = Math.max(150, Math.ceil((PER_LINE * site.lines.length) / 50) * 50);
  return { daily, monthly: 20 * daily };
}
