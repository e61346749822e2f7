// The management API as the console uses it: the session token, and errors turned into something a view can show.

const TOKEN = 'sentinela.token';
let onSessionEnd = () => {};
// the API ends a session after 5 min without requests; polling is not the user, so it pauses when they are away
let idleLimitMs = 5 * 60_000;
let lastActive = Date.now();
for (const event of ['pointerdown', 'keydown', 'wheel']) window.addEventListener(event, () => (lastActive = Date.now()), { passive: true });

/** The user has not touched the console for the session's idle limit: background refreshes stop, so A7 (re-authenticate after 5 min of inactivity) still holds. */
export function userIdle() {
  return Date.now() - lastActive >= idleLimitMs;
}

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN, value);
    else sessionStorage.removeItem(TOKEN);
  },
  /** The idle limit the login answered (expiresAfterIdleSeconds). */
  idleAfter(seconds) {
    if (seconds > 0) idleLimitMs = seconds * 1000;
  },
  /** Called when the API says the session is over (idle, logged out elsewhere, another address). */
  onEnd(f) {
    onSessionEnd = f;
  },
};

/** JSON from the API; throws ApiError with the API's stable code. */
export async function api(path, { method = 'GET', body } = {}) {
  const headers = {};
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 204) return null;
  const json = await response.json().catch(() => ({}));
  if (response.ok) return json;
  const error = new ApiError(response.status, json.code ?? 'HTTP_' + response.status, json.message ?? response.statusText);
  if (response.status === 401 && path !== '/v1/login') {
    session.token = null;
    onSessionEnd(error);
  }
  throw error;
}

/**
 * A route that may not exist on this server (the stats and rule-comparison routes come with newer versions) or that
 * the role may not call: null instead of an error, so the view shows "no data".
 */
export async function optional(path, options) {
  try {
    return await api(path, options);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 403 || err.status === 501)) return null;
    throw err;
  }
}

/** A query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : '';
}

/**
 * For views that reload on every keystroke, click and poll: `const isNewest = turn();` before a request, and
 * `if (!isNewest()) return;` after it, so a slow older answer never overwrites a newer one.
 */
export function turns() {
  let last = 0;
  return () => {
    const mine = ++last;
    return () => mine === last;
  };
}
