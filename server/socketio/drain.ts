/**
 * Tracks handlers in flight so that a shutdown can let them finish — and
 * their acks reach the clients — before connections are closed.
 */
export class Drain {
  /** Set when shutdown starts: new requests are refused with UNAVAILABLE. */
  draining = false;
  private inflight = 0;
  private waiters: (() => void)[] = [];

  track<T>(work: Promise<T>): Promise<T> {
    this.inflight++;
    return work.finally(() => {
      if (--this.inflight === 0) for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /** Resolves true once nothing is in flight, or false when `timeoutMs` passes first. */
  idle(timeoutMs: number): Promise<boolean> {
    if (this.inflight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }
}
