import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ALERT_STATUSES, type ApiStore, type StoredAlert } from '../../../api/ports.js';
import { maskNumber, maskSubject } from '../../../domain/security/masking.js';
import { SentinelaError } from '../../../errors.js';
import { errorBody, page, paging, reasonText } from '../schemas.js';
import type { AuditTrail } from '../../../security/audit-trail.js';
import { actorOf, scopeOf } from '../auth.js';
import type { Visible } from './blocks.js';
import { iso } from '../../../domain/time/iso.js';
import type { Hotlists } from '../../../lists/hotlists.js';
import { eventJson, eventView } from './event-view.js';

const alertView = z.object({
  id: z.string(),
  tenant: z.string(),
  rule: z.string(),
  severity: z.enum(['warn', 'critical']),
  subject: z.string(),
  at: z.string(),
  evidence: z.array(z.string()).describe('CDR ids, or security-event ids for a signalling rule (issue 18)'),
  details: z.record(z.string(), z.unknown()),
  suppressed: z.number(),
  status: z.enum(ALERT_STATUSES),
  statusBy: z.string(),
  statusAt: z.string().nullable(),
});
const evidenceCdr = z.object({
  id: z.string(),
  account: z.string(),
  caller: z.string(),
  callee: z.string(),
  calleeE164: z.string(),
  srcIp: z.string(),
  startedAt: z.string(),
  billSec: z.number(),
  disposition: z.string(),
});

function alertJson(a: StoredAlert, mask = false): z.infer<typeof alertView> {
  // a signalling alert's details name the SIP user, masked like its events' (event-view.ts)
  const user = a.details['user'];
  return {
    ...a,
    subject: `${a.subject.kind}:${mask ? maskSubject(a.subject.kind, a.subject.value) : a.subject.value}`,
    at: iso(a.at),
    evidence: [...a.evidence],
    details: { ...a.details, ...(mask && typeof user === 'string' ? { user: maskNumber(user) } : {}) },
    statusAt: a.statusAt === null ? null : iso(a.statusAt),
  };
}

const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));

