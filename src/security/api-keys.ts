import { randomBytes } from 'node:crypto';
import { sameHex } from '../domain/security/audit-chain.js';
import { SentinelaError } from '../errors.js';
import type { AuditTrail } from './audit-trail.js';
import type { Who } from './accounts.js';
import type { ApiKeyRecord, SecurityStore } from './ports.js';
import { sha256 } from './sessions.js';

export interface ApiKeyPrincipal {
  readonly id: string;
  readonly tenant: string;
  readonly name: string;
}

const KEY_FORMAT = /^snk_([A-Za-z0-9_-]{16})_([A-Za-z0-9_-]{43})$/;

/**
 * Per-PBX API keys for block-check and CDR ingest. A key is `snk_<id>_<secret>` with a 256-bit secret, shown
 * once; only its SHA-256 is stored (a fast hash is right for a random secret of that size: the check costs
 * about a microsecond, no password hashing on the request path). Keys live in memory, refreshed from storage,
 * so revocation reaches every replica within the refresh period.
 */
export class ApiKeyBook {
  private byId = new Map<string, ApiKeyRecord>();
  private version = 0;
  /**
   * Secrets already verified against the keys in force, by key id (issue 19: the SHA-256 was a few % of every
   * block-check). Emptied whenever the keys change (refresh, create, revoke), so a revocation takes effect as before.
   */
  private readonly verified = new Map<string, { readonly secret: string; readonly principal: ApiKeyPrincipal }>();

  constructor(private readonly o: { store: SecurityStore; audit: AuditTrail; clock: () => number }) {}

  private everLoaded = false;

  async refresh(): Promise<void> {
    this.byId = new Map((await this.o.store.listApiKeys()).map((k) => [k.id, k]));
    this.verified.clear();
    this.everLoaded = true;
  }

  /** False until the first refresh: a key refused meanwhile may be valid (a replica starting up). */
  get loaded(): boolean {
    return this.everLoaded;
  }

  /** The key's owner, or undefined for a malformed, unknown, wrong or revoked key (constant-time secret compare). */
  verify(presented: string): ApiKeyPrincipal | undefined {
    const m = KEY_FORMAT.exec(presented);
    const id = m?.[1];
    const secret = m?.[2];
    if (id === undefined || secret === undefined) return undefined;
    const known = this.verified.get(id);
    if (known !== undefined && sameSecret(known.secret, secret)) return known.principal;
    const key = this.byId.get(id);
    if (!key || !sameHex(sha256(secret), key.secretSha256) || key.revokedAt !== null) return undefined;
    const principal = { id: key.id, tenant: key.tenant, name: key.name };
    this.verified.set(id, { secret, principal }); // at most one entry per key in force: only valid secrets get here
    return principal;
  }

  list(): ApiKeyRecord[] {
    return [...this.byId.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async create(tenant: string, name: string, by: Who): Promise<{ key: string; record: ApiKeyRecord }> {
    const id = randomBytes(12).toString('base64url');
    const secret = randomBytes(32).toString('base64url');
    const now = this.o.clock();
    const record: ApiKeyRecord = { id, tenant, name, secretSha256: sha256(secret), createdAt: now, createdBy: by.actor, revokedAt: null, revokedBy: '' };
    await this.o.store.saveApiKey(record, this.nextVersion());
    this.byId.set(id, record);
    this.verified.clear();
    await this.o.audit.record({ type: 'apikey.add', actor: by.actor, ip: by.ip, result: 'success', details: { id, tenant, name } });
    return { key: `snk_${id}_${secret}`, record };
  }

  async revoke(id: string, by: Who): Promise<ApiKeyRecord> {
    await this.refresh();
    const key = this.byId.get(id);
    if (!key) throw new SentinelaError('NOT_FOUND', `no API key ${id}`, { path: 'id' });
    if (key.revokedAt !== null) throw new SentinelaError('CONFLICT', `API key ${id} was already revoked`, { path: 'id' });
    const revoked = { ...key, revokedAt: this.o.clock(), revokedBy: by.actor };
    await this.o.store.saveApiKey(revoked, this.nextVersion());
    this.byId.set(id, revoked);
    this.verified.clear();
    await this.o.audit.record({ type: 'apikey.revoke', actor: by.actor, ip: by.ip, result: 'success', details: { id, tenant: key.tenant, name: key.name } });
    return revoked;
  }

  private nextVersion(): number {
    this.version = Math.max(this.version + 1, this.o.clock());
    return this.version;
  }
}

/** Constant-time comparison of two secrets of the key format (no early exit on the first differing character). */
function sameSecret(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length && i < b.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
