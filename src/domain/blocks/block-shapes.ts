import type { BlockScope } from '../rules/spec.js';
import type { Block, Throttle } from './block.js';

/** What many blocks share (a rule's blocks mostly share all of it): held once per distinct combination. */
export interface Shape {
  readonly rule: string;
  readonly reason: string;
  readonly level: number;
  readonly scope: BlockScope;
  readonly throttle: Throttle | undefined;
  readonly source: Block['source'];
  readonly createdBy: string;
}

/** The fields of a block the table keeps, as a Block has them (a parser may pass one reused object). */
export type ShapeFields = Pick<Block, 'rule' | 'reason' | 'level' | 'scope' | 'throttle' | 'source' | 'createdBy'>;

/**
 * Interned shapes with reference counts, so a million blocks of a few rules hold a few shape objects, and a shape
 * no block uses any more is forgotten. Ids are small integers (the block table keeps them in a Uint32Array).
 */
export class ShapePool {
  private readonly shapes: (Shape | undefined)[] = [];
  private readonly refs: number[] = [];
  private readonly byKey = new Map<string, number>();
  private readonly freeIds: number[] = [];
  /** The last shape taken: consecutive blocks (a bootstrap, a rule's burst) mostly share it, no key needed. */
  private last = -1;

  get size(): number {
    return this.byKey.size;
  }

  get(id: number): Shape {
    return this.shapes[id] as Shape;
  }

  /** The id of these fields' shape, counted once more. */
  take(f: ShapeFields): number {
    const last = this.last >= 0 ? this.shapes[this.last] : undefined;
    if (last !== undefined && same(last, f)) {
      (this.refs[this.last] as number)++;
      return this.last;
    }
    const key = keyOf(f);
    let id = this.byKey.get(key);
    if (id === undefined) {
      id = this.freeIds.pop() ?? this.shapes.length;
      const throttle = f.throttle === undefined ? undefined : Object.freeze({ calls: f.throttle.calls, perMs: f.throttle.perMs });
      this.shapes[id] = Object.freeze({
        rule: f.rule,
        reason: f.reason,
        level: f.level,
        scope: f.scope,
        throttle,
        source: f.source,
        createdBy: f.createdBy,
      });
      this.refs[id] = 0;
      this.byKey.set(key, id);
    }
    (this.refs[id] as number)++;
    this.last = id;
    return id;
  }

  /** One block less uses this shape. */
  release(id: number): void {
    const n = (this.refs[id] as number) - 1;
    this.refs[id] = n;
    if (n > 0) return;
    this.byKey.delete(keyOf(this.shapes[id] as Shape));
    this.shapes[id] = undefined;
    this.freeIds.push(id);
    if (this.last === id) this.last = -1;
  }
}

const same = (s: Shape, f: ShapeFields): boolean =>
  s.rule === f.rule &&
  s.reason === f.reason &&
  s.level === f.level &&
  s.scope === f.scope &&
  s.source === f.source &&
  s.createdBy === f.createdBy &&
  s.throttle?.calls === f.throttle?.calls &&
  s.throttle?.perMs === f.throttle?.perMs;

const keyOf = (f: ShapeFields | Shape): string =>
  `${f.rule}\u0000${f.reason}\u0000${f.level}\u0000${f.scope}\u0000${f.source}\u0000${f.createdBy}\u0000${f.throttle?.calls ?? ''}\u0000${f.throttle?.perMs ?? ''}`;
