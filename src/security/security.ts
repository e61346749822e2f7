import type { Logger } from 'pino';
import { Accounts } from './accounts.js';
import { Alarms, webhookChannel, type AlarmChannel } from './alarms.js';
import { ApiKeyBook } from './api-keys.js';
import { AuditTrail } from './audit-trail.js';
import { AccessGuard } from './guard.js';
import type { SecurityStore } from './ports.js';
import { SessionBook } from './sessions.js';

export interface SecurityConfig {
  readonly auditKey: Buffer;
  /** This writer's audit chain, e.g. `api:host-1` or `cli:host-1`. */
  readonly chain: string;
  readonly auditQuota: number;
  readonly alarmWebhook?: { readonly url: string; readonly secret: string } | undefined;
  /** Incremental audit verification every `everyMs`; each chain in full every `fullEveryMs` (defaults 1 min, 1 day). */
  readonly auditVerify?: { readonly everyMs: number; readonly fullEveryMs: number } | undefined;
}

/** The security services of one process, wired to one store and clock. */
export function composeSecurity(o: { store: SecurityStore; config: SecurityConfig; clock: () => number; log: Logger; channels?: readonly AlarmChannel[] }) {
  const { store, clock, log } = o;
  const alarms = new Alarms({ channels: o.channels ?? (o.config.alarmWebhook ? [webhookChannel(o.config.alarmWebhook)] : []), log, clock });
  const verify = o.config.auditVerify ?? { everyMs: 60_000, fullEveryMs: 86_400_000 };
  const audit = new AuditTrail({
    store,
    key: o.config.auditKey,
    chain: o.config.chain,
    clock,
    log,
    alarms,
    quota: o.config.auditQuota,
    fullVerifyEveryMs: verify.fullEveryMs,
  });
  const sessions = new SessionBook(store);
  const accounts = new Accounts({ store, audit, sessions, clock, log, alarms });
  const apiKeys = new ApiKeyBook({ store, audit, clock });
  const guard = new AccessGuard({ store, audit, sessions, alarms, clock });
  const timers: NodeJS.Timeout[] = [];
  return {
    store,
    alarms,
    audit,
    sessions,
    accounts,
    apiKeys,
    guard,
    /** Loads switches and keys, then keeps keys fresh (revocations from other replicas) and checks the chains and quota. */
    async start(): Promise<void> {
      await audit.loadSwitches();
      await apiKeys.refresh();
      const every = (ms: number, job: () => Promise<unknown>, what: string) => {
        const t = setInterval(() => void job().catch((err: unknown) => log.error({ err }, what)), ms);
        t.unref();
        timers.push(t);
      };
      every(10_000, () => apiKeys.refresh(), 'API key refresh failed');
      every(10_000, () => audit.loadSwitches(), 'audit switch refresh failed');
      every(60_000, async () => sessions.sweep(clock()), 'session cache sweep failed');
      every(verify.everyMs, () => audit.verify('incremental'), 'audit verification failed');
      void audit.verify('incremental').catch((err: unknown) => log.error({ err }, 'audit verification failed'));
      every(60_000, () => audit.enforceQuota(), 'audit quota check failed');
    },
    stop(): void {
      for (const t of timers) clearInterval(t);
    },
  };
}

export type Security = ReturnType<typeof composeSecurity>;
