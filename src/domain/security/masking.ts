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
