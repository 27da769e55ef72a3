import type { Writable } from "node:stream";
import { RUN_DEFAULTS } from "../options/run-options.js";
import { formatStatusLine } from "../results/summary.js";
import type { TimelinePoint } from "../stats/stats.js";

/** Options of {@link ConsoleOutput}. */
export interface ConsoleOutputOptions {
  stdout: Writable;
  stderr: Writable;
  /** Nothing but errors. */
  quiet: boolean;
  /** Rewrite one status line (a terminal) instead of printing periodic lines. */
  tty: boolean;
  /** Refresh interval, seconds: of the status line on a TTY (default 0.2), of plain lines otherwise (default 5). */
  consoleUpdate: number | undefined;
  /** Planned length of the run, seconds (for the status line). */
  plannedSeconds: number;
}

const CLEAR_LINE = "\r\x1b[2K";

/**
 * The live output of a run: on a terminal, one status line rewritten in place; otherwise a plain line
 * every few seconds. Other lines (session.print, failures) are printed above the status line.
 */
export class ConsoleOutput {
  readonly #options: ConsoleOutputOptions;
  #latest: TimelinePoint | undefined;
  #startedAt = performance.now();
  #statusShown = false;
  #timer: NodeJS.Timeout | undefined;
  #lastPlainLine = -1;

  constructor(options: ConsoleOutputOptions) {
    this.#options = options;
  }

  /** Starts the refresh timer of the status line (TTY only). */
  start(): void {
    this.#startedAt = performance.now();
    const options = this.#options;
    if (options.quiet || !options.tty) return;
    const intervalMs = Math.max(50, (options.consoleUpdate ?? RUN_DEFAULTS.consoleUpdateTty) * 1000);
    this.#timer = setInterval(() => this.#render(), intervalMs);
    this.#timer.unref();
  }

  #elapsed(): number {
    return (performance.now() - this.#startedAt) / 1000;
  }

  #render(): void {
    if (this.#latest === undefined) return;
    const line = formatStatusLine(this.#latest, this.#elapsed(), this.#options.plannedSeconds);
    this.#options.stdout.write(`${CLEAR_LINE}${line}`);
    this.#statusShown = true;
  }

  #clearStatus(): void {
    if (this.#statusShown) {
      this.#options.stdout.write(CLEAR_LINE);
      this.#statusShown = false;
    }
  }

  /** A new closed second; `elapsedSeconds` since the start of the run. */
  update(point: TimelinePoint, elapsedSeconds: number): void {
    const options = this.#options;
    if (options.quiet) return;
    this.#latest = point;
    if (options.tty) {
      this.#render();
      return;
    }
    const every = Math.max(1, options.consoleUpdate ?? RUN_DEFAULTS.consoleUpdate);
    const slot = Math.floor((point.t + 1) / every);
    if (slot > this.#lastPlainLine) {
      this.#lastPlainLine = slot;
      options.stdout.write(
        `${formatStatusLine(point, Math.min(point.t + 1, elapsedSeconds), options.plannedSeconds)}\n`,
      );
    }
  }

  /** A line of information (not shown with quiet). */
  info(text: string): void {
    if (this.#options.quiet) return;
    this.#clearStatus();
    this.#options.stdout.write(`${text}\n`);
    if (this.#options.tty) this.#render();
  }

  /** A line on stderr, shown even with quiet. */
  error(text: string): void {
    this.#clearStatus();
    this.#options.stderr.write(`${text}\n`);
    if (this.#options.tty && !this.#options.quiet) this.#render();
  }

  /** Stops refreshing and clears the status line. */
  finish(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#clearStatus();
  }
}
