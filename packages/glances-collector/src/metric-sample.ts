import { createRequire } from "node:module";

/** One sample of every metric the source had at `time`; absent metrics are missing keys, never zero. */
export interface MetricSample {
  /** Epoch milliseconds. */
  time: number;
  /** Metric name (see `metricCatalogue`) to value in the metric's unit. */
  values: Record<string, number>;
}

/** Something the collector noticed that is not a number: a pid that exited, a plugin that disappeared. */
export interface CollectorNote {
  /** Epoch milliseconds. */
  time: number;
  message: string;
}

/** Where samples came from. */
export type MetricsSource = "native" | "glances-csv" | "glances-rest";

/** The metadata at the top of a `sizer-metrics` file. */
export interface MetricsFileMeta {
  format: "sizer-metrics";
  formatVersion: number;
  source: MetricsSource | string;
  /** The Glances version, or this collector's version for the native source. */
  sourceVersion: string;
  host: string;
  intervalSeconds: number;
  /** The watched process tree's root, when any. */
  pid?: number;
  /** Other `# key: value` lines, kept as strings. */
  extra?: Record<string, string>;
}

/**
 * The metadata of a `sizer-metrics` file as the reader returns it: a file written by hand, by another
 * tool or by an older producer may leave out what this package's writers always write, so only the
 * format is required; every other metadata key (a CSV `# key: value` line, an NDJSON `extra` entry or
 * an unknown key of a newer file) is kept in `extra`, as text.
 */
export type MetricsFileMetaInput = Pick<MetricsFileMeta, "format" | "formatVersion" | "pid"> &
  Partial<Pick<MetricsFileMeta, "source" | "sourceVersion" | "host" | "intervalSeconds">> & {
    extra: Record<string, string>;
  };

/** An item of a collector's stream: a sample or a note, in the order they happened. */
export type CollectorEvent = ({ type: "sample" } & MetricSample) | ({ type: "note" } & CollectorNote);

/** The version of the `sizer-metrics` format this package writes and the newest it reads. */
export const METRICS_FORMAT_VERSION = 1;

/** This package's version (from its package.json), written as `sourceVersion` by the native source. */
export const COLLECTOR_VERSION: string = (
  createRequire(import.meta.url)("../package.json") as { version: string }
).version;
