/**
 * Roles of the VoIP security annex (REQUIREMENTS "Roles", 003 E4.1 B) and what each may do. Every admin route
 * names one permission; the matrix below is the whole access policy.
 */
export const ROLES = ['administrator', 'operator', 'reviewer', 'auditor', 'user'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'blocks.read',
  'blocks.write',
  'alerts.read',
  'alerts.write',
  'cdrs.read',
  'cdrs.write',
  'rules.read',
  'rules.compare',
  'audit.read',
  'audit.configure',
  'users.read',
  'users.write',
  'apikeys.read',
  'apikeys.write',
  'lists.read',
  'lists.write',
  'stats.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ_CONFIG: readonly Permission[] = ['rules.read', 'users.read', 'apikeys.read'];
// stats.read: the NOC charts (issue 17), aggregates per account that cannot be narrowed to a user's extensions
const READ_LOGS: readonly Permission[] = ['audit.read', 'alerts.read', 'blocks.read', 'lists.read', 'stats.read'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = {
  // configures everything, sees all logs and CDRs
  administrator: new Set(PERMISSIONS),
  // VoIP-service parameters (blocks, alert triage, PBX keys, CDR ingest); reads logs and CDRs; no users, no audit switches
  // rule tuning (POST /v1/rules/compare) replays stored CDRs: who reads CDRs and answers for the rules
  operator: new Set<Permission>([
    ...READ_CONFIG,
    ...READ_LOGS,
    'blocks.write',
    'alerts.write',
    'cdrs.read',
    'cdrs.write',
    'apikeys.write',
    'lists.write',
    'rules.compare',
  ]),
  // reads configuration and all logs; no CDRs, no secrets; changes nothing
  reviewer: new Set<Permission>([...READ_CONFIG, ...READ_LOGS]),
  // reads configuration, all logs and CDRs; changes nothing
  auditor: new Set<Permission>([...READ_CONFIG, ...READ_LOGS, 'cdrs.read']),
  // sees only the calls, alerts and blocks of their own extensions (the routes narrow every answer)
  user: new Set<Permission>(['blocks.read', 'alerts.read', 'cdrs.read', 'lists.read']),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** Roles whose answers are narrowed to their own extensions. */
export function isScoped(role: Role): boolean {
  return role === 'user';
}
