import type { SelfCheck } from "../engine/self-check.js";
import { UsageError } from "../errors.js";
import { ERROR_CLASSES, type ErrorClass } from "../http/error-class.js";
import { LatencyHistogram, type SerializedHistogram } from "../stats/histogram.js";
import type { RequestTotals, ScenarioTotals, StatusCounts, TimelinePoint } from "../stats/stats.js";
import { timelinePercentiles } from "../stats/stats.js";
import { VERSION } from "../version.js";
import {
  decodeHistogram,
  type EncodedHistogram,
  encodePair,
  encodeRunHistograms,
  HISTOGRAM_ENCODING,
  type ResultsHistograms,
  type RunHistograms,
} from "./histogram-encoding.js";
import {
  type LoadResults,
  type LoadResultsInput,
  RESULTS_FORMAT,
  RESULTS_FORMAT_VERSION,
  ResultsFormatError,
  type ResultsHost,
  type SelfCheckInput,
  type TimelineEntry,
} from "./results.js";

/** One results file given to {@link mergeResults}: its name (for messages) and its parsed content. */
export interface MergeInput {
  source: string;
  results: LoadResultsInput;
}

/** One loader of a merged file (results JSON `loaders[]`): what its own results file said. */
export interface MergedLoader {
  /** The results file (or the name the caller gave it). */
  source: string;
  hostname?: string;
  startedAt: string;
  endedAt?: string;
  durationSeconds: number;
  interrupted?: boolean;
  endReason?: unknown;
  workersStarted?: number;
  ok: number;
  failed: number;
  requests: number;
  /** Its own self-check: whether this loader, not the target, may have been the limit. */
  selfCheck?: SelfCheckInput;
}

/** Options of {@link mergeResults}. */
export interface MergeOptions {
  /** The merged file's `command` (argv), `["loadcore", "merge", ...sources]` by default. */
  command?: readonly string[];
}

/** An input's histograms, every one decoded (the timeline's too). */
type DecodedHistograms = Omit<RunHistograms, "timeline"> & {
  timeline: { latency: SerializedHistogram; serviceTime?: SerializedHistogram }[];
};

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

/** One histogram per key, merged over the inputs. */
class HistogramSet {
  readonly #histograms = new Map<string, LatencyHistogram>();

  add(key: string, histogram: SerializedHistogram): void {
    let target = this.#histograms.get(key);
    if (target === undefined) {
      target = new LatencyHistogram();
      this.#histograms.set(key, target);
    }
    target.merge(histogram);
  }

  get(key: string): LatencyHistogram | undefined {
    return this.#histograms.get(key);
  }
}

/** The input's histograms, decoded and checked against its figures; refused when absent or malformed. */
function decodeInput(input: MergeInput): DecodedHistograms {
  const { source, results } = input;
  const histograms = results.histograms as ResultsHistograms | undefined;
  if (histograms === undefined) {
    throw new ResultsFormatError(
      'no "histograms": an exact merge needs them (files written by loadcore 0.1 or by another tool have none); run the loaders with a newer @sizer/loadcore',
      { source, field: "histograms" },
    );
  }
  if (histograms.encoding !== HISTOGRAM_ENCODING) {
    throw new ResultsFormatError(
      `histograms encoding "${histograms.encoding}" is not one this loadcore reads ("${HISTOGRAM_ENCODING}"); upgrade @sizer/loadcore`,
      { source, field: "histograms.encoding" },
    );
  }
  if (histograms.timeline.length !== results.timeline.length) {
    throw new ResultsFormatError(
      `histograms.timeline has ${histograms.timeline.length} entries for ${results.timeline.length} timeline points`,
      { source, field: "histograms.timeline" },
    );
  }
  const decode = (encoded: EncodedHistogram, field: string): SerializedHistogram => {
    const decoded = decodeHistogram(encoded);
    if (typeof decoded === "string") throw new ResultsFormatError(`${field}: ${decoded}`, { source, field });
    return decoded;
  };
  const decodePair = (
    pair: { latency: EncodedHistogram; serviceTime?: EncodedHistogram },
    field: string,
  ) => ({
    latency: decode(pair.latency, `${field}.latency`),
    ...(pair.serviceTime === undefined
      ? {}
      : { serviceTime: decode(pair.serviceTime, `${field}.serviceTime`) }),
  });
  const scenarios: RunHistograms["scenarios"] = {};
  for (const [name, encoded] of Object.entries(histograms.scenarios)) {
    scenarios[name] = decode(encoded, `histograms.scenarios[${JSON.stringify(name)}]`);
  }
  const byRequest: RunHistograms["byRequest"] = {};
  for (const [name, pair] of Object.entries(histograms.byRequest)) {
    byRequest[name] = decodePair(pair, `histograms.byRequest[${JSON.stringify(name)}]`);
  }
  return {
    ...decodePair(histograms, "histograms"),
    scenarios,
    byRequest,
    timeline: histograms.timeline.map((pair, index) => decodePair(pair, `histograms.timeline[${index}]`)),
  };
}

