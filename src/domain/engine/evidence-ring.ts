/**
 * The ids of the most recent CDRs, addressed by the engine's arrival sequence number. Windows keep only
 * (event time, sequence) pairs per key, so a key costs a few dozen bytes whatever its CDR ids look like; an
 * alert resolves its evidence here. CDRs older than the ring's capacity appear in counts but not as ids.
 */
export class EvidenceRing {
  private readonly ids: (string | undefined)[];
  private next = 0;

  constructor(readonly capacity = 1 << 18) {
    this.ids = new Array<string | undefined>(capacity).fill(undefined);
  }

  /** Stores an id and returns its sequence number. */
  push(id: string): number {
    const seq = this.next++;
    this.ids[seq % this.capacity] = id;
    return seq;
  }

  /** The id stored under `seq`, or undefined when it has been overwritten since. */
  get(seq: number): string | undefined {
    if (seq < 0 || seq >= this.next || seq < this.next - this.capacity) return undefined;
    return this.ids[seq % this.capacity];
  }

  /** The ids still stored of `seqs` (an alert's evidence), in one array. */
  readonly idsOf = (seqs: readonly number[]): string[] => {
    const out: string[] = [];
    for (let i = 0; i < seqs.length; i++) {
      const id = this.get(seqs[i] as number);
      if (id !== undefined) out.push(id);
    }
    return out;
  };
}
