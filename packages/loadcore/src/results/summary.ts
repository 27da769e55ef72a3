import { ERROR_CLASSES } from "../http/error-class.js";
import type { LatencySummary } from "../stats/histogram.js";
import type { ErrorCounts, StatusCounts, TimelinePoint } from "../stats/stats.js";
import type { LoadResults } from "./results.js";

/** Options of {@link formatSummary}. */
export interface SummaryOptions {
  /** ANSI colours (default false). */
  color?: boolean;
}

const ANSI = {
  bold: "\u001b[1m",
  red: "\u001b[31m",
  green: "\u001b[32m",
  yellow: "\u001b[33m",
  reset: "\u001b[0m",
};
type Paint = (style: keyof typeof ANSI, text: string) => string;

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

function count(value: number): string {
  return integerFormat.format(value);
}

/** Milliseconds with about 3 significant digits. */
function milliseconds(value: number): string {
  if (value >= 100) return integerFormat.format(value);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function rate(value: number): string {
  return value >= 100 ? integerFormat.format(value) : value.toFixed(1);
}

function percent(value: number): string {
  return `${value.toFixed(2)}%`;
}

/** `1h02m03s`, `2m05s`, `42s`. */
function duration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const rest = whole % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, "0")}m${String(rest).padStart(2, "0")}s`;
  if (minutes > 0) return `${minutes}m${String(rest).padStart(2, "0")}s`;
  return `${rest}s`;
}

function ratio(failed: number, total: number): number {
  return total === 0 ? 0 : (failed / total) * 100;
}

function errorList(errors: ErrorCounts): string {
  const parts = ERROR_CLASSES.filter((errorClass) => (errors[errorClass] ?? 0) > 0).map(
    (errorClass) => `${errorClass} ${count(errors[errorClass] ?? 0)}`,
  );
  return parts.length === 0 ? "-" : parts.join(", ");
}

function statusList(statusCodes: StatusCounts): string {
  const entries = Object.entries(statusCodes);
  return entries.length === 0
    ? "-"
    : entries.map(([status, value]) => `${status}: ${count(value)}`).join("  ");
}

/** A plain text table: the first column left-aligned, the others right-aligned except `leftColumns`. */
function table(
  header: readonly string[],
  rows: readonly string[][],
  paint: Paint,
  leftColumns = [0],
): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        return leftColumns.includes(column) ? cell.padEnd(width) : cell.padStart(width);
      })
      .join("  ")
      .trimEnd();
  return [paint("bold", line(header)), ...rows.map(line)];
}

function latencyCells(latency: LatencySummary): string[] {
  return [latency.p50, latency.p90, latency.p95, latency.p99, latency.max].map(milliseconds);
}

/**
 * "120 workers x 1 process", or with the workers the run reached when it stopped before starting them
 * all: "77 of 120 workers x 1 process", "150 of 240 workers (120 x 2 processes)".
 */
function describeLoad(results: LoadResults): string {
  const arrival = results.arrivalRate;
  if (arrival !== undefined) {
    const target =
      arrival.from === arrival.to
        ? `${rate(arrival.to)} runs/s`
        : `${rate(arrival.from)} to ${rate(arrival.to)} runs/s over ${duration(arrival.rampUp)}`;
    const reached = results.workersStarted ?? 0;
    return `${target}, ${count(reached)} of up to ${count(arrival.maxWorkers)} workers`;
  }
  const workers = results.options.workers;
  const processes = results.options.processes;
  if (typeof workers !== "number" || typeof processes !== "number") return "";
  const total = workers * processes;
  const processText = `${processes} process${processes === 1 ? "" : "es"}`;
  // files without workersStarted: the most workers a second of the timeline saw running
  const reached = results.workersStarted ?? Math.max(0, ...results.timeline.map((point) => point.workers));
  if (reached >= total || results.timeline.length === 0) {
    return `${count(workers)} worker${workers === 1 ? "" : "s"} x ${processText}`;
  }
  return processes === 1
    ? `${count(reached)} of ${count(total)} workers x ${processText}`
    : `${count(reached)} of ${count(total)} workers (${count(workers)} x ${processText})`;
}

/**
 * The end-of-run table: totals, throughput, latency percentiles, per scenario and per request tables,
 * status codes, error classes, the sizing verdict and the self-check warning.
 */
export function formatSummary(results: LoadResults, options: SummaryOptions = {}): string {
  const paint: Paint =
    options.color === true ? (style, text) => `${ANSI[style]}${text}${ANSI.reset}` : (_, text) => text;
  const lines: string[] = [];
  const ended = results.ok + results.failed;
  const load = describeLoad(results);
  const stoppedByException = results.options.endReason === "exception";
  const ending = results.interrupted
    ? " (interrupted)"
    : stoppedByException
      ? " (stopped at the first failure, -x)"
      : "";
  lines.push(
    paint(
      "bold",
      `${results.tool.name} ${results.tool.version}: ${duration(results.durationSeconds)}${load === "" ? "" : `, ${load}`}${ending}`,
    ),
  );
  const failedText = `${count(results.failed)} failed (${percent(ratio(results.failed, ended))})`;
  lines.push(
    `Scenarios   ${paint("green", `${count(results.ok)} ok`)}  ${results.failed > 0 ? paint("red", failedText) : failedText}  ${rate(results.scenariosPerSecond)} runs/s`,
  );
  lines.push(`Requests    ${count(results.requests)}  ${rate(results.throughput)} req/s`);
  const latencyLine = (label: string, latency: LatencySummary) =>
    `${label}min ${milliseconds(latency.min)}  mean ${milliseconds(latency.mean)}  p50 ${milliseconds(latency.p50)}  p90 ${milliseconds(latency.p90)}  p95 ${milliseconds(latency.p95)}  p99 ${milliseconds(latency.p99)}  p99.9 ${milliseconds(latency.p999)}  max ${milliseconds(latency.max)}`;
  lines.push(latencyLine("Latency ms  ", results.latency));
  const arrival = results.arrivalRate;
  if (arrival !== undefined) {
    // the latency above counts from when each request should have been sent (coordinated-omission free)
    if (results.serviceTime !== undefined) lines.push(latencyLine("Service ms  ", results.serviceTime));
    const missed = `${count(arrival.late)} late  ${count(arrival.dropped)} dropped`;
    lines.push(
      `Arrivals    ${count(arrival.started)} started  ${arrival.late + arrival.dropped > 0 ? paint("yellow", missed) : missed}  (latency counts from each run's planned start)`,
    );
  }
  if (results.scenarios.length > 0) {
    lines.push("");
    lines.push(
      ...table(
        ["Scenario", "ok", "failed", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms", "errors"],
        results.scenarios.map((scenario) => [
          scenario.name,
          count(scenario.ok),
          count(scenario.failed),
          ...latencyCells(scenario.latency),
          errorList(scenario.errors),
        ]),
        paint,
        [0, 8],
      ),
    );
  }
  if (results.byRequest.length > 0) {
    lines.push("");
    const requests = [...results.byRequest].sort((left, right) => right.count - left.count);
    lines.push(
      ...table(
        ["Request", "count", "ok", "failed", "p50 ms", "p90 ms", "p95 ms", "p99 ms", "max ms", "statuses"],
        requests.map((request) => [
          request.name,
          count(request.count),
          count(request.ok),
          count(request.failed),
          ...latencyCells(request.latency),
          statusList(request.statusCodes),
        ]),
        paint,
        [0, 9],
      ),
    );
  }
  lines.push("");
  lines.push(`Status codes  ${statusList(results.statusCodes)}`);
  lines.push(`Errors        ${errorList(results.errors)}`);
  const sizing = results.sizing;
  if (sizing !== undefined) {
    lines.push("");
    lines.push(`${paint("bold", "Sizing")}  ${paint(sizing.reached ? "green" : "yellow", sizing.message)}`);
    lines.push(
      `  stop: ${sizing.stopReason} at ${duration(sizing.stoppedAtSeconds)} with ${count(sizing.workersAtStop)} workers; ${percent(sizing.errorRatio)} errors over the window (tolerance ${sizing.tolerance}%, window ${sizing.window} s${sizing.latencyObjective === null ? "" : `, objective ${sizing.latencyObjective.percentile} <= ${sizing.latencyObjective.thresholdMs} ms`})`,
    );
    const capacity = sizing.rate;
    if (capacity !== undefined) {
      lines.push(
        capacity.capacity === null
          ? `  capacity: not found (target ${rate(capacity.targetAtStop)} runs/s at the stop)`
          : `  capacity: ${rate(capacity.capacity)} scenario runs/s with ${count(capacity.capacityWorkers ?? 0)} workers (target ${rate(capacity.targetAtStop)} runs/s at the stop)`,
      );
    }
    if (sizing.healthyWorkers !== null) {
      const healthyLatency = sizing.latencyAtHealthy;
      lines.push(
        `  healthy level: ${count(sizing.healthyWorkers)} workers at ${rate(sizing.throughputAtHealthy ?? 0)} req/s${healthyLatency === null ? "" : `, p50 ${milliseconds(healthyLatency.p50)} ms, p95 ${milliseconds(healthyLatency.p95)} ms, p99 ${milliseconds(healthyLatency.p99)} ms`}`,
      );
    } else {
      lines.push("  healthy level: none observed");
    }
    if (sizing.plateau !== null) {
      const plateau = sizing.plateau;
      lines.push(
        plateau.targetRate === undefined
          ? `  throughput plateau: from ${duration(plateau.atSeconds)} at ${count(plateau.workers)} workers and ${rate(plateau.throughput)} req/s; p95 grew x${plateau.latencyGrowth.toFixed(2)} since`
          : `  achieved-rate plateau: from ${duration(plateau.atSeconds)} at ${rate(plateau.targetRate)} runs/s target, levelling at ${rate(plateau.levelRate ?? 0)} runs/s with ${count(plateau.workers)} workers; p95 grew x${plateau.latencyGrowth.toFixed(2)} since`,
      );
    }
  }
  lines.push("");
  const selfCheck = results.selfCheck;
  lines.push(
    selfCheck.saturated ? paint("red", `WARNING: ${selfCheck.message}`) : `Generator   ${selfCheck.message}`,
  );
  return `${lines.join("\n")}\n`;
}

/** One status line: elapsed/planned, workers, req/s, ok, failed, error ratio, p95. */
export function formatStatusLine(
  point: TimelinePoint,
  elapsedSeconds: number,
  plannedSeconds?: number,
): string {
  const elapsed =
    plannedSeconds === undefined
      ? duration(elapsedSeconds)
      : `${duration(elapsedSeconds)}/${duration(plannedSeconds)}`;
  return `[${elapsed}] workers ${count(point.workers)} | ${rate(point.throughput)} req/s | ok ${count(point.ok)} | failed ${count(point.failed)} | errors ${percent(point.errorRatio)} | p95 ${milliseconds(point.latency.p95)} ms`;
}