function addCounts(target: Record<string, number>, source: Record<string, number> | undefined): void {
  for (const [key, count] of Object.entries(source ?? {})) target[key] = (target[key] ?? 0) + count;
}

function sortedByNumber(counts: StatusCounts): StatusCounts {
  const sorted: StatusCounts = {};
  for (const key of Object.keys(counts).sort((left, right) => Number(left) - Number(right))) {
    sorted[key] = counts[key] as number;
  }
  return sorted;
}

function zeroErrors(): Record<string, number> {
  return Object.fromEntries(ERROR_CLASSES.map((errorClass) => [errorClass, 0]));
}

function nonZero(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count !== 0));
}

function startMs(results: LoadResultsInput): number {
  return Date.parse(results.startedAt);
}

function endMs(results: LoadResultsInput): number {
  const ended = results.endedAt === undefined ? Number.NaN : Date.parse(results.endedAt);
  return Number.isNaN(ended) ? startMs(results) + results.durationSeconds * 1000 : ended;
}

/** One merged second: the sums of the inputs' points at the same absolute second. */
export interface SecondSum {
  points: TimelineEntry[];
  /** Points folded in from the next second: their counts added, not their workers nor their rates (see `foldTail`). */
  folded?: TimelineEntry[];
  latency: LatencyHistogram;
  serviceTime: LatencyHistogram | undefined;
}

function sumOptional(points: readonly TimelineEntry[], key: keyof TimelineEntry): number | undefined {
  const values = points.map((point) => point[key]).filter((value) => typeof value === "number");
  return values.length === 0 ? undefined : values.reduce((total, value) => total + value, 0);
}

/** The point of one merged second: counts summed, percentiles of the merged histograms. */
export function mergedPoint(second: SecondSum, t: number, time: number): TimelinePoint {
  const { points } = second;
  const sum = (key: keyof TimelineEntry) => sumOptional(points, key) ?? 0;
  const folded = (key: "ok" | "failed" | "requests") => sumOptional(second.folded ?? [], key) ?? 0;
  const ok = sum("ok") + folded("ok");
  const failed = sum("failed") + folded("failed");
  const point: TimelinePoint = {
    t,
    time,
    workers: sum("workers"),
    ok,
    failed,
    requests: sum("requests") + folded("requests"),
    throughput: round(sum("throughput"), 2),
    errorRatio: ok + failed === 0 ? 0 : round((failed / (ok + failed)) * 100, 3),
    latency: timelinePercentiles(second.latency),
    ...(second.serviceTime === undefined ? {} : { serviceTime: timelinePercentiles(second.serviceTime) }),
    generatorCpuPercent: round(sum("generatorCpuPercent"), 1),
    eventLoopDelayMs: Math.max(0, ...points.map((entry) => entry.eventLoopDelayMs ?? 0)),
  };
  for (const key of ["targetRate", "achievedRate", "startedRuns", "droppedRuns"] as const) {
    const value = sumOptional(points, key);
    if (value !== undefined) point[key] = round(value, 2);
  }
  const rss = sumOptional(points, "generatorRssBytes");
  if (rss !== undefined) point.generatorRssBytes = rss;
  return point;
}

