import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { BlockTable } from '../domain/blocks/block-table.js';
import type { Pusher } from '../push/pusher.js';
import type { BlockCheckService } from './block-check.js';

/** The API process's Prometheus metrics, read from the services when scraped (nothing counted twice). */
export const BOOTSTRAP_SECONDS = 'sentinela_block_table_bootstrap_seconds';

export function createApiMetrics(o: { service: BlockCheckService; table: BlockTable; pusher: Pusher; clock: () => number }): Registry {
  const { service, table, pusher, clock } = o;
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry, prefix: 'sentinela_api_' });
  new Counter({
    name: 'sentinela_block_checks_total',
    help: 'block-check answers by action',
    labelNames: ['action'],
    registers,
    collect() {
      this.reset();
      for (const [action, n] of Object.entries(service.counts)) this.inc({ action }, n);
    },
  });
  new Counter({
    name: 'sentinela_block_check_retransmissions_total',
    help: 'block-checks of a call already counted (same Call-ID and numbers within 32 s): answered, not counted as attempts',
    registers,
    collect() {
      this.reset();
      this.inc(service.retransmissions);
    },
  });
  new Counter({
    name: 'sentinela_block_check_attempts_uncounted_total',
    help: 'block-checks answered but never counted by the attempt rules (their thread too far behind, or died holding them; logged)',
    registers,
    collect() {
      this.reset();
      this.inc(service.uncountedAttempts);
    },
  });
  new Gauge({
    name: 'sentinela_block_check_attempts_backlog',
    help: 'block-checks answered and not counted by the attempt rules yet (their thread behind; at 50,000 new ones go uncounted)',
    registers,
    collect() {
      this.set(service.attemptBacklog);
    },
  });
  new Counter({
    name: 'sentinela_block_check_refusals_total',
    help: 'block-checks refused by issue 16 checks: invalid-callee (no dialable number), concurrent-calls (a live-call cap), throttle (beyond its rate)',
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(service.graded.refusals)) this.inc({ reason }, n);
    },
  });
  new Gauge({
    name: 'sentinela_live_calls',
    help: `calls allowed by this replica whose CDR has not arrived, per tenant (the ${LIVE_TENANT_LABELS} busiest; the rest as tenant="other")`,
    labelNames: ['tenant'],
    registers,
    collect() {
      this.reset();
      const live = service.graded.concurrency?.live;
      if (!live) return;
      for (const [tenant, n] of topTenants(live.perTenant(), LIVE_TENANT_LABELS)) this.set({ tenant }, n);
    },
  });
  new Gauge({
    name: 'sentinela_active_blocks',
    help: "blocks in this replica's block table",
    registers,
    collect() {
      this.set(table.size);
    },
  });
  // set once by the bootstrap (main/api.ts); bench:api reports it
  new Gauge({ name: BOOTSTRAP_SECONDS, help: 'seconds the block table took to load from ClickHouse at start', registers });
  new Gauge({
    name: 'sentinela_block_table_ready',
    help: '1 when the block table is loaded and fresh',
    registers,
    collect() {
      this.set(service.status(clock()).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'sentinela_pushes',
    help: 'block pushes to the PBX side',
    labelNames: ['outcome'],
    registers,
    collect() {
      for (const [outcome, n] of Object.entries(pusher.counts)) this.set({ outcome }, n);
    },
  });
  return registry;
}

/** Tenants as metric labels: bounded, so a platform of thousands of tenants does not make thousands of series. */
const LIVE_TENANT_LABELS = 50;

function topTenants(perTenant: ReadonlyMap<string, number>, max: number): [string, number][] {
  const sorted = [...perTenant].sort((a, b) => b[1] - a[1]);
  if (sorted.length <= max) return sorted;
  const other = sorted.slice(max - 1).reduce((n, [, v]) => n + v, 0);
  return [...sorted.slice(0, max - 1), ['other', other]];
}
