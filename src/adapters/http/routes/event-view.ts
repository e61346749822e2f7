import { z } from 'zod';
import type { EvidenceEvent } from '../../../api/ports.js';
import { maskEventUser } from '../../../domain/security/masking.js';
import { iso } from '../../../domain/time/iso.js';

/** A stored security event (issue 18) as an analyst reads it: evidence of a signalling alert, or listed for an IP. */
export const eventView = z.object({
  id: z.string(),
  at: z.string().describe('ISO-8601 instant the PBX saw it'),
  tenant: z.string(),
  type: z.string(),
  srcIp: z.string().describe('the address the PBX observed on its socket'),
  srcPort: z.number().nullable(),
  transport: z.string(),
  user: z.string().describe('masked like a caller number when SENTINELA_MASK_CALLERS is on'),
  userAgent: z.string(),
  method: z.string(),
  callId: z.string(),
  reporter: z.string(),
  raw: z.string().describe("the PBX's line, cut to 300 characters (… marks a cut)"),
  count: z.number(),
});

export function eventJson(e: EvidenceEvent, mask: boolean): z.infer<typeof eventView> {
  const shown = mask ? maskEventUser(e) : e;
  return { ...shown, at: iso(e.at), srcPort: e.srcPort === 0 ? null : e.srcPort };
}
