import { setTimeout as delay } from "node:timers/promises";

/** Time, as the collector sees it: wall time for sample times, monotonic time for rates, and waiting. */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Milliseconds from an arbitrary origin that never goes backwards. */
  monotonic(): number;
  /** Resolves after `milliseconds`, or as soon as `signal` aborts (never rejects). */
  sleep(milliseconds: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock: `Date.now`, `performance.now` and timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  async sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return;
    try {
      await delay(Math.max(0, milliseconds), undefined, signal ? { signal } : undefined);
    } catch {
      // Aborted: the caller checks the signal.
    }
  },
};
