import { type FileHandle, open } from "node:fs/promises";
import { quoteCsvCell } from "./csv-line.js";
import { fileError } from "./errors.js";
import { describeMetric } from "./metric-catalogue.js";
import {
  type CollectorEvent,
  type CollectorNote,
  METRICS_FORMAT_VERSION,
  type MetricSample,
  type MetricsFileMeta,
} from "./metric-sample.js";

/** The metadata a writer needs; `format` and `formatVersion` are filled in. */
export type MetricsWriterMeta = Omit<MetricsFileMeta, "format" | "formatVersion">;

/** Where a writer's text goes: a file path, or anything with an async `write` (a test's buffer). */
export type MetricsSink =
  | string
  | { write(text: string): Promise<void> | void; close?(): Promise<void> | void };

/** Appends samples to a `sizer-metrics` file as they come; see `MetricsCsvWriter` and `MetricsNdjsonWriter`. */
export interface MetricsWriter {
  /** Appends one sample. */
  writeSample(sample: MetricSample): Promise<void>;
  /** Appends a note (a pid that exited, a plugin that disappeared). */
  writeNote(note: CollectorNote): Promise<void>;
  /** Appends a collector event, sample or note. */
  write(event: CollectorEvent): Promise<void>;
  /** Resolves once everything written so far is handed to the operating system. */
  flush(): Promise<void>;
  /** Flushes and closes the file. */
  close(): Promise<void>;
}

/** Serialises writes to a file or sink, in order, opening the file on first use. */
class SerialSink {
  readonly #target: MetricsSink;
  #handle: FileHandle | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(target: MetricsSink) {
    this.#target = target;
  }

  append(text: string): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.#failure !== undefined) throw this.#failure;
      try {
        if (typeof this.#target === "string") {
          this.#handle ??= await open(this.#target, "w");
          await this.#handle.write(text);
        } else {
          await this.#target.write(text);
        }
      } catch (error) {
        this.#failure = typeof this.#target === "string" ? fileError(this.#target, error) : error;
        throw this.#failure;
      }
    };
    this.#chain = this.#chain.then(run, run);
    return this.#chain;
  }

  flush(): Promise<void> {
    return this.#chain;
  }

  async close(): Promise<void> {
    await this.#chain.catch(() => undefined);
    if (this.#handle) {
      await this.#handle.close();
      this.#handle = undefined;
    } else if (typeof this.#target !== "string") {
      await this.#target.close?.();
    }
    if (this.#failure !== undefined) throw this.#failure;
  }
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1000) / 1000);
}

function metaLines(meta: MetricsWriterMeta): string {
  const lines = [
    "# format: sizer-metrics",
    `# formatVersion: ${METRICS_FORMAT_VERSION}`,
    `# source: ${meta.source}`,
    `# sourceVersion: ${meta.sourceVersion}`,
    `# host: ${meta.host}`,
    `# intervalSeconds: ${meta.intervalSeconds}`,
  ];
  if (meta.pid !== undefined) lines.push(`# pid: ${meta.pid}`);
  for (const [key, value] of Object.entries(meta.extra ?? {})) lines.push(`# ${key}: ${oneLine(value)}`);
  return `${lines.join("\n")}\n`;
}

function oneLine(text: string): string {
  return text.replaceAll("\r", " ").replaceAll("\n", " ");
}

/**
 * Writes the `sizer-metrics` CSV format: `# key: value` metadata, a `time,<metric>,...` header,
 * one row per sample. A sample with metrics not seen before gets a new header (old columns first,
 * new ones appended); absent metrics are empty cells. Every call appends to the file at once, so a
 * stopped run keeps every sample written.
 */
export class MetricsCsvWriter implements MetricsWriter {
  readonly #sink: SerialSink;
  readonly #meta: MetricsWriterMeta;
  #columns: string[] = [];
  #known = new Set<string>();
  #started = false;

  constructor(target: MetricsSink, meta: MetricsWriterMeta) {
    this.#sink = new SerialSink(target);
    this.#meta = meta;
  }

