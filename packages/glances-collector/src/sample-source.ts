import type { Clock } from "./clock.js";
import type { CollectorEvent, MetricsSource } from "./metric-sample.js";

/** What a source gets to run. */
export interface SourceContext {
  /** Seconds between samples. */
  interval: number;
  clock: Clock;
  /** Aborted when the collector stops. */
  signal: AbortSignal;
  emit(event: CollectorEvent): void;
}

/** What a source learns when it opens. */
export interface SourceInfo {
  sourceVersion: string;
  /** The monitored host's name, when the source knows it (Glances' `system` plugin). */
  host?: string;
}

/** A producer of samples: the native reader, spawned Glances, or a Glances REST server. */
export interface SampleSource {
  readonly kind: MetricsSource;
  /** Checks inputs and prepares (first readings, spawning Glances); throws coded errors. */
  open(context: SourceContext): Promise<SourceInfo>;
  /** Emits events until `context.signal` aborts; throws when the source fails. */
  run(context: SourceContext): Promise<void>;
  /** Releases what `open` took (child processes, temporary files). Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Sleeps until the next multiple of the interval after `origin` (monotonic ms) that is later than
 * `previousTick`, skipping ticks already missed; returns that tick's number.
 */
export async function waitForNextTick(
  context: SourceContext,
  origin: number,
  previousTick: number,
): Promise<number> {
  const intervalMs = context.interval * 1000;
  const tick = Math.max(previousTick + 1, Math.floor((context.clock.monotonic() - origin) / intervalMs) + 1);
  const wait = origin + tick * intervalMs - context.clock.monotonic();
  if (wait > 0) await context.clock.sleep(wait, context.signal);
  return tick;
}
