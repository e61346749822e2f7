// A child process serving RPC for test/ipc/rpc.test.ts: the real channel, the real serveRpc.
import { SentinelaError } from '../../src/errors.js';
import { serveRpc, type ParentMessage } from '../../src/ipc/rpc.js';

const serve = serveRpc(
  {
    work: {
      /** Runs until its call is aborted (maybe before it started: the abort can come in the same read), then fails as an aborted comparison does. */
      untilAborted: (label: string, signal: AbortSignal) =>
        new Promise((_resolve, reject) => {
          const stop = () => reject(new SentinelaError('COMPARE_ABORTED', `${label} stopped`));
          if (signal.aborted) stop();
          else signal.addEventListener('abort', stop);
        }),
      /** What it was given: a plain call passes no signal. */
      args: (...args: unknown[]) => args.map((a) => (a instanceof AbortSignal ? 'signal' : a)),
    },
  },
  (m) => process.send?.(m),
);
process.on('message', (m: ParentMessage) => (m.type === 'stop' ? process.exit(0) : serve(m)));
process.send?.({ type: 'event', name: 'ready', value: null }); // a message sent before the listener above would be lost
