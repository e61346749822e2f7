import assert from 'node:assert/strict';

/** What one fault scenario did to the records it sent, counted from the sinks (never from the code under test). */
export interface Figures {
  /** Records offered (produced to Kafka or posted). */
  readonly sent: number;
  /** Records the system acknowledged: committed offsets caught up to them, or a 200 answer. */
  readonly acknowledged: number;
  /** Distinct records in ClickHouse at the end. */
  readonly stored: number;
  /** Stored rows beyond one per record, read without FINAL (before merges: stricter than a reader sees). */
  readonly duplicatesVisible: number;
  /** Acknowledged records missing from ClickHouse. */
  readonly lost: number;
}

/** Prints the scenario's one line of figures (the README quotes them) and asserts nothing acknowledged was lost or doubled. */
export function report(scenario: string, f: Figures, more = ''): void {
  console.log(
    `[faults] ${scenario}: sent ${f.sent} / acknowledged ${f.acknowledged} / stored ${f.stored} / duplicates visible ${f.duplicatesVisible} / lost ${f.lost}${more ? ` · ${more}` : ''}`,
  );
  assert.equal(f.lost, 0, `${scenario}: acknowledged records lost`);
  assert.equal(f.duplicatesVisible, 0, `${scenario}: duplicates visible`);
}

/** Figures from the ids sent, the ids acknowledged and the ids stored (one entry per stored row, repeats included). */
export function figuresOf(sent: Iterable<string>, acknowledged: Iterable<string>, storedRows: readonly string[]): Figures {
  const stored = new Set(storedRows);
  const acked = new Set(acknowledged);
  return {
    sent: new Set(sent).size,
    acknowledged: acked.size,
    stored: stored.size,
    duplicatesVisible: storedRows.length - stored.size,
    lost: [...acked].filter((id) => !stored.has(id)).length,
  };
}
