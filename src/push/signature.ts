import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: HMAC-SHA256 over `timestamp.body`, sent as `X-Sentinela-Signature: v1=<hex>` with
 * `X-Sentinela-Timestamp` (epoch seconds) and a unique `X-Sentinela-Delivery`. A receiver recomputes the MAC,
 * compares in constant time, refuses timestamps outside its tolerance (replay window) and remembers delivery
 * ids inside it (exact replays).
 */
export const SIGNATURE_HEADER = 'x-sentinela-signature';
export const TIMESTAMP_HEADER = 'x-sentinela-timestamp';
export const DELIVERY_HEADER = 'x-sentinela-delivery';

export function sign(secret: string, timestampSec: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampSec}.${body}`).digest('hex')}`;
}

export type Verification = { ok: true } | { ok: false; reason: 'malformed' | 'too-old' | 'bad-signature' };

/** Checks a delivery as a receiver should (`sentinela edge nft`, the tests' receiver; documented for PBX integrators). */
export function verify(
  secret: string,
  headers: { signature?: string | undefined; timestamp?: string | undefined },
  body: string,
  nowSec: number,
  toleranceSec = 300,
): Verification {
  const ts = Number(headers.timestamp);
  if (!headers.signature || !Number.isInteger(ts)) return { ok: false, reason: 'malformed' };
  if (Math.abs(nowSec - ts) > toleranceSec) return { ok: false, reason: 'too-old' };
  const expected = Buffer.from(sign(secret, ts, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given) ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
