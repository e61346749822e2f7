/**
 * A9: only validated values are accepted for security attributes. A password has at least 8 characters with
 * upper case, lower case, a digit and a special character, and does not contain the user's name or initials.
 * Reuse of the last passwords is checked by the account service (it needs the stored hashes).
 */
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

export interface PasswordOwner {
  readonly name: string;
  readonly fullName?: string;
}

export function passwordProblems(password: string, owner: PasswordOwner): string[] {
  const problems: string[] = [];
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) problems.push(`at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) problems.push(`at most ${MAX_PASSWORD_LENGTH} characters`);
  if (!/\p{Lu}/u.test(password)) problems.push('an upper-case letter');
  if (!/\p{Ll}/u.test(password)) problems.push('a lower-case letter');
  if (!/\p{Nd}/u.test(password)) problems.push('a digit');
  if (!/[^\p{L}\p{Nd}]/u.test(password)) problems.push('a special character (not a letter or digit)');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(password)) problems.push('no control characters');
  const folded = fold(password);
  for (const part of nameParts(owner)) {
    if (part.length >= 3 && folded.includes(part)) problems.push('must not contain the user name');
  }
  const initials = initialsOf(owner);
  if (initials.length >= 2 && folded.includes(initials)) problems.push(`must not contain the user's initials (${initials})`);
  return [...new Set(problems)];
}

/** Lower case without accents, so "João" and "joao" are the same name. */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

function nameParts(owner: PasswordOwner): string[] {
  const words = `${owner.name} ${owner.fullName ?? ''}`
    .split(/[^\p{L}\p{Nd}]+/u)
    .map(fold)
    .filter((w) => w.length > 0);
  return [fold(owner.name), ...words];
}

/** Initials of the full name ("Ana Maria Souza" → "ams"), or of the user name's parts ("ana.souza" → "as"). */
function initialsOf(owner: PasswordOwner): string {
  const source = owner.fullName && owner.fullName.trim() !== '' ? owner.fullName : owner.name;
  return source
    .split(/[^\p{L}\p{Nd}]+/u)
    .filter((w) => w.length > 0)
    .map((w) => fold(w)[0] ?? '')
    .join('');
}
