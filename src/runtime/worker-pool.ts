/** The work queue operations the workers use (the de-duplicating, rate-limited queue). */
export interface WorkSource {
  /** Next key, or undefined once the queue is shut down and drained. */
  get(): Promise<string | undefined>;
  done(key: string): void;
  /** Clears the per-key failure backoff after a success. */
  forget(key: string): void;
  /** Re-queues after a failure with per-key exponential backoff. */
  addRateLimited(key: string): void;
}

/**
 * Runs `count` workers that take keys from the queue and reconcile them one at a time per key (the
 * queue never hands out a key that is being processed). Resolves when the queue is shut down and every
 * worker has finished its current key.
 */
export async function runWorkers(options: {
  readonly queue: WorkSource;
  readonly count: number;
  readonly reconcile: (key: string) => Promise<void>;
  readonly onError: (key: string, err: unknown) => void;
}): Promise<void> {
  const worker = async (): Promise<void> => {
    for (;;) {
      const key = await options.queue.get();
      if (key === undefined) return;
      try {
        await options.reconcile(key);
        options.queue.forget(key);
      } catch (err) {
        options.onError(key, err);
        options.queue.addRateLimited(key);
      } finally {
        options.queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.count) }, () => worker()));
}
