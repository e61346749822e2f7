/**
 * The permission matrix of the security annex (REQUIREMENTS "Roles"), written from the annex, not from the code:
 * which roles may call each management route. A administrator, O operator, R reviewer, D auditor, U user.
 */
export const SPEC: Record<string, string> = {
  'POST /v1/logout': 'AORDU',
  'GET /v1/me': 'AORDU',
  'POST /v1/me/password': 'AORDU',
  'GET /v1/blocks': 'AORDU',
  'GET /v1/blocks/:id': 'AORDU',
  'POST /v1/blocks': 'AO',
  'POST /v1/blocks/:id/unblock': 'AO',
  'GET /v1/alerts': 'AORDU',
  'GET /v1/alerts/:id': 'AORDU',
  'POST /v1/alerts/:id/status': 'AO',
  'GET /v1/rules': 'AORD',
  // the console's block-check tester reads any tenant's verdict, like the configuration
  'POST /v1/block-check/preview': 'AORD',
  // rule tuning replays stored CDRs: who reads CDRs and answers for the rules (issue 17 item 5)
  'POST /v1/rules/compare': 'AO',
  'POST /v1/cdrs': 'AO',
  // security events (issue 18): sent like CDRs, read like CDRs (a user sees the events naming their extensions)
  'POST /v1/events': 'AO',
  'GET /v1/events': 'AODU',
  'GET /v1/users': 'AORD',
  'POST /v1/users': 'A',
  'POST /v1/users/:name/unlock': 'A',
  'GET /v1/api-keys': 'AORD',
  'POST /v1/api-keys': 'AO',
  'POST /v1/api-keys/:id/revoke': 'AO',
  'GET /v1/audit': 'AORD',
  'POST /v1/audit/verify': 'AORD',
  'GET /v1/audit/switches': 'AORD',
  'PUT /v1/audit/switches/:type': 'A',
  // shared hotlists (issue 16): read like logs (a tenant's user sees its tenant and the global list), changed by operators
  'GET /v1/lists/ips': 'AORDU',
  'GET /v1/lists/entries': 'AORDU',
  'POST /v1/lists/entries': 'AO',
  'DELETE /v1/lists/entries/:id': 'AO',
  // NOC charts (issue 17): aggregates per account, read like logs; a user's answers could not be narrowed to their extensions
  'GET /v1/stats/traffic': 'AORD',
  'GET /v1/stats/alerts': 'AORD',
  'GET /v1/stats/rules': 'AORD',
  'GET /v1/stats/decisions': 'AORD',
  'GET /v1/stats/top-accounts': 'AORD',
};
