import type { Clock } from "./clock.js";
import { fromAwsError, isThrottlingError } from "./errors.js";
import type { RunCommandSettings, RunStats } from "./run-command-options.js";

/** Thrown inside a run once it is stopped (deadline or signal); `runCommand` turns it into a coded error. */
export class Stopped extends Error {}

/**
 * One run's pacing and stopping: the overall deadline and the caller's signal both stop it, every
 * wait ends early when it stops, and AWS calls wait out throttling left over after the SDK's retries.
 */
export class CommandRun {
  readonly stats: RunStats = { polls: 0, races: 0, throttled: 0 };
  readonly poll: RunCommandSettings["poll"];
  private readonly clock: Clock;
  private readonly signal: AbortSignal | undefined;
  private readonly stop = new AbortController();
  private readonly deadline: number;
  private readonly deadlineTimer: ReturnType<typeof setTimeout>;
  private readonly onAbort = () => this.stop.abort();

  constructor(settings: RunCommandSettings, clock: Clock, signal: AbortSignal | undefined) {
    this.poll = settings.poll;
    this.clock = clock;
    this.signal = signal;
    this.deadline = clock.now() + settings.deadlineMs;
    signal?.addEventListener("abort", this.onAbort, { once: true });
    this.deadlineTimer = setTimeout(() => this.stop.abort(), settings.deadlineMs);
    if (signal?.aborted) this.stop.abort();
  }

  /** Whether the deadline passed, the signal fired or {@link stopAll} was called. */
  get stopped(): boolean {
    return this.stop.signal.aborted;
  }

  /** Ends every wait and poll loop of the run. */
  stopAll(): void {
    this.stop.abort();
  }

  /** Why the run stopped: the caller's signal, or else the deadline. */
  stopReason(): "aborted" | "deadline" {
    return this.signal?.aborted ? "aborted" : "deadline";
  }

  /** Waits `ms`, no later than the deadline; throws {@link Stopped} once the run stops. */
  async pause(ms: number): Promise<void> {
    if (this.stopped) throw new Stopped();
    try {
      await this.clock.sleep(Math.max(0, Math.min(ms, this.deadline - this.clock.now())), this.stop.signal);
    } catch {
      throw new Stopped();
    }
    if (this.stopped) throw new Stopped();
  }

  /** Calls AWS; throttling that survived the SDK's retries is waited out here, other errors are coded. */
  async call<T>(action: string, request: () => Promise<T>): Promise<T> {
    let delay = this.poll.initialDelayMs;
    for (;;) {
      if (this.stopped) throw new Stopped();
      try {
        return await request();
      } catch (error) {
        if (this.stopped) throw new Stopped();
        if (!isThrottlingError(error)) throw fromAwsError(error, action);
        this.stats.throttled += 1;
        await this.pause(delay);
        delay = Math.min(delay * 2, this.poll.maxDelayMs);
      }
    }
  }

  /** Releases the deadline timer and the signal's listener. */
  dispose(): void {
    clearTimeout(this.deadlineTimer);
    this.signal?.removeEventListener("abort", this.onAbort);
  }
}
