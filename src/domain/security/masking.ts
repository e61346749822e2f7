/**
 * A13 caller anonymity: a caller number as shown when anonymity is configured. Every digit but the last two is
 * hidden (the A-number is omitted, yet an analyst can still tell two callers apart in a list).
 */
export function maskNumber(value: string): string {
  const digits = value.replace(/\D/g, '').length;
  let seen = 0;
  return value.replace(/\d/g, (d) => (++seen > digits - 2 ? d : '*'));
}

/** A `kind:value` subject with the value masked when it is a caller. */
export function maskSubject(kind: string, value: string): string {
  return kind === 'caller' ? maskNumber(value) : value;
}

/** A subject written `kind:value` (block-check reasons) with the value masked when it is a caller. */
export function maskSubjectText(subject: string): string {
  const at = subject.indexOf(':');
  return at < 0 ? subject : `${subject.slice(0, at)}:${maskSubject(subject.slice(0, at), subject.slice(at + 1))}`;
}

/**
 * A security event's user name and raw line as shown when anonymity is configured (issue 18): a SIP user is an
 * extension, the caller number of its calls, so it is masked like one, and its copies in the PBX's line with it.
 * A name without digits (admin, sales) shows as it is, as maskNumber leaves it.
 */
export function maskEventUser<T extends { readonly user: string; readonly raw: string }>(e: T): T {
  const masked = maskNumber(e.user);
  return masked === e.user ? e : { ...e, user: masked, raw: e.raw.split(e.user).join(masked) };
}
