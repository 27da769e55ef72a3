import type { SerializedHistogram } from "../stats/histogram.js";

/**
 * The encoding of the results JSON `histograms` field: loadcore's bucket counts (the HdrHistogram
 * counts-array layout for a 1 µs unit and 3 significant digits), sparse, as base64 LEB128 varints.
 */
export const HISTOGRAM_ENCODING = "loadcore-buckets-1";

/**
 * One latency histogram in a results file, exact: a merge of these equals one histogram of every
 * value. `min`, `max` and `sum` are milliseconds as recorded; `buckets` is the base64 of unsigned
 * LEB128 varints, pairs of (index - previous index, count) over the non-empty buckets, previous
 * index -1 at the start.
 */
export interface EncodedHistogram {
  count: number;
  min: number;
  max: number;
  sum: number;
  buckets: string;
}

/** The latency histograms of one second of the timeline (results JSON `histograms.timeline[]`). */
export interface TimelineHistograms {
  latency: EncodedHistogram;
  /** Arrival-rate model only. */
  serviceTime?: EncodedHistogram;
}

/** One request name's histograms (results JSON `histograms.byRequest[name]`). */
export interface RequestHistograms {
  latency: EncodedHistogram;
  /** Arrival-rate model only. */
  serviceTime?: EncodedHistogram;
}

/**
 * The results JSON `histograms` field: every latency figure of the file as an exact histogram, so
 * that results files merge exactly (`loadcore merge`). Optional: absent in files of loadcore 0.1.
 */
export interface ResultsHistograms {
  /** {@link HISTOGRAM_ENCODING}. */
  encoding: string;
  latency: EncodedHistogram;
  serviceTime?: EncodedHistogram;
  /** Scenario durations, by scenario name. */
  scenarios: Record<string, EncodedHistogram>;
  byRequest: Record<string, RequestHistograms>;
  /** One entry per `timeline[]` point, in the same order. */
  timeline: TimelineHistograms[];
}

/**
 * What the stats aggregator hands to `buildResults`: the run's histograms, serialised; each second's
 * already encoded (when the second closed: a long run keeps a few kB a second, not its buckets).
 */
export interface RunHistograms {
  latency: SerializedHistogram;
  serviceTime?: SerializedHistogram;
  scenarios: Record<string, SerializedHistogram>;
  byRequest: Record<string, { latency: SerializedHistogram; serviceTime?: SerializedHistogram }>;
  timeline: TimelineHistograms[];
}