  #prelude(): string {
    if (this.#started) return "";
    this.#started = true;
    return metaLines(this.#meta);
  }

  writeSample(sample: MetricSample): Promise<void> {
    let text = this.#prelude();
    let added = false;
    for (const name of Object.keys(sample.values)) {
      if (this.#known.has(name)) continue;
      this.#known.add(name);
      this.#columns.push(name);
      added = true;
    }
    if (added) text += `time,${this.#columns.map(quoteCsvCell).join(",")}\n`;
    let row = String(sample.time);
    for (const name of this.#columns) {
      const value = sample.values[name];
      row += value === undefined || !Number.isFinite(value) ? "," : `,${formatNumber(value)}`;
    }
    return this.#sink.append(`${text}${row}\n`);
  }

  writeNote(note: CollectorNote): Promise<void> {
    return this.#sink.append(`${this.#prelude()}# note ${note.time}: ${oneLine(note.message)}\n`);
  }

  write(event: CollectorEvent): Promise<void> {
    return event.type === "sample" ? this.writeSample(event) : this.writeNote(event);
  }

  flush(): Promise<void> {
    return this.#sink.flush();
  }

  async close(): Promise<void> {
    if (!this.#started) await this.#sink.append(this.#prelude());
    await this.#sink.close();
  }
}

/**
 * Writes the `sizer-metrics` NDJSON format: a `meta` line, then `sample` and `note` lines. The
 * meta line is written with the first event and lists the `metrics` option, or else the first
 * sample's metrics; readers take later samples' keys as they come.
 */
export class MetricsNdjsonWriter implements MetricsWriter {
  readonly #sink: SerialSink;
  readonly #meta: MetricsWriterMeta;
  readonly #metrics: string[];
  #started = false;

  constructor(target: MetricsSink, meta: MetricsWriterMeta & { metrics?: string[] }) {
    this.#sink = new SerialSink(target);
    this.#meta = meta;
    this.#metrics = [...(meta.metrics ?? [])];
  }

  #prelude(firstSample?: MetricSample): string {
    if (this.#started) return "";
    this.#started = true;
    if (this.#metrics.length === 0 && firstSample) this.#metrics.push(...Object.keys(firstSample.values));
    const { extra, metrics: _metrics, ...rest } = this.#meta as MetricsWriterMeta & { metrics?: string[] };
    const meta = {
      type: "meta",
      format: "sizer-metrics",
      formatVersion: METRICS_FORMAT_VERSION,
      ...rest,
      ...(extra ? { extra } : {}),
      metrics: this.#metrics.map((name) => {
        const descriptor = describeMetric(name);
        return { name, unit: descriptor?.unit ?? "count", kind: descriptor?.kind ?? "gauge" };
      }),
    };
    return `${JSON.stringify(meta)}\n`;
  }

  writeSample(sample: MetricSample): Promise<void> {
    const values: Record<string, number> = {};
    for (const [name, value] of Object.entries(sample.values)) {
      if (Number.isFinite(value)) values[name] = value;
    }
    return this.#sink.append(
      `${this.#prelude(sample)}${JSON.stringify({ type: "sample", time: sample.time, values })}\n`,
    );
  }

  writeNote(note: CollectorNote): Promise<void> {
    return this.#sink.append(
      `${this.#prelude()}${JSON.stringify({ type: "note", time: note.time, message: note.message })}\n`,
    );
  }

  write(event: CollectorEvent): Promise<void> {
    return event.type === "sample" ? this.writeSample(event) : this.writeNote(event);
  }

  flush(): Promise<void> {
    return this.#sink.flush();
  }

  async close(): Promise<void> {
    if (!this.#started) await this.#sink.append(this.#prelude());
    await this.#sink.close();
  }
}

/** A CSV or NDJSON writer chosen by the file name: `.ndjson` / `.jsonl` give NDJSON, anything else CSV. */
export function createMetricsWriter(path: string, meta: MetricsWriterMeta): MetricsWriter {
  return isNdjsonPath(path) ? new MetricsNdjsonWriter(path, meta) : new MetricsCsvWriter(path, meta);
}

/** Whether a path names an NDJSON metrics file. */
export function isNdjsonPath(path: string): boolean {
  return path.endsWith(".ndjson") || path.endsWith(".jsonl");
}
