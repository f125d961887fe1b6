/**
 * Writes items in batches, one batch at a time: an item pushed while the
 * queue is idle goes out at the end of the current event-loop turn with
 * everything else pushed in that turn; items pushed while a batch is in
 * flight wait and go together in the next one (at most `max` each). A lone
 * item waits for nothing but the end of its turn, and under load a batch grows
 * with the load: one round trip and one commit serve many items.
 *
 * With `gapMs`, a batch starts no sooner than that after the one before it
 * started, so that a fast database, which would otherwise take the items one
 * or two at a time, gets them in batches worth the round trip. That adds at
 * most `gapMs` to an item's wait, and nothing to an item that comes after a
 * quiet spell of at least `gapMs`.
 *
 * Batches are written in the order their items were pushed, never two at once.
 *
 * @example
 * const inserts = new BatchQueue<Doc, void>((docs) => insertAll(docs), 256, 4);
 * await inserts.push(doc); // settles with this document's own outcome
 */
export class BatchQueue<T, R> {
  private waiting: { item: T; resolve: (value: R) => void; reject: (reason: unknown) => void }[] = [];
  /** A batch is in flight or scheduled. */
  private busy = false;
  /** When the last batch started (performance.now()). */
  private lastStart = -Infinity;

  /**
   * @param write writes a batch; answers one outcome per item, in order (an
   *   item's own failure rejects only that item), or throws to fail them all
   * @param max the most items in one batch
   * @param gapMs the shortest time from one batch's start to the next one's
   */
  constructor(
    private readonly write: (items: T[]) => Promise<PromiseSettledResult<R>[]>,
    private readonly max: number,
    private readonly gapMs = 0,
  ) {
    if (!(Number.isInteger(max) && max > 0)) throw new Error(`a batch holds at least one item, not ${max}`);
    if (!(gapMs >= 0)) throw new Error(`the gap between batches is a duration, not ${gapMs}`);
  }

  /** Queues `item`; settles with its outcome once the batch it went in is written. */
  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.busy) {
        this.busy = true;
        this.schedule();
      }
    });
  }

  /** Items waiting for a batch (not those in flight). */
  get pending(): number {
    return this.waiting.length;
  }

  /** The next batch: at the end of this turn, or once `gapMs` have passed since the last one started. */
  private schedule(): void {
    const wait = this.lastStart + this.gapMs - performance.now();
    if (wait > 0) setTimeout(() => void this.writeNext(), wait);
    else setImmediate(() => void this.writeNext());
  }

  private async writeNext(): Promise<void> {
    const batch = this.waiting.splice(0, this.max);
    this.lastStart = performance.now();
    try {
      const outcomes = await this.write(batch.map((entry) => entry.item));
      batch.forEach((entry, i) => {
        const outcome = outcomes[i];
        if (outcome?.status === "fulfilled") entry.resolve(outcome.value);
        else entry.reject(outcome ? outcome.reason : new Error(`a batch of ${batch.length} answered ${outcomes.length} outcomes`));
      });
    } catch (err) {
      for (const entry of batch) entry.reject(err);
    }
    if (this.waiting.length > 0) this.schedule();
    else this.busy = false;
  }
}