/**
 * The timelines on one clock: each input's second `t` is placed at its absolute time (`time`, its
 * `startedAt + t`), rounded to the nearest whole second after the earliest start; points of the same
 * second are summed, their latency histograms merged. A second no loader covered is an empty point.
 */
function mergeTimelines(inputs: readonly MergeInput[], decoded: readonly DecodedHistograms[], start: number) {
  const seconds: SecondSum[] = [];
  /** The inputs whose points each merged second holds, and which of those are a last, partial second. */
  const sources: { input: number; partialEnd: boolean }[][] = [];
  inputs.forEach((input, inputIndex) => {
    const timeline = input.results.timeline;
    timeline.forEach((point, index) => {
      const second = Math.max(0, Math.round((point.time - start) / 1000));
      for (let fill = seconds.length; fill <= second; fill++) {
        seconds.push({ points: [], latency: new LatencyHistogram(), serviceTime: undefined });
        sources.push([]);
      }
      const target = seconds[second] as SecondSum;
      const histograms = decoded[inputIndex]?.timeline[index];
      target.points.push(point);
      const partialEnd = index === timeline.length - 1 && endMs(input.results) - point.time < 1000;
      sources[second]?.push({ input: inputIndex, partialEnd });
      if (histograms === undefined) return;
      target.latency.merge(histograms.latency);
      if (histograms.serviceTime !== undefined) {
        target.serviceTime ??= new LatencyHistogram();
        target.serviceTime.merge(histograms.serviceTime);
      }
    });
  });
  foldTail(seconds, sources);
  return {
    timeline: seconds.map((second, t) => mergedPoint(second, t, start + t * 1000)),
    histograms: seconds.map((second) =>
      encodePair({
        latency: second.latency.serialize(),
        ...(second.serviceTime === undefined ? {} : { serviceTime: second.serviceTime.serialize() }),
      }),
    ),
  };
}

/**
 * Loaders stopped together end in the same instant, but a loader that started later (by more than
 * half a second) has its last, partial second placed one merged second after the others': alone
 * there, it would make the merged run end on a fraction of a second with a fraction of its workers.
 * Such a last second (only last, partial seconds of loaders that the second before also holds, fewer
 * loaders than that one) is folded into the second before: its requests, runs and latencies added,
 * not its workers (the same loaders are counted there) nor its rates.
 */
function foldTail(seconds: SecondSum[], sources: { input: number; partialEnd: boolean }[][]): void {
  const last = seconds.length - 1;
  const tail = sources[last];
  const before = sources[last - 1];
  const into = seconds[last - 1];
  if (tail === undefined || before === undefined || into === undefined || tail.length === 0) return;
  const alone =
    tail.every((source) => source.partialEnd && before.some((other) => other.input === source.input)) &&
    new Set(before.map((source) => source.input)).size > tail.length;
  if (!alone) return;
  const folded = seconds.pop() as SecondSum;
  sources.pop();
  into.folded = [...(into.folded ?? []), ...folded.points];
  into.latency.merge(folded.latency.serialize());
  if (folded.serviceTime !== undefined) {
    into.serviceTime ??= new LatencyHistogram();
    into.serviceTime.merge(folded.serviceTime.serialize());
  }
}

