/**
 * `work`'s result, or `fallback` when `work` has not settled after `ms`.
 * The timer is cleared as soon as either happens, so nothing is left
 * pending; a rejection of `work` within `ms` is passed on.
 */
export async function within<T, F>(work: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<F>((resolve) => (timer = setTimeout(resolve, ms, fallback)))]);
  } finally {
    clearTimeout(timer);
  }
}
