import { existsSync } from "node:fs";
import { appendFile, rm, writeFile } from "node:fs/promises";
import { LatencyHistogram, type SerializedHistogram } from "../stats/histogram.js";
import type { TimelinePoint } from "../stats/stats.js";
import { decodeHistogram, type EncodedHistogram, encodeHistogram } from "./histogram-encoding.js";
import { ResultsFormatError } from "./results.js";

/** The live record's `format` (its first line). */
export const LIVE_RECORD_FORMAT = "loadcore-live";
/** The live record's version. */
export const LIVE_RECORD_FORMAT_VERSION = 1;

/** The first line of a live record. */
export interface LiveRecordHeader {
  format: typeof LIVE_RECORD_FORMAT;
  formatVersion: number;
  /** When the run's clock started (its second 0), ISO 8601. */
  startedAt: string;
  /** What the ramp raises: workers (closed model) or the target rate (arrival-rate model). */
  load: "workers" | "rate";
  /** Workers of the whole run (all processes); the arrival-rate pool's bound in that model. */
  totalWorkers: number;
}

/** One closed second of a live record. */
export interface LiveSecond {
  /** The second as in the results' `timeline[]` (`time` its absolute start, epoch ms). */
  point: TimelinePoint;
  /** The HTTP latency of the second, exact (decoded). */
  latency: SerializedHistogram;
  /** Every worker started (or the arrival-rate ramp at its end): the load is at its maximum. */
  fullLoad: boolean;
  /** The run's last, partial second, written as it ended: no second follows. */
  final: boolean;
}

/** What {@link readLiveRecord} read. */
export interface LiveRecord {
  header?: LiveRecordHeader;
  seconds: LiveSecond[];
  /** Complete lines read (a last line without its newline is still being written: left for later). */
  lines: number;
}

/** The file a coordinator creates to stop a run that left it the sizing decision. */
export function liveStopFile(livePath: string): string {
  return `${livePath}.stop`;
}

/**
 * Writes a run's live record: the header when created, then one line per closed second, appended
 * as the second closes (docs/formats.md, "Live record").
 */
export class LiveRecordWriter {
  readonly #path: string;

  private constructor(path: string) {
    this.#path = path;
  }

  /** Creates (or empties) the file with its header line, and removes a stop file left from before. */
  static async create(path: string, header: Omit<LiveRecordHeader, "format" | "formatVersion">) {
    const line: LiveRecordHeader = {
      format: LIVE_RECORD_FORMAT,
      formatVersion: LIVE_RECORD_FORMAT_VERSION,
      ...header,
    };
    await writeFile(path, `${JSON.stringify(line)}\n`);
    await rm(liveStopFile(path), { force: true });
    return new LiveRecordWriter(path);
  }

  /** Appends one closed second. */
  async write(second: Omit<LiveSecond, "latency"> & { latency: SerializedHistogram | undefined }) {
    const latency = second.latency === undefined ? undefined : encodeHistogram(second.latency);
    const line = { point: second.point, latency, fullLoad: second.fullLoad, final: second.final };
    await appendFile(this.#path, `${JSON.stringify(line)}\n`);
  }

  /** A coordinator asked the run to stop (it created the stop file). */
  stopRequested(): boolean {
    return existsSync(liveStopFile(this.#path));
  }
}

function readSecond(value: Record<string, unknown>, source: string, line: number): LiveSecond {
  const point = value.point as TimelinePoint | undefined;
  const field = `line ${line}`;
  if (
    typeof point !== "object" ||
    point === null ||
    typeof point.t !== "number" ||
    typeof point.time !== "number"
  )
    throw new ResultsFormatError(`${field}: a second needs "point" with "t" and "time"`, { source, field });
  for (const key of ["workers", "ok", "failed", "requests"] as const) {
    if (typeof point[key] !== "number")
      throw new ResultsFormatError(`${field}: point.${key} must be a number`, { source, field });
  }
  let latency = new LatencyHistogram().serialize();
  if (value.latency !== undefined) {
    const decoded = decodeHistogram(value.latency as EncodedHistogram);
    if (typeof decoded === "string")
      throw new ResultsFormatError(`${field}: latency: ${decoded}`, { source, field });
    latency = decoded;
  }
  return { point, latency, fullLoad: value.fullLoad === true, final: value.final === true };
}

/**
 * Reads a live record, or any run of its lines (a coordinator reads it in pieces as it grows): the
 * header when the text has it, every complete second; a last line without its newline is not read
 * (`lines` counts those that were).
 *
 * @throws {ResultsFormatError} a line that is not JSON, a header of another format or a newer
 *   version, a second without its point (naming `source` and the line).
 */
export function readLiveRecord(text: string, source: string): LiveRecord {
  const complete = text.slice(0, text.lastIndexOf("\n") + 1);
  const record: LiveRecord = { seconds: [], lines: 0 };
  for (const raw of complete.split("\n").slice(0, -1)) {
    record.lines += 1;
    if (raw.trim() === "") continue;
    let value: Record<string, unknown>;
    try {
      value = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      throw new ResultsFormatError(`line ${record.lines} is not JSON`, {
        source,
        field: `line ${record.lines}`,
      });
    }
    if (value.format !== undefined) {
      if (value.format !== LIVE_RECORD_FORMAT || typeof value.formatVersion !== "number")
        throw new ResultsFormatError(
          `not a ${LIVE_RECORD_FORMAT} record: format ${JSON.stringify(value.format)}`,
          {
            source,
            field: "format",
          },
        );
      if (value.formatVersion > LIVE_RECORD_FORMAT_VERSION)
        throw new ResultsFormatError(
          `${LIVE_RECORD_FORMAT} version ${value.formatVersion} is newer than this loadcore reads (${LIVE_RECORD_FORMAT_VERSION}); upgrade @sizer/loadcore`,
          { source, field: "formatVersion" },
        );
      record.header = value as unknown as LiveRecordHeader;
      continue;
    }
    record.seconds.push(readSecond(value, source, record.lines));
  }
  return record;
}