/** Scenarios and requests by name, in the order first seen, counts summed and histograms merged. */
function mergeNamed(inputs: readonly MergeInput[], decoded: readonly DecodedHistograms[]) {
  const scenarios = new Map<string, Omit<ScenarioTotals, "latency">>();
  const requests = new Map<string, Omit<RequestTotals, "latency" | "serviceTime">>();
  const durations = new HistogramSet();
  const latencies = new HistogramSet();
  const serviceTimes = new HistogramSet();
  inputs.forEach((input, inputIndex) => {
    const histograms = decoded[inputIndex] as DecodedHistograms;
    for (const scenario of input.results.scenarios ?? []) {
      const total = scenarios.get(scenario.name) ?? { name: scenario.name, ok: 0, failed: 0, errors: {} };
      total.ok += scenario.ok;
      total.failed += scenario.failed;
      addCounts(total.errors as Record<string, number>, scenario.errors);
      scenarios.set(scenario.name, total);
      const duration = histograms.scenarios[scenario.name];
      if (duration !== undefined) durations.add(scenario.name, duration);
    }
    for (const request of input.results.byRequest ?? []) {
      const total = requests.get(request.name) ?? {
        name: request.name,
        count: 0,
        ok: 0,
        failed: 0,
        statusCodes: {},
        errors: {},
      };
      total.count += request.count;
      total.ok += request.ok ?? request.count - request.failed;
      total.failed += request.failed;
      addCounts(total.statusCodes, request.statusCodes);
      addCounts(total.errors as Record<string, number>, request.errors);
      requests.set(request.name, total);
      const pair = histograms.byRequest[request.name];
      if (pair !== undefined) latencies.add(request.name, pair.latency);
      if (pair?.serviceTime !== undefined) serviceTimes.add(request.name, pair.serviceTime);
    }
  });
  const summary = (set: HistogramSet, name: string) => (set.get(name) ?? new LatencyHistogram()).summary();
  return {
    scenarios: [...scenarios.values()].map((scenario) => ({
      ...scenario,
      errors: nonZero(scenario.errors as Record<string, number>),
      latency: summary(durations, scenario.name),
    })),
    byRequest: [...requests.values()].map((request) => {
      const serviceTime = serviceTimes.get(request.name);
      return {
        ...request,
        statusCodes: sortedByNumber(request.statusCodes),
        errors: nonZero(request.errors as Record<string, number>),
        latency: summary(latencies, request.name),
        ...(serviceTime === undefined ? {} : { serviceTime: serviceTime.summary() }),
      };
    }),
    histograms: {
      scenarios: Object.fromEntries(
        [...scenarios.keys()].map((name) => [name, histogramOf(durations, name)]),
      ),
      byRequest: Object.fromEntries(
        [...requests.keys()].map((name) => {
          const serviceTime = serviceTimes.get(name);
          return [
            name,
            {
              latency: histogramOf(latencies, name),
              ...(serviceTime === undefined ? {} : { serviceTime: serviceTime.serialize() }),
            },
          ];
        }),
      ),
    },
  };
}

function histogramOf(set: HistogramSet, name: string): SerializedHistogram {
  return (set.get(name) ?? new LatencyHistogram()).serialize();
}

/** Each input's loaders: the input itself, or the loaders a merged input lists (merges flatten). */
function loadersOf(input: MergeInput): MergedLoader[] {
  const { results, source } = input;
  if (results.loaders !== undefined && results.loaders.length > 0) return results.loaders;
  return [
    {
      source,
      ...(results.host?.hostname === undefined ? {} : { hostname: results.host.hostname }),
      startedAt: results.startedAt,
      ...(results.endedAt === undefined ? {} : { endedAt: results.endedAt }),
      durationSeconds: results.durationSeconds,
      ...(results.interrupted === undefined ? {} : { interrupted: results.interrupted }),
      ...(results.options?.endReason === undefined ? {} : { endReason: results.options.endReason }),
      ...(results.workersStarted === undefined ? {} : { workersStarted: results.workersStarted }),
      ok: results.ok,
      failed: results.failed,
      requests: results.requests,
      ...(results.selfCheck === undefined ? {} : { selfCheck: results.selfCheck }),
    },
  ];
}

function loaderName(loader: MergedLoader, index: number): string {
  return `loader ${index + 1} (${loader.hostname === undefined ? loader.source : `${loader.hostname}, ${loader.source}`})`;
}

