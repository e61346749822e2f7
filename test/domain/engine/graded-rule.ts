/**
 * A rule of the account's calls in 5 minutes: warn at 3 (throttle to 2 a minute for 30 min), critical and block
 * (10 min) at 6: a rule whose block supersedes its throttle. `throttleScope` narrows the throttle (the block is `all`).
 */
export const gradedRule = (throttleScope?: 'international') => ({
  id: 'graded-account',
  description: 'Calls of one account within 5 minutes',
  cites: ['G1'],
  match: { directions: ['outbound'] },
  key: 'account',
  measure: { kind: 'count' },
  window: '5m',
  thresholds: { warn: 3, critical: 6 },
  throttle: { calls: 2, per: '1m', for: '30m', ...(throttleScope ? { scope: throttleScope } : {}) },
  block: { duration: '10m' },
});
