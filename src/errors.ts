/**
 * The one list of Sentinela error codes. Every error Sentinela throws or returns carries one of these codes;
 * what happens next (HTTP status, retry, dead-letter) is decided from the code, never from message text.
 */
export const ErrorCodes = {
  CONFIG_INVALID: { http: 500, disposition: 'fatal', summary: 'configuration value is missing or invalid' },
  CONFIG_FILE_UNREADABLE: { http: 500, disposition: 'fatal', summary: 'configuration file cannot be read or parsed' },
  CLI_USAGE: { http: 400, disposition: 'fatal', summary: 'command-line usage error' },

  CDR_NOT_JSON: { http: 400, disposition: 'dead-letter', summary: 'CDR payload is not valid JSON' },
  CDR_BAD_ENCODING: { http: 400, disposition: 'dead-letter', summary: 'CDR payload is not valid UTF-8' },
  CDR_TOO_LARGE: { http: 413, disposition: 'dead-letter', summary: 'CDR payload exceeds the size limit' },
  CDR_TOO_DEEP: { http: 400, disposition: 'dead-letter', summary: 'CDR payload nests deeper than allowed' },
  CDR_INVALID: { http: 422, disposition: 'dead-letter', summary: 'CDR fails the canonical contract' },
  CDR_TENANT_FORBIDDEN: { http: 403, disposition: 'dead-letter', summary: "a PBX API key posted a CDR of another tenant than the key's" },

  EVENT_INVALID: { http: 422, disposition: 'dead-letter', summary: 'security event fails the security-event contract' },
  EVENT_UNRECOGNISED: {
    http: 422,
    disposition: 'dead-letter',
    summary: "a PBX log or event line matched none of its source's security-event patterns (counted per source: a format change is loud)",
  },

  NUMBER_EMPTY: { http: 422, disposition: 'dead-letter', summary: 'dialled number is empty' },
  NUMBER_INVALID_CHARS: { http: 422, disposition: 'dead-letter', summary: 'dialled number has characters a dialler cannot send' },
  NUMBER_TOO_LONG: { http: 422, disposition: 'dead-letter', summary: 'dialled number is longer than E.164 allows' },
  NUMBER_UNPARSEABLE: { http: 422, disposition: 'dead-letter', summary: 'dialled number matches no numbering plan' },
  CALLEE_NOT_DIALABLE: {
    http: 422,
    disposition: 'fatal',
    summary: 'block-check: the callee is not a dialable number (letters, SQL, control text); the call is refused (rule invalid-callee)',
  },

  STORE_UNAVAILABLE: { http: 503, disposition: 'retry', summary: 'ClickHouse cannot be reached' },
  STORE_QUERY_FAILED: { http: 500, disposition: 'retry', summary: 'ClickHouse rejected a statement' },
  MIGRATION_CHECKSUM_MISMATCH: { http: 500, disposition: 'fatal', summary: 'an applied migration file was changed' },
  MIGRATION_FILE_INVALID: { http: 500, disposition: 'fatal', summary: 'a migration file is misnamed or unreadable' },
  MIGRATION_FAILED: { http: 500, disposition: 'fatal', summary: 'a migration statement failed' },

  RULES_INVALID: { http: 500, disposition: 'fatal', summary: 'a rule, profile or prefix-list file is invalid' },
  RULES_EDIT_INVALID: {
    http: 400,
    disposition: 'fatal',
    summary: 'an edited rule file sent for comparison is invalid (the message is the one startup would give)',
  },
  COMPARE_TOO_LARGE: { http: 422, disposition: 'fatal', summary: 'a rule comparison would replay more days or stored CDRs than allowed' },
  COMPARE_BUSY: { http: 429, disposition: 'retry', summary: 'a rule comparison is already running; try again when it ends' },
  COMPARE_ABORTED: { http: 499, disposition: 'fatal', summary: 'the client closed the request: the rule comparison stopped (nobody reads its answer)' },
  RULES_UNREADABLE: { http: 500, disposition: 'fatal', summary: 'the rules directory or one of its files cannot be read' },

  EVAL_INPUT: { http: 400, disposition: 'fatal', summary: 'an evaluation input (labels, CDRs or verdicts) is missing or invalid' },

  KAFKA_UNAVAILABLE: { http: 503, disposition: 'retry', summary: 'Kafka cannot be reached' },

  REQUEST_INVALID: { http: 400, disposition: 'fatal', summary: 'HTTP request fails validation' },
  REQUEST_UNSUPPORTED_TYPE: { http: 415, disposition: 'fatal', summary: 'HTTP request body has an unsupported content type' },
  REQUEST_TOO_LARGE: { http: 413, disposition: 'fatal', summary: 'HTTP request body exceeds the size limit' },
  NOT_FOUND: { http: 404, disposition: 'fatal', summary: 'no such resource' },
  CONFLICT: { http: 409, disposition: 'fatal', summary: 'the resource is not in a state that allows this' },
  OVERLOADED: { http: 503, disposition: 'retry', summary: 'the server sheds load; the answer follows the fail policy' },
  INGEST_UNAVAILABLE: { http: 503, disposition: 'retry', summary: 'CDR ingest over HTTP is not available (no pipeline or canonical topic)' },
  HOTLIST_FETCH_FAILED: { http: 502, disposition: 'retry', summary: 'a hotlist feed (URL or file) could not be fetched or read' },
  PUSH_FAILED: { http: 502, disposition: 'retry', summary: 'a block could not be pushed to the PBX or webhook' },
  EDGE_SIGNATURE_INVALID: {
    http: 401,
    disposition: 'fatal',
    summary: 'a push to `sentinela edge nft` has a missing, wrong or stale X-Sentinela-Signature (nothing applied)',
  },
  EDGE_REPLAYED: { http: 409, disposition: 'fatal', summary: 'a push to `sentinela edge nft` was already received (same delivery id or signature): a replay' },
  EDGE_NFT_FAILED: { http: 503, disposition: 'retry', summary: 'nft could not apply a block change at the edge; the pusher retries' },

  AUTH_REQUIRED: { http: 401, disposition: 'fatal', summary: 'no valid session token or API key (A7)' },
  AUTH_FAILED: { http: 401, disposition: 'fatal', summary: 'wrong user name or password' },
  SESSION_ENDED: {
    http: 401,
    disposition: 'fatal',
    summary: 'the session ended (inactivity, a newer login, logout or use from another address); log in again',
  },
  ACCOUNT_LOCKED: { http: 423, disposition: 'fatal', summary: 'the user is locked until an administrator unlocks it (EV03, EV09)' },
  FORBIDDEN: { http: 403, disposition: 'fatal', summary: 'the role does not allow this (audited; EV14)' },
  ACCESS_BARRED: { http: 403, disposition: 'fatal', summary: 'user or address barred for 5 min after repeated denials (EV14)' },
  PASSWORD_REJECTED: { http: 422, disposition: 'fatal', summary: 'the password fails the policy (A9)' },
  METHOD_NOT_ALLOWED: { http: 405, disposition: 'fatal', summary: 'audit records cannot be changed or deleted (A5, EV09)' },

  INTERNAL: { http: 500, disposition: 'fatal', summary: 'unexpected internal error' },
} as const satisfies Record<string, ErrorCodeInfo>;

export interface ErrorCodeInfo {
  /** HTTP status an API answers with when this error reaches it. */
  readonly http: number;
  /** What a pipeline does with the record or operation that failed. */
  readonly disposition: 'retry' | 'dead-letter' | 'fatal';
  readonly summary: string;
}

export type ErrorCode = keyof typeof ErrorCodes;

export interface ErrorDetails {
  /** Dotted path of the offending field, e.g. `startedAt` or `rules[2].window`. */
  readonly path?: string;
  readonly [key: string]: unknown;
}

export class SentinelaError extends Error {
  override readonly name = 'SentinelaError';
  readonly code: ErrorCode;
  readonly details: ErrorDetails;

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
  }

  get info(): ErrorCodeInfo {
    return ErrorCodes[this.code];
  }

  toJSON(): { code: ErrorCode; message: string; details: ErrorDetails } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Wraps anything thrown by a library into a SentinelaError, keeping the original as `cause`. */
export function toSentinelaError(err: unknown, fallback: ErrorCode = 'INTERNAL'): SentinelaError {
  if (err instanceof SentinelaError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SentinelaError(fallback, message, {}, { cause: err });
}
