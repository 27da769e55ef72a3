import type { Writable } from "node:stream";
import type { OutputMode } from "./sizer-options.js";

/** The phases of a run, in order. */
export type Phase =
  | "starting-service"
  | "warming-up"
  | "ramping"
  | "holding"
  | "analysing"
  | "stopping"
  | "done";

const PHASE_LABELS: Record<Phase, string> = {
  "starting-service": "starting the service",
  "warming-up": "warming up",
  ramping: "ramping up",
  holding: "holding the load",
  analysing: "analysing",
  stopping: "stopping",
  done: "done",
};

/** The live figures of one second of the run. */
export interface ProgressSnapshot {
  phase: Phase;
  elapsedSeconds: number;
  /** An estimate of the time left, when one can be made. */
  remainingSeconds?: number | undefined;
  workers: number;
  totalWorkers: number;
  /**
   * The arrival-rate model: the second's target rate, its achieved rate and the ramp's top target,
   * scenario runs per second (then `totalWorkers` is only the pool's bound, not shown).
   */
  rate?: { target: number; achieved: number; to: number } | undefined;
  /** HTTP requests per second over the last second. */
  throughput: number;
  /** Percent of failed scenario runs over the last second. */
  errorRatio: number;
  p95Ms: number;
  serviceCpuPercent?: number | undefined;
  serviceRssBytes?: number | undefined;
  hostCpuPercent?: number | undefined;
}

function duration(seconds: number): string {
  const rounded = Math.max(0, Math.round(seconds));
  const minutes = Math.floor(rounded / 60);
  return minutes > 0 ? `${minutes}m${String(rounded % 60).padStart(2, "0")}s` : `${rounded}s`;
}

function bytes(value: number): string {
  if (value >= 1024 ** 3) return `${(value / 1024 ** 3).toFixed(2)} GiB`;
  return `${(value / 1024 ** 2).toFixed(0)} MiB`;
}

/** "ramping up 40/200 workers", or in the arrival-rate model "ramping up target 120/300 runs/s, achieved 118 runs/s, 9 workers". */
function loadText(snapshot: ProgressSnapshot): string {
  const rate = snapshot.rate;
  if (rate === undefined)
    return `${PHASE_LABELS[snapshot.phase]} ${snapshot.workers}/${snapshot.totalWorkers} workers`;
  return `${PHASE_LABELS[snapshot.phase]} target ${Math.round(rate.target)}/${Math.round(rate.to)} runs/s, achieved ${Math.round(rate.achieved)} runs/s, ${snapshot.workers} workers`;
}

/**
 * One line of live figures, e.g. `ramping up 40/200 workers | 1234 req/s | errors 0.0% | ...`; in
 * the arrival-rate model the target and achieved rates lead instead of the pool's bound.
 */
export function formatSnapshot(snapshot: ProgressSnapshot): string {
  const parts = [
    loadText(snapshot),
    `${Math.round(snapshot.throughput)} req/s`,
    `errors ${snapshot.errorRatio.toFixed(1)}%`,
    `p95 ${snapshot.p95Ms.toFixed(1)} ms`,
  ];
  if (snapshot.serviceCpuPercent !== undefined)
    parts.push(`service CPU ${Math.round(snapshot.serviceCpuPercent)}%`);
  if (snapshot.serviceRssBytes !== undefined) parts.push(`RSS ${bytes(snapshot.serviceRssBytes)}`);
  if (snapshot.hostCpuPercent !== undefined) parts.push(`host CPU ${Math.round(snapshot.hostCpuPercent)}%`);
  const time = `elapsed ${duration(snapshot.elapsedSeconds)}${snapshot.remainingSeconds !== undefined ? `, ~${duration(snapshot.remainingSeconds)} left at most` : ""}`;
  parts.push(time);
  return parts.join(" | ");
}

/** Options of {@link ProgressReporter}. */
export interface ProgressReporterOptions {
  mode: OutputMode;
  stdout: Writable;
  stderr: Writable;
  /** Rewrite one status line (a terminal) instead of printing periodic lines (default: `stdout.isTTY`). */
  tty?: boolean;
  /** Seconds between status lines when not on a terminal (default 5). */
  plainEvery?: number;
  now?: () => number;
}

/**
 * What a person (or a CI job) sees while sizer runs: phases, live numbers, elapsed and remaining
 * time. `human` writes lines (a rewritten status line on a terminal), `json` writes one JSON event
 * per line on stdout, `quiet` writes nothing but warnings and errors (on stderr).
 */
export class ProgressReporter {
  private readonly options: Required<Omit<ProgressReporterOptions, "now">> & { now: () => number };
  private lineOpen = false;
  private lastPlainAt = Number.NEGATIVE_INFINITY;
  private currentPhase: Phase | undefined;

  constructor(options: ProgressReporterOptions) {
    this.options = {
      tty: (options.stdout as { isTTY?: boolean }).isTTY === true,
      plainEvery: 5,
      now: Date.now,
      ...options,
    };
  }

  private closeLine(): void {
    if (this.lineOpen) {
      this.options.stdout.write("\n");
      this.lineOpen = false;
    }
  }

  private event(name: string, fields: Record<string, unknown>): void {
    this.options.stdout.write(
      `${JSON.stringify({ event: name, time: new Date(this.options.now()).toISOString(), ...fields })}\n`,
    );
  }

  /** Announces a new phase (printed once). */
  phase(phase: Phase, detail?: string): void {
    if (phase === this.currentPhase && detail === undefined) return;
    this.currentPhase = phase;
    if (this.options.mode === "json") {
      this.event("phase", { phase, detail });
      return;
    }
    if (this.options.mode === "quiet") return;
    this.closeLine();
    this.options.stdout.write(`» ${PHASE_LABELS[phase]}${detail ? `: ${detail}` : ""}\n`);
  }

  /** A fact worth a line of its own (where the report goes, how cores were split...). */
  info(message: string): void {
    if (this.options.mode === "json") {
      this.event("info", { message });
      return;
    }
    if (this.options.mode === "quiet") return;
    this.closeLine();
    this.options.stdout.write(`  ${message}\n`);
  }

  /** A warning: always shown (stderr in human and quiet modes). */
  warn(message: string): void {
    if (this.options.mode === "json") {
      this.event("warning", { message });
      return;
    }
    this.closeLine();
    this.options.stderr.write(`warning: ${message}\n`);
  }

  /** The live figures of one second. */
  update(snapshot: ProgressSnapshot): void {
    if (snapshot.phase !== this.currentPhase) this.phase(snapshot.phase);
    if (this.options.mode === "json") {
      this.event("progress", { ...snapshot });
      return;
    }
    if (this.options.mode === "quiet") return;
    const line = formatSnapshot(snapshot);
    if (this.options.tty) {
      this.options.stdout.write(`\r\x1b[K${line}`);
      this.lineOpen = true;
      return;
    }
    if (snapshot.elapsedSeconds - this.lastPlainAt >= this.options.plainEvery) {
      this.lastPlainAt = snapshot.elapsedSeconds;
      this.options.stdout.write(`  ${line}\n`);
    }
  }

  /** The closing lines: the verdict, as text (human) or as an event (json). */
  verdict(text: string, fields: Record<string, unknown>): void {
    if (this.options.mode === "json") {
      this.event("verdict", fields);
      return;
    }
    if (this.options.mode === "quiet") return;
    this.closeLine();
    this.options.stdout.write(`${text}\n`);
  }

  /** Ends an open status line. */
  close(): void {
    this.closeLine();
  }
}
