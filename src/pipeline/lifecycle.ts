/**
 * The pipeline's states, explicit: what a source may do in each is read from the state, never from flags.
 *
 *   starting ──▶ rebuilding ──▶ running ◀──▶ degraded (the store fails; a rebuild may be pending)
 *        └──────────┴─────────────┴─────────────┴──▶ stopping ──▶ stopped
 */
export type PipelineState =
  | { readonly name: 'starting' }
  | { readonly name: 'rebuilding' }
  | { readonly name: 'running' }
  | { readonly name: 'degraded'; readonly error: string; readonly rebuildPending: boolean }
  | { readonly name: 'stopping' }
  | { readonly name: 'stopped' };

export type StateName = PipelineState['name'];

const NEXT: Readonly<Record<StateName, readonly StateName[]>> = {
  starting: ['rebuilding', 'running', 'degraded', 'stopping'],
  rebuilding: ['rebuilding', 'running', 'degraded', 'stopping'],
  running: ['rebuilding', 'degraded', 'stopping'],
  degraded: ['degraded', 'rebuilding', 'running', 'stopping'],
  stopping: ['stopped'],
  stopped: [],
};

export interface PipelineHealth {
  readonly ready: boolean;
  readonly degraded: boolean;
  readonly reason: string;
}

export class Lifecycle {
  private current: PipelineState = { name: 'starting' };

  constructor(private readonly changed: (state: PipelineState, previous: PipelineState) => void = () => {}) {}

  get state(): PipelineState {
    return this.current;
  }

  is(...names: StateName[]): boolean {
    return names.includes(this.current.name);
  }

  /** Moves to `next`; a move the diagram does not allow is a bug and throws. Returns false when stopping already. */
  to(next: PipelineState): boolean {
    const from = this.current;
    if (from.name === 'stopping' || from.name === 'stopped') {
      if (next.name !== 'stopped') return false;
    }
    if (!NEXT[from.name].includes(next.name)) throw new Error(`pipeline state ${from.name} cannot become ${next.name}`);
    this.current = next;
    this.changed(next, from);
    return true;
  }

  health(): PipelineHealth {
    const s = this.current;
    switch (s.name) {
      case 'running':
        return { ready: true, degraded: false, reason: 'ok' };
      case 'degraded':
        return { ready: false, degraded: true, reason: `degraded: ${s.error}` };
      case 'starting':
        return { ready: false, degraded: false, reason: 'not started yet' };
      case 'rebuilding':
        return { ready: false, degraded: false, reason: 'rebuilding rule state' };
      case 'stopping':
      case 'stopped':
        return { ready: false, degraded: false, reason: s.name };
    }
  }
}