/** Writes `value` (a whole number >= 0, below 2^53) as an unsigned LEB128 varint; the next offset. */
function writeVarint(bytes: Uint8Array, offset: number, value: number): number {
  let rest = value;
  let position = offset;
  while (rest >= 0x80) {
    bytes[position++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  bytes[position++] = rest;
  return position;
}

/** Encodes a serialised histogram (once a second for the timeline, once per histogram at the end of a run). */
export function encodeHistogram(histogram: SerializedHistogram): EncodedHistogram {
  // An index delta takes 3 bytes at most (fewer than 2^21 buckets), a count 8 (below 2^53).
  const bytes = new Uint8Array((histogram.buckets.length / 2) * 11);
  let offset = 0;
  let previous = -1;
  for (let position = 0; position < histogram.buckets.length; position += 2) {
    const index = histogram.buckets[position] as number;
    offset = writeVarint(bytes, offset, index - previous);
    offset = writeVarint(bytes, offset, histogram.buckets[position + 1] as number);
    previous = index;
  }
  return {
    count: histogram.count,
    min: histogram.min,
    max: histogram.max,
    sum: histogram.sum,
    buckets: Buffer.from(bytes.buffer, 0, offset).toString("base64"),
  };
}

/**
 * Decodes an {@link EncodedHistogram}. Returns a reason instead of a histogram when it is malformed
 * (the caller names the file and the field).
 */
export function decodeHistogram(encoded: EncodedHistogram): SerializedHistogram | string {
  if (typeof encoded.buckets !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(encoded.buckets)) {
    return "buckets must be a base64 string";
  }
  const bytes = Buffer.from(encoded.buckets, "base64");
  const buckets: number[] = [];
  let index = -1;
  let total = 0;
  let position = 0;
  const readVarint = (): number | undefined => {
    let value = 0;
    let scale = 1;
    while (position < bytes.length) {
      const byte = bytes[position++] as number;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
      if (scale > 2 ** 49) return undefined;
    }
    return undefined;
  };
  while (position < bytes.length) {
    const delta = readVarint();
    const count = readVarint();
    if (delta === undefined || count === undefined || delta < 1) return "buckets: truncated or malformed";
    index += delta;
    total += count;
    buckets.push(index, count);
  }
  if (total !== encoded.count) return `buckets hold ${total} values, count says ${encoded.count}`;
  return {
    v: 1,
    digits: 3,
    count: encoded.count,
    min: encoded.min,
    max: encoded.max,
    sum: encoded.sum,
    buckets,
  };
}

/** Encodes a latency histogram and its service-time twin (arrival-rate model), when there is one. */
export function encodePair(pair: { latency: SerializedHistogram; serviceTime?: SerializedHistogram }): {
  latency: EncodedHistogram;
  serviceTime?: EncodedHistogram;
} {
  return {
    latency: encodeHistogram(pair.latency),
    ...(pair.serviceTime === undefined ? {} : { serviceTime: encodeHistogram(pair.serviceTime) }),
  };
}

/** The results JSON `histograms` field of a run's histograms. */
export function encodeRunHistograms(histograms: RunHistograms): ResultsHistograms {
  const scenarios: Record<string, EncodedHistogram> = {};
  for (const [name, histogram] of Object.entries(histograms.scenarios)) {
    scenarios[name] = encodeHistogram(histogram);
  }
  const byRequest: Record<string, RequestHistograms> = {};
  for (const [name, pair] of Object.entries(histograms.byRequest)) byRequest[name] = encodePair(pair);
  return {
    encoding: HISTOGRAM_ENCODING,
    ...encodePair(histograms),
    scenarios,
    byRequest,
    timeline: histograms.timeline,
  };
}

/** The field checks of `parseResults` (its `Checker`), as the validators below use them. */
export interface FieldChecker {
  object(value: unknown, field: string): Record<string, unknown>;
  array(value: unknown, field: string): unknown[];
  number(value: unknown, field: string): number;
  string(value: unknown, field: string): string;
}

function checkEncoded(check: FieldChecker, value: unknown, field: string): void {
  const histogram = check.object(value, field);
  for (const key of ["count", "min", "max", "sum"]) check.number(histogram[key], `${field}.${key}`);
  check.string(histogram.buckets, `${field}.buckets`);
}

function checkPair(check: FieldChecker, value: unknown, field: string): void {
  const pair = check.object(value, field);
  checkEncoded(check, pair.latency, `${field}.latency`);
  if (pair.serviceTime !== undefined) checkEncoded(check, pair.serviceTime, `${field}.serviceTime`);
}

/**
 * Checks the shape of a results JSON `histograms` field (types only: the buckets are decoded, and
 * checked, by the merge that reads them). An unknown `encoding` is read, not refused.
 */
export function checkResultsHistograms(check: FieldChecker, value: unknown): void {
  const histograms = check.object(value, "histograms");
  check.string(histograms.encoding, "histograms.encoding");
  checkPair(check, histograms, "histograms");
  const scenarios = check.object(histograms.scenarios, "histograms.scenarios");
  for (const [name, histogram] of Object.entries(scenarios)) {
    checkEncoded(check, histogram, `histograms.scenarios[${JSON.stringify(name)}]`);
  }
  const byRequest = check.object(histograms.byRequest, "histograms.byRequest");
  for (const [name, pair] of Object.entries(byRequest)) {
    checkPair(check, pair, `histograms.byRequest[${JSON.stringify(name)}]`);
  }
  check.array(histograms.timeline, "histograms.timeline").forEach((pair, index) => {
    checkPair(check, pair, `histograms.timeline[${index}]`);
  });
}
