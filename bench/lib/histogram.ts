/**
 * Latency histogram with 0.1 ms buckets up to 60 s: constant memory however
 * many deliveries a run counts, and mergeable across worker processes.
 */
const BUCKET_MS = 0.1;
const BUCKETS = 600_000;

/** A histogram as sent between processes: only the non-empty buckets. */
export type SparseHistogram = { buckets: [index: number, count: number][]; count: number; maxMs: number };

export class Histogram {
  private counts = new Uint32Array(BUCKETS + 1);
  count = 0;
  maxMs = 0;

  record(ms: number): void {
    const i = Math.min(BUCKETS, Math.max(0, Math.floor(ms / BUCKET_MS)));
    this.counts[i]!++;
    this.count++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  add(other: SparseHistogram): void {
    for (const [i, c] of other.buckets) this.counts[i]! += c;
    this.count += other.count;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  toSparse(): SparseHistogram {
    const buckets: [number, number][] = [];
    for (let i = 0; i <= BUCKETS; i++) if (this.counts[i]) buckets.push([i, this.counts[i]!]);
    return { buckets, count: this.count, maxMs: this.maxMs };
  }

  reset(): void {
    this.counts.fill(0);
    this.count = 0;
    this.maxMs = 0;
  }

  /** The smallest latency (bucket's upper edge) that `p` of the samples do not exceed; NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(this.count * p));
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min((i + 1) * BUCKET_MS, this.maxMs);
    }
    return this.maxMs;
  }
}

/** The monotonic clock in microseconds: one clock for every process on the machine. */
export const nowMicros = (): number => Number(process.hrtime.bigint() / 1000n);
