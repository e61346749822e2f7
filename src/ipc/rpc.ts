import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { SentinelaError, type ErrorCode, ErrorCodes } from '../errors.js';

/**
 * Calls between the API process and its pipeline child over the IPC channel (structured clone: Buffers and
 * Maps pass as they are). Errors keep their code, so HTTP statuses stay right across the process boundary.
 */
export type ChildMessage =
  | { readonly type: 'reply'; readonly id: string; readonly ok: true; readonly value: unknown }
  | { readonly type: 'reply'; readonly id: string; readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly path?: string }
  | { readonly type: 'event'; readonly name: string; readonly value: unknown };

/** `abortable`: the method takes an AbortSignal after `args`, aborted by a later `abort` of the same id. */
export type ParentMessage =
  | { readonly type: 'call'; readonly id: string; readonly method: string; readonly args: readonly unknown[]; readonly abortable?: boolean }
  | { readonly type: 'abort'; readonly id: string }
  | { readonly type: 'stop' };

export class RpcClient {
  private readonly waiting = new Map<string, { method: string; resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  /** `gone` makes the error of a call the child cannot answer (not running, or died before replying). */
  constructor(
    private readonly child: ChildProcess,
    onEvent: (name: string, value: unknown) => void,
    private readonly gone: (method: string, why: string) => SentinelaError = (_m, why) => new SentinelaError('STORE_UNAVAILABLE', `pipeline process ${why}`),
  ) {
    child.on('message', (raw) => {
      const m = raw as ChildMessage;
      if (m.type === 'event') return onEvent(m.name, m.value);
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.ok) w.resolve(m.value);
      else w.reject(new SentinelaError(m.code in ErrorCodes ? m.code : 'INTERNAL', m.message, m.path ? { path: m.path } : {}));
    });
    child.on('exit', (code, signal) => {
      for (const w of this.waiting.values()) w.reject(this.gone(w.method, `exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  call<T>(method: string, ...args: unknown[]): Promise<T> {
    return this.send<T>(method, args);
  }

  /** A call the child stops when `signal` aborts (the method gets a signal of its own after `args`). */
  callAbortable<T>(method: string, signal: AbortSignal | undefined, ...args: unknown[]): Promise<T> {
    if (!signal) return this.send<T>(method, args);
    const id = randomUUID();
    const abort = () => {
      if (this.child.connected) this.child.send({ type: 'abort', id } satisfies ParentMessage, () => {}); // a closed channel: the call fails anyway
    };
    signal.addEventListener('abort', abort, { once: true });
    const reply = this.send<T>(method, args, id).finally(() => signal.removeEventListener('abort', abort));
    if (signal.aborted) abort(); // after the call: the channel keeps the order
    return reply;
  }

  private send<T>(method: string, args: readonly unknown[], abortable?: string): Promise<T> {
    if (!this.child.connected) return Promise.reject(this.gone(method, 'is not running'));
    const id = abortable ?? randomUUID();
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { method, resolve: resolve as (v: unknown) => void, reject });
      const call: ParentMessage = { type: 'call', id, method, args, ...(abortable ? { abortable: true } : {}) };
      // the channel can close between the check above and this send: the callback hears it
      this.child.send(call, (err) => {
        if (!err || !this.waiting.delete(id)) return;
        reject(this.gone(method, 'is not running'));
      });
    });
  }
}

/** Child side: serves `object.method` calls from the parent. */
export function serveRpc(handlers: Readonly<Record<string, object>>, send: (m: ChildMessage) => void): (m: ParentMessage) => void {
  const running = new Map<string, AbortController>();
  return (m) => {
    if (m.type === 'abort') return void running.get(m.id)?.abort();
    if (m.type !== 'call') return;
    const args = [...m.args];
    if (m.abortable) {
      const controller = new AbortController();
      running.set(m.id, controller);
      args.push(controller.signal);
    }
    const [prefix = '', method = ''] = m.method.split('.');
    const target = handlers[prefix] as Record<string, unknown> | undefined;
    const fn = target?.[method];
    const reply = (p: Promise<unknown>) =>
      p
        .finally(() => running.delete(m.id))
        .then(
          (value) => send({ type: 'reply', id: m.id, ok: true, value }),
          (err: unknown) => {
            const e = err instanceof SentinelaError ? err : new SentinelaError('INTERNAL', (err as Error)?.message ?? String(err));
            send({ type: 'reply', id: m.id, ok: false, code: e.code, message: e.message, ...(e.details.path ? { path: e.details.path } : {}) });
          },
        );
    if (typeof fn !== 'function') return void reply(Promise.reject(new SentinelaError('INTERNAL', `no RPC method ${m.method}`)));
    void reply(Promise.resolve().then(() => (fn as (...a: unknown[]) => unknown).apply(target, args)));
  };
}