/**
 * The merged self-check: the worst loader's figures (its CPU against its own cores), saturated when
 * any loader was, the message naming each saturated loader. Every loader's own stays in `loaders[]`.
 */
function mergeSelfChecks(loaders: readonly MergedLoader[]): SelfCheck {
  const load = (check: SelfCheckInput | undefined) =>
    (check?.cpuPercentMax ?? 0) / Math.max(1, check?.cores ?? 1);
  const checked = loaders.filter((loader) => loader.selfCheck !== undefined);
  const worst = checked.reduce<MergedLoader | undefined>(
    (current, loader) =>
      current === undefined || load(loader.selfCheck) > load(current.selfCheck) ? loader : current,
    undefined,
  );
  const saturated = loaders.flatMap((loader, index) =>
    loader.selfCheck?.saturated === true
      ? [`${loaderName(loader, index)}: ${loader.selfCheck.message ?? "saturated"}`]
      : [],
  );
  const message =
    saturated.length > 0
      ? `${saturated.length} of ${loaders.length} loaders saturated: ${saturated.join("; ")}`
      : checked.length === 0
        ? "no self-check in the merged files"
        : `no loader saturated (${checked.length} of ${loaders.length} self-checked)`;
  return {
    cpuPercentMax: worst?.selfCheck?.cpuPercentMax ?? 0,
    cpuPercentMean: worst?.selfCheck?.cpuPercentMean ?? 0,
    cores: worst?.selfCheck?.cores ?? 1,
    eventLoopDelayP99MaxMs: Math.max(
      0,
      ...checked.map((loader) => loader.selfCheck?.eventLoopDelayP99MaxMs ?? 0),
    ),
    saturated: saturated.length > 0,
    message,
  };
}

function mergeHosts(inputs: readonly MergeInput[]): ResultsHost {
  const hosts = inputs.map((input) => input.results.host ?? {});
  const unique = (values: (string | undefined)[]) =>
    [...new Set(values.map((value) => value ?? "unknown"))].join(", ");
  return {
    hostname: unique(hosts.map((host) => host.hostname)),
    cpus: hosts.reduce((total, host) => total + (host.cpus ?? 0), 0),
    memoryBytes: hosts.reduce((total, host) => total + (host.memoryBytes ?? 0), 0),
    platform: unique(hosts.map((host) => host.platform)),
  };
}

function mergeArrivalRates(inputs: readonly MergeInput[]): LoadResults["arrivalRate"] {
  const rates = inputs.flatMap((input) =>
    input.results.arrivalRate === undefined ? [] : [input.results.arrivalRate],
  );
  if (rates.length === 0) return undefined;
  const sum = (key: "from" | "to" | "maxWorkers" | "started" | "late" | "dropped") =>
    rates.reduce((total, rate) => total + rate[key], 0);
  return {
    from: sum("from"),
    to: sum("to"),
    rampUp: Math.max(...rates.map((rate) => rate.rampUp)),
    maxWorkers: sum("maxWorkers"),
    started: sum("started"),
    late: sum("late"),
    dropped: sum("dropped"),
  };
}

/** The first input's options, with the counts of workers and processes summed over the loaders. */
function mergeOptions(
  inputs: readonly MergeInput[],
  loaders: readonly MergedLoader[],
): Record<string, unknown> {
  const options: Record<string, unknown> = { ...inputs[0]?.results.options };
  for (const key of ["processes", "totalWorkers"]) {
    const values = inputs.map((input) => input.results.options?.[key]);
    if (values.every((value) => typeof value === "number")) {
      options[key] = (values as number[]).reduce((total, value) => total + value, 0);
    }
  }
  const interrupted = loaders.find((loader) => loader.interrupted === true);
  if (interrupted?.endReason !== undefined) options.endReason = interrupted.endReason;
  options.loaders = loaders.length;
  return options;
}

function sumOf(inputs: readonly MergeInput[], read: (results: LoadResultsInput) => number | undefined) {
  const values = inputs.map((input) => read(input.results)).filter((value) => value !== undefined);
  return values.length === 0 ? undefined : values.reduce((total, value) => total + value, 0);
}

