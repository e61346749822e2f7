import type { SentinelaError } from '../../../errors.js';

/**
 * A decoder turns one exporter record (a Kafka message, a file line or a file) into canonical CDR inputs.
 * Decoders only reshape: the result is validated afterwards by the one canonical contract (parseCdr), so every
 * format obeys the same rules and reports contract violations the same way.
 */
export type Decoded =
  /** `owned`: the input was made for this record alone (a JSON.parse result), so the CDR may be it, not a copy. */
  | { readonly kind: 'cdr'; readonly input: Readonly<Record<string, unknown>>; readonly owned?: boolean }
  /** A security event (src/domain/signalling/event.ts): the signalling sources' decoders yield these. */
  | { readonly kind: 'event'; readonly input: Readonly<Record<string, unknown>> }
  | { readonly kind: 'error'; readonly error: SentinelaError };

export interface Decoder {
  readonly format: string;
  /**
   * `ref` identifies the record in its source (Kafka offset, line number). A correlating decoder (Kamailio/
   * OpenSIPS accounting: INVITE now, BYE later) may return nothing yet and hold the record.
   */
  decode(payload: Uint8Array | string, ref: number): Decoded[];
  /** Smallest `ref` still held for correlation: a consumer must not commit past it. Undefined: nothing held. */
  oldestHeld?(): number | undefined;
  /** Emits held records whose partner never came (e.g. an answered INVITE older than `olderThan`, epoch ms). */
  expire?(olderThan: number): Decoded[];
  /** Emits everything still held (end of a file). */
  drain?(): Decoded[];
  /**
   * Security-event sources: records recognised as irrelevant (Asterisk ChallengeSent, a FreeSWITCH challenge) that
   * yielded nothing, since the decoder was made. With the events and EVENT_UNRECOGNISED errors it yields, this
   * gives a source's match rate.
   */
  skipped?(): number;
}

/** What every decoder needs to know about the source: the zone of wall-clock times without offset (A12). */
export interface DecoderOptions {
  readonly timeZone: string;
  /** Text encoding of the payload: exporters configured for ISO-8859-1 exist (Asterisk CLIDs). */
  readonly encoding: 'utf8' | 'latin1';
  /** Tenant written into every CDR from this source (formats without a tenant field). */
  readonly tenant: string;
}
