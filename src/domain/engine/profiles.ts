import { compileCalendar, type BusinessCalendar } from '../calendar/business.js';
import type { DialPlan } from '../numbering/types.js';
import { parseDuration } from '../rules/duration.js';
import { calendarSpec, type CapsSpec, type ConcurrencySpec, type InternationalSpec, type ProfilesFile } from '../rules/profile-spec.js';
import { SubjectList } from './subject-lists.js';

/** What the rules need to know about one tenant (or account with its own profile). */
export interface Profile {
  readonly timeZone: string;
  readonly dialPlan: DialPlan;
  readonly international: InternationalSpec;
  readonly calendar: BusinessCalendar;
  /** Money caps (BRL) per local day and month of each account; undefined when none is set. */
  readonly caps?: CapsSpec | undefined;
  /** Live concurrent calls (issue 16): caps and the throttle below them; `{}` when none applies. */
  readonly concurrency: ConcurrencyProfile;
}

export interface ConcurrencyProfile {
  readonly max?: number;
  readonly international?: number;
  readonly throttle?: { readonly floor: number; readonly factor: number; readonly calls: number; readonly perMs: number; readonly forMs: number };
}

export interface ProfileBase {
  readonly dialPlan: DialPlan;
  readonly timeZone: string;
}

interface TenantEntry {
  readonly profile: Profile;
  readonly accounts: ReadonlyMap<string, Profile>;
  readonly allow: readonly SubjectList[];
  readonly deny: readonly SubjectList[];
}

const DENY_INTERNATIONAL: InternationalSpec = { policy: 'deny' };
const DEFAULT_CALENDAR = calendarSpec.parse({});

/**
 * Profiles resolved from `rules/profiles.yaml`: account settings override the tenant's, which override the
 * defaults, which override the service configuration (dial plan, time zone). Tenants and accounts without an
 * entry share one resolved profile, so memory does not grow with the number of accounts seen.
 */
export class ProfileBook {
  private readonly tenants = new Map<string, TenantEntry>();
  private readonly fallback: TenantEntry;
  readonly escalationLadderMs: readonly number[];
  readonly escalationWithinMs: number;

  constructor(file: ProfilesFile, base: ProfileBase) {
    const globalAllow = new SubjectList(file.lists?.allow);
    const globalDeny = new SubjectList(file.lists?.deny);
    const defaults = layer(undefined, file.defaults, base);
    const entry = (spec: ProfilesFile['tenants'][string] | undefined): TenantEntry => {
      const profile = spec ? layer(defaults, spec, base) : defaults;
      const accounts = new Map(Object.entries(spec?.accounts ?? {}).map(([name, a]) => [name, layer(profile, a, base)]));
      return {
        profile,
        accounts,
        allow: [globalAllow, new SubjectList(spec?.lists?.allow)].filter((l) => !l.empty),
        deny: [globalDeny, new SubjectList(spec?.lists?.deny)].filter((l) => !l.empty),
      };
    };
    this.fallback = entry(undefined);
    for (const [name, spec] of Object.entries(file.tenants)) this.tenants.set(name, entry(spec));
    this.escalationLadderMs = file.escalation.ladder.map((d) => parseDuration(d) as number);
    this.escalationWithinMs = parseDuration(file.escalation.within) as number;
  }

  profile(tenant: string, account: string): Profile {
    const t = this.tenants.get(tenant) ?? this.fallback;
    return t.accounts.get(account) ?? t.profile;
  }
  allowLists(tenant: string): readonly SubjectList[] {
    return (this.tenants.get(tenant) ?? this.fallback).allow;
  }
  denyLists(tenant: string): readonly SubjectList[] {
    return (this.tenants.get(tenant) ?? this.fallback).deny;
  }
}

interface Layer {
  readonly timeZone?: string | undefined;
  readonly dialPlan?: { readonly [K in keyof DialPlan]?: DialPlan[K] | undefined } | undefined;
  readonly international?: InternationalSpec | undefined;
  readonly calendar?: ProfilesFile['defaults']['calendar'];
  readonly caps?: CapsSpec | undefined;
  readonly concurrency?: ConcurrencySpec | undefined;
}

function layer(parent: Profile | undefined, spec: Layer, base: ProfileBase): Profile {
  const timeZone = spec.timeZone ?? parent?.timeZone ?? base.timeZone;
  const dialPlan = { ...(parent?.dialPlan ?? base.dialPlan), ...stripUndefined(spec.dialPlan ?? {}) } as DialPlan;
  // a compiled calendar holds local days and minutes only, so an inherited one just takes the layer's zone
  const calendar = spec.calendar
    ? compileCalendar(spec.calendar, timeZone)
    : parent
      ? parent.calendar.timeZone === timeZone
        ? parent.calendar
        : { ...parent.calendar, timeZone }
      : compileCalendar(DEFAULT_CALENDAR, timeZone);
  const caps = spec.caps || parent?.caps ? { ...parent?.caps, ...stripUndefined(spec.caps ?? {}) } : undefined;
  return {
    timeZone,
    dialPlan,
    international: spec.international ?? parent?.international ?? DENY_INTERNATIONAL,
    calendar,
    caps,
    concurrency: concurrencyOf(parent?.concurrency, spec.concurrency),
  };
}

/** Each concurrency field overrides the parent's (an account may raise its tenant's cap and keep its throttle). */
function concurrencyOf(parent: ConcurrencyProfile | undefined, spec: ConcurrencySpec | undefined): ConcurrencyProfile {
  if (!spec) return parent ?? {};
  const t = spec.throttle;
  const throttle = t
    ? { floor: t.floor, factor: t.factor, calls: t.calls, perMs: parseDuration(t.per) as number, forMs: parseDuration(t.for) as number }
    : parent?.throttle;
  const max = spec.max ?? parent?.max;
  const international = spec.international ?? parent?.international;
  return { ...(max !== undefined ? { max } : {}), ...(international !== undefined ? { international } : {}), ...(throttle ? { throttle } : {}) };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
