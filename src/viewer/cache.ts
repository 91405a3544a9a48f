/**
 * A least-recently-used cache bounded by the total size of its values, that also shares work in flight:
 * concurrent requests for the same key wait for one computation. Output notebooks are immutable, so keys
 * carry the source's ETag (and the renderer version) and entries never need invalidating.
 */
export class SizedCache<V> {
  private readonly entries = new Map<string, { value: V; size: number }>();
  private readonly pending = new Map<string, Promise<V>>();
  private total = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    this.entries.set(key, hit);
    return hit.value;
  }

  set(key: string, value: V): void {
    const size = this.sizeOf(value);
    const old = this.entries.get(key);
    if (old) {
      this.total -= old.size;
      this.entries.delete(key);
    }
    // A value larger than a quarter of the budget would evict everything else for one page.
    if (size > this.maxBytes / 4) return;
    this.entries.set(key, { value, size });
    this.total += size;
    for (const [k, e] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(k);
      this.total -= e.size;
    }
  }

  /** The cached value, or `compute()`'s (shared with concurrent callers, cached when it succeeds). */
  async getOrCompute(key: string, compute: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const inflight = this.pending.get(key);
    if (inflight) return inflight;
    const p = compute().then(
      (v) => {
        this.pending.delete(key);
        this.set(key, v);
        return v;
      },
      (err: unknown) => {
        this.pending.delete(key);
        throw err;
      },
    );
    this.pending.set(key, p);
    return p;
  }

  get bytes(): number {
    return this.total;
  }
}
