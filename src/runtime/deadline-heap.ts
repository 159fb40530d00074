/** One entry of a {@link DeadlineHeap}: a key due at `dueAtMs`. */
export interface Deadline {
  readonly key: string;
  readonly dueAtMs: number;
}

/**
 * A binary min-heap of deadlines, earliest first; ties keep insertion order. It holds no timers: its owner
 * arms one timer for the earliest entry, so a hundred thousand waiting keys cost one timer, not one each
 * (Node's timer lists grow super-linearly with distinct durations: 1.8 s to arm 100,000 of them).
 * Entries are never removed from the middle; owners skip stale ones when they pop them.
 */
export class DeadlineHeap {
  #entries: (Deadline & { readonly seq: number })[] = [];
  #seq = 0;

  get size(): number {
    return this.#entries.length;
  }

  /** The earliest entry, or `undefined` when empty. */
  peek(): Deadline | undefined {
    return this.#entries[0];
  }

  push(key: string, dueAtMs: number): void {
    const entries = this.#entries;
    entries.push({ key, dueAtMs, seq: this.#seq++ });
    let index = entries.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#before(index, parent)) break;
      this.#swap(index, parent);
      index = parent;
    }
  }

  /** Removes and returns the earliest entry. */
  pop(): Deadline | undefined {
    const entries = this.#entries;
    const top = entries[0];
    const last = entries.pop();
    if (top === undefined || last === undefined || entries.length === 0) return top;
    entries[0] = last;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < entries.length && this.#before(left, smallest)) smallest = left;
      if (right < entries.length && this.#before(right, smallest)) smallest = right;
      if (smallest === index) return top;
      this.#swap(index, smallest);
      index = smallest;
    }
  }

  /** Keeps only the entries `keep` accepts (compaction of stale entries), in O(n log n). */
  retain(keep: (entry: Deadline) => boolean): void {
    const kept = this.#entries.filter(keep);
    kept.sort((a, b) => a.dueAtMs - b.dueAtMs || a.seq - b.seq);
    this.#entries = kept; // a sorted array is a valid heap
  }

  /** Drops every entry. */
  clear(): void {
    this.#entries = [];
  }

  #before(a: number, b: number): boolean {
    const x = this.#entries[a];
    const y = this.#entries[b];
    if (x === undefined || y === undefined) return false;
    return x.dueAtMs < y.dueAtMs || (x.dueAtMs === y.dueAtMs && x.seq < y.seq);
  }

  #swap(a: number, b: number): void {
    const entries = this.#entries;
    const x = entries[a];
    const y = entries[b];
    if (x === undefined || y === undefined) return;
    entries[a] = y;
    entries[b] = x;
  }
}
