import type { Verdict } from '../../domain/engine/verdicts.js';
import { verdictKey } from '../../domain/engine/verdicts.js';
import { verdictJson } from '../../domain/engine/verdict-json.js';
import { callEndJson, callEndsOf, type CallEnd } from '../../domain/live/call-end.js';
import type { BatchSink, OutMessage, Publisher, Rejected } from '../../pipeline/ports.js';

export interface OutTopics {
  readonly blocks: string;
  readonly alerts: string;
  readonly dlq: string;
  /** Compact call-ended records for the API replicas' live concurrent calls (issue 16); unset: none published. */
  readonly calls?: string | undefined;
}

/** A verdict as a message of the alerts or blocks topic: the one wire form, keyed so one block's states stay in order. */
export function verdictMessage(topics: Pick<OutTopics, 'alerts' | 'blocks'>, v: Verdict): OutMessage {
  const headers = v.kind === 'alert' ? { kind: 'alert', severity: v.severity } : { kind: 'block', state: v.state, source: v.source };
  return { topic: v.kind === 'alert' ? topics.alerts : topics.blocks, key: verdictKey(v), value: verdictJson(v), headers };
}

/** A refused record on the dead-letter topic: its original bytes, and the reason and origin in headers. */
export function deadLetterMessage(topic: string, r: Rejected): OutMessage {
  return {
    topic,
    key: r.key,
    value: r.payload,
    headers: {
      'error-code': r.code,
      'error-message': r.message.slice(0, 2000),
      'error-path': r.path,
      'source-topic': r.source.topic,
      'source-partition': String(r.source.partition),
      'source-offset': String(r.source.offset),
      format: r.source.format,
    },
  };
}

/** A call that ended, on the call-ends topic, keyed by tenant (one tenant's ends stay in order). */
export function callEndMessage(topic: string, e: CallEnd): OutMessage {
  return { topic, key: e.tenant, value: callEndJson(e) };
}

/** The Kafka sink of a batch: dead letters, alerts and blocks (and call ends), acknowledged by all in-sync replicas. */
export function kafkaSink(publisher: Publisher, topics: OutTopics): BatchSink {
  const calls = topics.calls;
  return (batch) =>
    publisher.send([
      ...batch.rejected.map((r) => deadLetterMessage(topics.dlq, r)),
      ...batch.verdicts.map((v) => verdictMessage(topics, v)),
      ...(calls === undefined ? [] : callEndsOf(batch.cdrs).map((e) => callEndMessage(calls, e))),
    ]);
}
