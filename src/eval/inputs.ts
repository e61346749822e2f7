import { z } from 'zod';
import { SentinelaError } from '../errors.js';
import { labelsSchema, type Labels } from '../sim/labels.js';

/** Parsing of evaluate's three inputs, without IO: the command reads the files and feeds text or lines here. */

export interface Subject {
  readonly kind: string;
  readonly value: string;
}

export interface VerdictRecord {
  /** 1-based line of the verdict file. */
  readonly line: number;
  readonly kind: 'alert' | 'block';
  readonly tenant: string;
  readonly rule: string;
  readonly severity: 'warn' | 'critical';
  readonly subject: Subject;
  /** Event time of an alert, start of a block (epoch ms). */
  readonly at: number;
  readonly evidence: readonly string[];
}

/** A block-check that did not allow a call (replay --attempts writes one line per such answer). */
export interface RefusalRecord {
  readonly line: number;
  readonly kind: 'refused';
  readonly tenant: string;
  /** The call's id: the CDR id (or callId) the replay asked about. */
  readonly callId: string;
  readonly at: number;
  readonly action: string;
  readonly rules: readonly string[];
}

const instant = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const subject = z.union([
  z.string().transform((s, ctx): Subject => {
    const colon = s.indexOf(':');
    if (colon < 1) {
      ctx.issues.push({ code: 'custom', input: s, message: 'subject must be kind:value' });
      return z.NEVER;
    }
    return { kind: s.slice(0, colon), value: s.slice(colon + 1) };
  }),
  z.object({ kind: z.string().min(1), value: z.string() }),
]);
// the wire form of verdict-json.ts, read leniently: only what scoring needs, other fields pass
const verdictWire = z.object({
  kind: z.enum(['alert', 'block']),
  tenant: z.string().min(1),
  rule: z.string().min(1),
  severity: z.enum(['warn', 'critical']).default('critical'),
  subject,
  at: instant.optional(),
  startsAt: instant.optional(),
  evidence: z.array(z.string()).default([]),
  throttle: z.object({ calls: z.number() }).passthrough().optional(),
});

const refusalWire = z.object({
  kind: z.literal('refused'),
  tenant: z.string().min(1),
  callId: z.string().min(1),
  at: instant,
  action: z.string().min(1),
  reasons: z.array(z.object({ rule: z.string() })).default([]),
});

const inputError = (message: string, path?: string) => new SentinelaError('EVAL_INPUT', message, path === undefined ? {} : { path });

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** One NDJSON verdict line (replay's stdout); blank lines and refusals give null. Throws EVAL_INPUT naming the line. */
export function parseVerdictLine(text: string, line: number, source = 'verdicts'): VerdictRecord | null {
  const r = parseReplayLine(text, line, source);
  return r?.kind === 'refused' ? null : r;
}

/** One line of replay's stdout: a verdict, or (replay --attempts) a refused call attempt; blank lines give null. */
export function parseReplayLine(text: string, line: number, source = 'verdicts'): VerdictRecord | RefusalRecord | null {
  if (text.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw inputError(`${source} line ${line}: not JSON (${(err as Error).message})`);
  }
  if ((value as { kind?: unknown } | null)?.kind === 'refused') {
    const r = refusalWire.safeParse(value);
    if (!r.success) throw inputError(`${source} line ${line}: not a refused attempt: ${describe(r.error)}`);
    return {
      line,
      kind: 'refused',
      tenant: r.data.tenant,
      callId: r.data.callId,
      at: r.data.at,
      action: r.data.action,
      rules: r.data.reasons.map((x) => x.rule),
    };
  }
  const parsed = verdictWire.safeParse(value);
  if (!parsed.success) throw inputError(`${source} line ${line}: not a verdict: ${describe(parsed.error)}`);
  const v = parsed.data;
  const at = v.kind === 'block' ? (v.startsAt ?? v.at) : (v.at ?? v.startsAt);
  if (at === undefined) throw inputError(`${source} line ${line}: a verdict needs at (alerts) or startsAt (blocks)`);
  // a throttle (graded action) slows the subject's new calls without stopping them: scored as a warning, neither
  // a block nor a critical alert, so it neither detects an episode nor counts as a false-positive block
  const throttle = v.kind === 'block' && v.throttle !== undefined;
  return {
    line,
    kind: throttle ? 'alert' : v.kind,
    tenant: v.tenant,
    rule: v.rule,
    severity: throttle ? 'warn' : v.kind === 'block' ? 'critical' : v.severity,
    subject: v.subject,
    at,
    evidence: v.evidence,
  };
}

export function parseLabels(text: string, source = 'labels.json'): Labels {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw inputError(`${source}: not JSON (${(err as Error).message})`);
  }
  const parsed = labelsSchema.safeParse(value);
  if (!parsed.success) throw inputError(`${source}: not valid labels: ${describe(parsed.error)}`, parsed.error.issues[0]?.path.join('.'));
  return parsed.data;
}

export interface CdrFacts {
  /** 0-based line of cdrs.ndjson: the CDR's arrival position. */
  readonly index: number;
  readonly cost: number;
  /** Start (epoch ms) and whether it is an outbound call: attempts are numbered in start order. */
  readonly startedAt?: number;
  readonly outbound?: boolean;
}

/** CDR id → arrival position and cost, built one cdrs.ndjson line at a time. */
export class CdrIndex {
  private readonly facts = new Map<string, CdrFacts>();
  private lines = 0;
  /** Per line, when it arrived: the running maximum of endedAt (exporters deliver at the end, a flush later). */
  private readonly arrivals: number[] = [];

  add(text: string, source = 'cdrs.ndjson'): void {
    const index = this.lines++;
    this.arrivals[index] = this.arrivals[index - 1] ?? -Infinity;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw inputError(`${source} line ${index + 1}: not JSON`);
    }
    const id = (value as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') throw inputError(`${source} line ${index + 1}: a CDR without an id`);
    const { cost, startedAt, endedAt, direction } = value as { cost?: unknown; startedAt?: unknown; endedAt?: unknown; direction?: unknown };
    const start = typeof startedAt === 'string' ? Date.parse(startedAt) : typeof startedAt === 'number' ? startedAt : NaN;
    const end = typeof endedAt === 'string' ? Date.parse(endedAt) : typeof endedAt === 'number' ? endedAt : NaN;
    if (Number.isFinite(end)) this.arrivals[index] = Math.max(this.arrivals[index] ?? -Infinity, end);
    // the first delivery of an id is its arrival; a re-delivered duplicate changes nothing
    if (!this.facts.has(id))
      this.facts.set(id, {
        index,
        cost: typeof cost === 'number' ? cost : 0,
        ...(Number.isFinite(start) ? { startedAt: start } : {}),
        outbound: direction === undefined || direction === 'outbound',
      });
  }

  /** The last line (0-based) that had arrived strictly before `t`, -1 if none: where a block-check at `t` stood. */
  arrivedBefore(t: number): number {
    let lo = 0;
    let hi = this.arrivals.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.arrivals[mid] ?? -Infinity) < t) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  get(id: string): CdrFacts | undefined {
    return this.facts.get(id);
  }

  get size(): number {
    return this.facts.size;
  }
}
