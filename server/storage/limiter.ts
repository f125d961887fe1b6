/**
 * Bounds concurrent storage calls and sheds load: a call that cannot start
 * within `maxWaitMs` is refused instead of queued further, so a slow database
 * is not buried under work whose clients have already given up.
 */
export class QueueTimeoutError extends Error {
  override name = "QueueTimeoutError";
}

export class Limiter {
  private active = 0;
  private readonly queue: { start: () => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxWaitMs: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrent) await this.wait();
    this.active++;
    try {
      return await task();
    } finally {
      this.active--;
      this.queue.shift()?.start();
    }
  }

  private wait(): Promise<void> {
    return new Promise((resolve, reject) => {
      const entry = {
        start: () => {
          clearTimeout(entry.timer);
          resolve();
        },
        timer: setTimeout(() => {
          this.queue.splice(this.queue.indexOf(entry), 1);
          reject(new QueueTimeoutError(`storage busy for ${this.maxWaitMs} ms`));
        }, this.maxWaitMs),
      };
      this.queue.push(entry);
    });
  }
}
