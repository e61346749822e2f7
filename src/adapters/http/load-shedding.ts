import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { BlockCheckService, CheckQuery } from '../../api/block-check.js';
import { send } from './errors.js';
import { lagSampleInterval, LoopLagMonitor } from './loop-lag.js';

export interface SheddingDeps {
  readonly service: BlockCheckService;
  readonly clock: () => number;
  /** Requests are shed while the event loop lags more than this. */
  readonly maxEventLoopDelayMs: number;
}

/**
 * Load shedding on measured event-loop lag (LoopLagMonitor). A request the loop took up after lagging more than the
 * limit has already waited that long: it is answered at once instead of queueing more work. Block-checks get the
 * fail policy's answer (503), the other API routes 503 OVERLOADED. /healthz, /readyz and /metrics are never shed:
 * they cost nothing, and a shed liveness probe would restart a replica that is only busy.
 */
export function loadShedding(d: SheddingDeps) {
  const limit = d.maxEventLoopDelayMs;
  // a stall counts for as long as it lasted, at least the limit: the requests it held up are taken up after it (a
  // 1 s stall's backlog took up to 900 ms on a CPU-starved 2-core machine); at most 5 limits, so a process stopped
  // for 10 s is not followed by 10 s of fail-policy answers
  const monitor = new LoopLagMonitor(lagSampleInterval(limit), { min: limit, max: 5 * limit });
  const overloaded = (reply: FastifyReply, lag: number) =>
    send(reply.header('retry-after', '1'), 'OVERLOADED', `server overloaded: the event loop lags ${Math.round(lag)} ms (limit ${limit} ms)`);

  return {
    /** Sampling runs from the app's onReady to its onClose. */
    monitor,
    /** Management routes: shed before authentication and before a body is read. */
    admin(scope: FastifyInstance): void {
      scope.addHook('onRequest', async (_request, reply) => {
        const lag = monitor.lag();
        if (lag > limit) return overloaded(reply, lag);
      });
    },
    /**
     * Block-check: decided once the (small) body is parsed, before authentication, so a shed emergency call sent
     * by POST is still recognised and allowed under fail-closed.
     */
    pbx(scope: FastifyInstance): void {
      // callback style: no promise and microtask per check on the PBX's path
      scope.addHook('preValidation', (request, reply, done) => {
        if (monitor.lag() <= limit) return done();
        void reply
          .code(503)
          .header('retry-after', '1')
          .send(d.service.shed(looseQuery(request), d.clock()));
      });
    },
  };
}

/** Whatever fields of a block-check a shed request carries, unvalidated (only an emergency check reads them). */
export function looseQuery(request: FastifyRequest): Partial<CheckQuery> {
  const source = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | undefined;
  const q: Record<string, string> = {};
  for (const k of ['tenant', 'account', 'caller', 'callee']) {
    const v = source?.[k];
    if (typeof v === 'string') q[k] = v.slice(0, 64);
  }
  return q;
}
