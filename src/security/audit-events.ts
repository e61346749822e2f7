/**
 * Every audit event type Sentinela writes (A2, EV04, EV05, EV09, EV14). A4: each can be switched off, except
 * the mandatory ones, which keep the trail itself accountable.
 */
export const AUDIT_EVENTS = {
  'auth.login': 'a login, successful or failed (EV03)',
  'auth.logout': 'a logout',
  'auth.session_ended': 'a session ended by a new login, inactivity, age or use from another address (A7)',
  'auth.locked': 'a user locked after repeated login failures (EV03)',
  'access.denied': "a request outside the caller's role (EV14)",
  'access.barred': 'a user and address barred for repeated denials (EV14)',
  'user.add': 'a user created',
  'user.unlock': 'a locked user unlocked by an administrator',
  'user.password': 'a password changed',
  'apikey.add': 'a PBX API key issued',
  'apikey.revoke': 'a PBX API key revoked',
  'block.manual': 'a manual block (EV04)',
  'block.unblock': 'a manual unblock (EV04)',
  'alert.status': 'an alert acknowledged, confirmed, marked false positive or reopened',
  'hotlist.import': 'hotlist entries imported from a feed or file (lists sync): counts, refusals and source',
  'hotlist.add': 'a hotlist entry added by an operator',
  'hotlist.remove': 'a hotlist entry removed by an operator',
  'hotlist.learn': 'a number range hotlisted from a confirmed alert',
  'config.loaded': 'a server started with this configuration (non-secret settings and rule files, hashed)',
  'rules.reload': 'the rule files reloaded on a change or SIGHUP, or the reload refused (EV04): digests before and after',
  'cli.command': 'a command typed on the command line (EV05)',
  'audit.read': 'an access to the audit records (EV09)',
  'audit.verify': 'a verification of the audit chains',
  'audit.switch': 'an audit event type switched on or off (A4)',
  'audit.integrity': 'the audit chain failed verification: a record was modified or removed (A5)',
  'audit.quota': 'audit storage at 90 % of its quota, or the oldest records cut (A6, EV08)',
  'audit.tamper_attempt': 'an attempt to modify or delete audit records through the API (EV09)',
} as const;

export type AuditEventType = keyof typeof AUDIT_EVENTS;

export const MANDATORY_EVENTS: ReadonlySet<AuditEventType> = new Set(['audit.switch', 'audit.integrity', 'audit.quota', 'audit.tamper_attempt', 'audit.read']);

export function isAuditEvent(s: string): s is AuditEventType {
  return Object.hasOwn(AUDIT_EVENTS, s);
}