/** Admin: alerts with their evidence; acknowledge or mark a false positive (audited). */
export const alertRoutes: FastifyPluginAsyncZod<{
  store: ApiStore;
  audit: AuditTrail;
  clock: () => number;
  visible: Visible;
  canReadCdrs: (request: FastifyRequest) => boolean;
  mask: boolean;
  /** Whether a rule in force is a signalling rule (issue 18): its evidence is security events, not CDRs. */
  isSignalling: (rule: string) => boolean;
  /** A confirmed alert hotlists the destination range it names (issue 16 item 3). */
  hotlists?: Hotlists | undefined;
}> = async (app, { store, audit, clock, visible, canReadCdrs, mask, isSignalling, hotlists }) => {
  const view = (a: StoredAlert) => alertJson(a, mask);
  const tags = ['alerts'];
  app.get(
    '/v1/alerts',
    {
      config: { access: 'alerts.read' },
      schema: {
        tags,
        summary: 'Search alerts, newest first',
        querystring: z.strictObject({
          tenant: z.string().max(64).optional(),
          rule: z.string().max(64).optional(),
          status: z.enum(ALERT_STATUSES).optional(),
          severity: z.enum(['warn', 'critical']).optional(),
          subject: z.string().max(128).optional(),
          since: instant.optional(),
          until: instant.optional(),
          ...paging,
        }),
        response: { 200: page(alertView), 400: errorBody },
      },
    },
    async (request) => {
      const q = request.query;
      const scope = scopeOf(request, visible);
      const found = await store.searchAlerts({ ...q, ...(scope ? { tenant: scope.tenant, subjects: scope.subjects } : {}) });
      return { items: found.items.map(view), total: found.total, limit: q.limit, offset: q.offset };
    },
  );

  app.get(
    '/v1/alerts/:id',
    {
      config: { access: 'alerts.read' },
      schema: {
        tags,
        summary: 'One alert with the CDRs, or the security events, that made it',
        params: z.object({ id: z.string().min(1).max(128) }),
        response: {
          200: alertView.extend({
            evidenceKind: z.enum(['cdrs', 'events']).describe('what `evidence` holds the ids of: a signalling rule names security events'),
            evidenceCdrs: z.array(evidenceCdr),
            evidenceEvents: z.array(eventView).describe('security events (issue 18), read like CDRs: empty for a role that cannot'),
          }),
          404: errorBody,
        },
      },
    },
    async (request) => {
      const alert = await store.findAlert(request.params.id);
      const scope = scopeOf(request, visible);
      if (!alert || (scope && !(alert.tenant === scope.tenant && scope.subjects.includes(alert.subject.value))))
        throw new SentinelaError('NOT_FOUND', `no alert with id ${request.params.id}`, { path: 'id' });
      // reviewers read logs but not CDRs (nor the events, the same kind of traffic record): the evidence stays a list of ids for them
      const reads = canReadCdrs(request);
      const signalling = isSignalling(alert.rule);
      const cdrs = reads && !signalling ? await store.evidence(alert.tenant, alert.evidence) : [];
      // a rule no longer in force: its ids found no CDR, they may be events
      const events = reads && cdrs.length === 0 ? await store.evidenceEvents(alert.tenant, alert.evidence, alert.at) : [];
      return {
        ...view(alert),
        evidenceKind: signalling || events.length > 0 ? ('events' as const) : ('cdrs' as const),
        evidenceCdrs: cdrs.map((c) => ({ ...c, caller: mask ? maskNumber(c.caller) : c.caller, startedAt: iso(c.startedAt) })),
        evidenceEvents: events.map((e) => eventJson(e, mask)),
      };
    },
  );

  app.post(
    '/v1/alerts/:id/status',
    {
      config: { access: 'alerts.write' },
      schema: {
        tags,
        summary: 'Acknowledge, confirm (hotlists the range it names), mark a false positive, or reopen an alert (audited)',
        params: z.object({ id: z.string().min(1).max(128) }),
        body: z.strictObject({ status: z.enum(ALERT_STATUSES), note: reasonText.optional() }),
        response: {
          200: alertView.extend({ hotlisted: z.object({ id: z.string(), value: z.string(), expiresAt: z.string().nullable() }).optional() }),
          400: errorBody,
          404: errorBody,
        },
      },
    },
    async (request) => {
      const alert = await store.findAlert(request.params.id);
      if (!alert) throw new SentinelaError('NOT_FOUND', `no alert with id ${request.params.id}`, { path: 'id' });
      const actor = actorOf(request);
      const now = clock();
      const updated = await store.setAlertStatus(alert, request.body.status, actor.id, now);
      await audit.record({
        type: 'alert.status',
        actor: actor.id,
        ip: actor.ip,
        result: 'success',
        details: { alertId: alert.id, from: alert.status, to: request.body.status, note: request.body.note ?? '' },
      });
      // confirming again learns again: the entry's id is deterministic (tenant, range, alert), so a learn that failed
      // after the status was saved is retried by the operator, never lost, and a repeat only renews the entry
      if (request.body.status !== 'confirmed' || !hotlists) return view(updated);
      // a confirmed attack teaches its range: the subject's, or the callee prefix its evidence CDRs share
      const callees = alert.subject.kind === 'destPrefix' || alert.subject.kind === 'destination' ? [] : await store.evidence(alert.tenant, alert.evidence);
      const learned = await hotlists.learnFromAlert(
        alert,
        callees.map((c) => c.calleeE164),
        { actor: actor.id, ip: actor.ip },
      );
      return {
        ...view(updated),
        ...(learned ? { hotlisted: { id: learned.id, value: learned.value, expiresAt: learned.expiresAt === null ? null : iso(learned.expiresAt) } } : {}),
      };
    },
  );
};
