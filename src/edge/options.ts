import { isIP } from 'node:net';
import { z } from 'zod';
import { SentinelaError } from '../errors.js';
import { DURATION_PATTERN, parseDuration } from '../domain/rules/duration.js';
import { parseIpPrefix } from '../domain/lists/ip-prefix.js';
import { TENANT_NAME } from '../domain/cdr/contract.js';

/**
 * Options of `sentinela edge nft`, from flags or the environment (a flag wins), parsed once. The receiver runs on
 * a firewall host, not beside the server, so these are its own settings rather than entries of src/config.
 */
const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,31}$/, 'must be an nft name ([A-Za-z][A-Za-z0-9_]*, at most 32 characters)');
const listen = z
  .string()
  .regex(/^(?:\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):\d{1,5}$/, 'must be host:port ([::1]:port for IPv6)')
  .transform((s) => {
    const colon = s.lastIndexOf(':');
    return { host: s.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(s.slice(colon + 1)) };
  })
  .refine((l) => l.port <= 65_535, 'port must be 0-65535 (0: any free port)');
/** A comma-separated list, entries trimmed, empty ones dropped. */
const commaList = z.string().transform((s) =>
  s
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0),
);
const cidrs = commaList.pipe(
  z.array(z.string().refine((c) => parseIpPrefix(c) !== undefined && isIP(c.split('/')[0] ?? '') !== 0, 'each entry must be an IP address or CIDR')),
);
/** Tenants whose blocks this edge applies (comma-separated); absent: every tenant's. */
const tenants = commaList.pipe(
  z.array(z.string().regex(TENANT_NAME, 'each entry must be a tenant name (letters, digits, dot, underscore, hyphen)')).min(1, 'must name a tenant'),
);
/** The nft command, split on spaces into argv (`nft`, `sudo nft`, `ip netns exec fw nft`); never run by a shell. */
const command = z
  .string()
  .transform((s) => s.trim().split(/\s+/))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_./=@+-]+$/, 'must be a plain command line (no shell syntax)')).min(1));

/** Loopback is always allowed: a block of the host itself would cut its own services. */
export const ALWAYS_ALLOWED = ['127.0.0.0/8', '::1/128'] as const;

export const edgeOptionsSpec = z.object({
  listen: listen.default({ host: '127.0.0.1', port: 9740 }),
  secret: z.string().min(16, 'must be at least 16 characters (the SENTINELA_WEBHOOK_SECRET of the server)').optional(),
  family: z.enum(['inet', 'ip', 'ip6']).default('inet'),
  table: name.default('sentinela'),
  set4: name.default('blocked4'),
  set6: name.default('blocked6'),
  chain: name.optional(),
  allow: cidrs.default([]).transform((list) => [...ALWAYS_ALLOWED, ...list]),
  tenants: tenants.optional(),
  nft: command.default(['nft']),
  tolerance: z
    .string()
    .regex(DURATION_PATTERN, 'must be a duration such as 300s or 5m')
    .transform((d) => Math.round((parseDuration(d) as number) / 1000))
    .pipe(z.int().min(1).max(3600))
    .default(300),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type EdgeOptions = Readonly<z.output<typeof edgeOptionsSpec>>;

/** Option name → environment variable. */
export const EDGE_ENV = {
  listen: 'SENTINELA_EDGE_LISTEN',
  secret: 'SENTINELA_EDGE_SECRET',
  family: 'SENTINELA_EDGE_NFT_FAMILY',
  table: 'SENTINELA_EDGE_NFT_TABLE',
  set4: 'SENTINELA_EDGE_NFT_SET4',
  set6: 'SENTINELA_EDGE_NFT_SET6',
  chain: 'SENTINELA_EDGE_NFT_CHAIN',
  allow: 'SENTINELA_EDGE_ALLOW',
  tenants: 'SENTINELA_EDGE_TENANTS',
  nft: 'SENTINELA_EDGE_NFT',
  tolerance: 'SENTINELA_EDGE_TOLERANCE',
  logLevel: 'LOG_LEVEL',
} as const satisfies Record<keyof z.input<typeof edgeOptionsSpec>, string>;

/** Flags over environment; each problem names the flag and its variable (CONFIG_INVALID; the secret is never echoed). */
export function parseEdgeOptions(flags: Readonly<Record<string, string | undefined>>, env: Readonly<Record<string, string | undefined>>): EdgeOptions {
  const raw = Object.fromEntries(Object.entries(EDGE_ENV).map(([key, variable]) => [key, flags[key] ?? env[variable]]));
  const parsed = edgeOptionsSpec.safeParse(raw);
  if (parsed.success) return Object.freeze(parsed.data);
  const problems = parsed.error.issues.map((i) => {
    const key = String(i.path[0]) as keyof typeof EDGE_ENV;
    return `--${key.replace(/[A-Z]+/g, (m) => `-${m.toLowerCase()}`)} (${EDGE_ENV[key]}): ${i.message}`;
  });
  throw new SentinelaError('CONFIG_INVALID', [...new Set(problems)].join('; '), { path: String(parsed.error.issues[0]?.path[0] ?? '') });
}
