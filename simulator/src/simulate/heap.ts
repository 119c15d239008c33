/**
 * A binary min-heap ordered by a numeric key, ties broken by insertion order, so the simulator's
 * output order is fully determined by the seed (no dependence on how a sort treats ties).
 *
 * The simulator keeps two: actors by their next wake-up time, and emitted requests by delivery
 * time (event time plus jitter) until no later actor can emit anything earlier.
 */

interface Entry<T> {
  key: number;
  seq: number;
  value: T;
}

export class MinHeap<T> {
  private readonly items: Entry<T>[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** Key of the smallest entry; +Infinity when empty. */
  peekKey(): number {
    return this.items.length === 0 ? Number.POSITIVE_INFINITY : (this.items[0] as Entry<T>).key;
  }

  push(key: number, value: T): void {
    const items = this.items;
    const entry: Entry<T> = { key, seq: this.seq++, value };
    let i = items.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const above = items[parent] as Entry<T>;
      if (!before(entry, above)) break;
      items[i] = above;
      i = parent;
    }
    items[i] = entry;
  }

  /** Removes and returns the smallest value; throws when empty. */
  pop(): T {
    const items = this.items;
    const top = items[0];
    if (top === undefined) throw new RangeError('pop from an empty heap');
    const last = items.pop() as Entry<T>;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= n) break;
        const right = left + 1;
        const child = right < n && before(items[right] as Entry<T>, items[left] as Entry<T>) ? right : left;
        if (!before(items[child] as Entry<T>, last)) break;
        items[i] = items[child] as Entry<T>;
        i = child;
      }
      items[i] = last;
    }
    return top.value;
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq);
}
