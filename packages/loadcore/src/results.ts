import type { LatencySummary } from "./histogram.js";
import type { SelfCheck } from "./self-check.js";
import type { SizingVerdict } from "./sizing.js";
import type {
  ErrorCounts,
  RequestTotals,
  ScenarioTotals,
  StatsTotals,
  StatusCounts,
  TimelinePoint,
} from "./stats.js";

/** The `format` value of a results file. */
export const RESULTS_FORMAT = "loadcore-results";
/** The newest results format version this package reads and the one it writes. */
export const RESULTS_FORMAT_VERSION = 1;

/** The machine that generated the load. */
export interface ResultsHost {
  hostname: string;
  cpus: number;
  memoryBytes: number;
  platform: string;
}

/** The results JSON (`loadcore-results` version 1); docs/formats.md section 1 and docs/results-format.md. */
export interface LoadResults {
  format: typeof RESULTS_FORMAT;
  formatVersion: number;
  tool: { name: string; version: string; node: string };
  command: string[];
  host: ResultsHost;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  interrupted: boolean;
  options: Record<string, unknown>;
  ok: number;
  failed: number;
  requests: number;
  throughput: number;
  scenariosPerSecond: number;
  latency: LatencySummary;
  statusCodes: StatusCounts;
  /** Scenario failures by class (every class written, readers accept missing ones). */
  errors: ErrorCounts;
  scenarios: ScenarioTotals[];
  byRequest: RequestTotals[];
  timeline: TimelinePoint[];
  /** Present only for a sizing run. */
  sizing?: SizingVerdict;
  selfCheck: SelfCheck;
}

/** What {@link buildResults} needs: run metadata and the figures measured. */
export interface BuildResultsInput {
  /** The engine's version (package.json). */
  toolVersion: string;
  /** argv as given (never credentials). */
  command: readonly string[];
  /** Defaults to this machine (node:os). */
  host?: ResultsHost;
  /** Epoch ms. */
  startedAt: number;
  /** Epoch ms. */
  endedAt: number;
  interrupted: boolean;
  /** The effective run options (workers, processes, duration, rampUp, ...). */
  options: Record<string, unknown>;
  totals: StatsTotals;
  timeline: readonly TimelinePoint[];
  sizing?: SizingVerdict;
  selfCheck: SelfCheck;
}

/** Assembles the results JSON object from the run's metadata and figures. */
export function buildResults(input: BuildResultsInput): LoadResults {
  void input;
  throw new Error("todo");
}

/**
 * Parses and validates a results JSON text. Throws an error with code `ERR_LOADCORE_RESULTS_FORMAT`
 * naming `source` (a file name) and the offending field; refuses a newer `formatVersion`.
 */
export function readResults(text: string, source = "results"): LoadResults {
  void text;
  void source;
  throw new Error("todo");
}