/**
 * Merges the results of N loaders that ran at the same time against the same target into one
 * results object, exactly: every latency figure is recomputed from the sum of the inputs' histograms
 * (the results' `histograms` field), so it equals the figure of one histogram of every request.
 * Counts, status codes and error classes are summed; the timelines are aligned on absolute time
 * (see the timeline rule in docs/formats.md); the self-check names each saturated loader and
 * `loaders[]` keeps each loader's own. A sizing verdict is a loader's own: the merged file has none.
 * The merged file carries merged histograms, so it can itself be merged again.
 *
 * @throws {ResultsFormatError} an input without `histograms`, in an unknown encoding, or malformed
 *   (naming the input's `source` and the field).
 * @throws {UsageError} no input.
 */
export function mergeResults(inputs: readonly MergeInput[], options: MergeOptions = {}): LoadResults {
  if (inputs.length === 0) throw new UsageError("merge: no results to merge", { input: "FILE" });
  const decoded = inputs.map(decodeInput);
  const start = Math.min(...inputs.map((input) => startMs(input.results)));
  const end = Math.max(...inputs.map((input) => endMs(input.results)));
  const durationSeconds = round(Math.max(0, end - start) / 1000, 3);
  const perSecond = (count: number) => (durationSeconds > 0 ? round(count / durationSeconds, 2) : 0);
  const latency = new LatencyHistogram();
  let serviceTime: LatencyHistogram | undefined;
  for (const histograms of decoded) {
    latency.merge(histograms.latency);
    if (histograms.serviceTime === undefined) continue;
    serviceTime ??= new LatencyHistogram();
    serviceTime.merge(histograms.serviceTime);
  }
  const statusCodes: StatusCounts = {};
  const errors = zeroErrors();
  for (const input of inputs) {
    addCounts(statusCodes, input.results.statusCodes);
    addCounts(errors, input.results.errors);
  }
  const named = mergeNamed(inputs, decoded);
  const timelines = mergeTimelines(inputs, decoded, start);
  const loaders = inputs.flatMap(loadersOf);
  const ok = inputs.reduce((total, input) => total + input.results.ok, 0);
  const failed = inputs.reduce((total, input) => total + input.results.failed, 0);
  const requests = inputs.reduce((total, input) => total + input.results.requests, 0);
  const workersStarted = sumOf(inputs, (results) => results.workersStarted);
  const arrivalRate = mergeArrivalRates(inputs);
  return {
    format: RESULTS_FORMAT,
    formatVersion: RESULTS_FORMAT_VERSION,
    tool: { name: "loadcore", version: VERSION, node: process.version },
    command: [...(options.command ?? ["loadcore", "merge", ...inputs.map((input) => input.source)])],
    host: mergeHosts(inputs),
    startedAt: new Date(start).toISOString(),
    endedAt: new Date(end).toISOString(),
    durationSeconds,
    interrupted: inputs.some((input) => input.results.interrupted === true),
    options: mergeOptions(inputs, loaders),
    ...(workersStarted === undefined ? {} : { workersStarted }),
    ok,
    failed,
    requests,
    throughput: perSecond(requests),
    scenariosPerSecond: perSecond(ok + failed),
    latency: latency.summary(),
    ...(serviceTime === undefined ? {} : { serviceTime: serviceTime.summary() }),
    statusCodes: sortedByNumber(statusCodes),
    errors: errors as Record<ErrorClass, number>,
    scenarios: named.scenarios,
    byRequest: named.byRequest,
    timeline: timelines.timeline,
    ...(arrivalRate === undefined ? {} : { arrivalRate }),
    selfCheck: mergeSelfChecks(loaders),
    loaders,
    histograms: encodeRunHistograms({
      latency: latency.serialize(),
      ...(serviceTime === undefined ? {} : { serviceTime: serviceTime.serialize() }),
      ...named.histograms,
      timeline: timelines.histograms,
    }),
  };
}
