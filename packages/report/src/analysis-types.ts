import type { TimelineLatency } from "./inputs/types.js";

/** What ran out first. */
export type BottleneckResource =
  | "cpu"
  | "memory"
  | "disk"
  | "network"
  | "application"
  | "generator"
  | "unknown";

/** Where the saturated resource was measured. */
export type BottleneckScope = "service" | "container" | "host" | "generator";

/** How sure the verdict is. */
export type Confidence = "high" | "medium" | "low";

/** Facts about the run that the results and metrics files do not carry. */
export interface RunMetadata {
  /** The command that started the service under test. */
  serviceCommand?: string;
  /** The target URL the load went to. */
  target?: string;
  /** Tool and service versions, e.g. `{ sizer: "0.1.0", service: "1.4.2" }`. */
  versions?: Record<string, string>;
  /** The node the service ran on. */
  host?: { name?: string; instanceType?: string; vcpus?: number; memoryBytes?: number };
  /** True when the load generator and the service shared the same cores. */
  sharedCores?: boolean;
  /** The CPU numbers the service was pinned to (sizer's `--service-cpus`), when it was. */
  serviceCpus?: number[];
  /** True when the run was interrupted or the service died: the report says "partial". */
  partial?: boolean;
  /** Why the run is partial. */
  partialReason?: string;
  /** Set when the service under test exited during the run (sizer fills it): the verdict is that it died. */
  serviceExit?: {
    /** Exit code, null when it was killed by a signal. */
    code: number | null;
    /** Signal name (e.g. "SIGKILL"), null when it exited by itself. */
    signal: string | null;
    /** When it exited, seconds since the run's start (the results' startedAt); null when unknown. */
    atSeconds: number | null;
  };
}

/** Thresholds and windows of the verdict's rules; every one is documented in the README. */
export interface AnalysisThresholds {
  /** CPU of the service, container or host at or above this share of its cores is saturated. */
  cpuPercent: number;
  /** A process tree at or above this % of one core, on a node with more cores, is single-core bound. */
  singleCorePercent: number;
  /** Container memory usage at or above this share of its limit is saturated. */
  memoryLimitPercent: number;
  /** Host memory use at or above this percent is saturated. */
  hostMemoryPercent: number;
  /** Swap use growing by this many bytes from the start of the run to the onset means swapping. */
  swapGrowthBytes: number;
  /** Service memory that grew by this percent from the first loaded second to the onset, in step with the workers. */
  memoryGrowthPercent: number;
  /** Disk utilisation at or above this percent is saturated. */
  diskUtilPercent: number;
  /** Host iowait at or above this percent (of all cores) means the disk was the wait. */
  iowaitPercent: number;
  /** Interface traffic at or above this share of its link speed is saturated. */
  networkPercent: number;
  /** The load generator at or above this share of its cores was saturated. */
  generatorCpuPercent: number;
  /** Seconds before the onset that the evidence window covers. */
  windowBeforeSeconds: number;
  /** Seconds after the onset that the evidence window covers. */
  windowAfterSeconds: number;
  /** Seconds over which the error ratio is computed to find the failure onset. */
  errorWindowSeconds: number;
  /** Fewest scenario runs in the error window for its ratio to count. */
  errorWindowMinRuns: number;
  /** Plateau: workers grew by this fraction afterwards... */
  plateauWorkerGrowth: number;
  /** ...while throughput never grew by more than this fraction. */
  plateauThroughputGrowth: number;
  /** Consecutive samples at or above a threshold for a saturation to have started. */
  sustainedSamples: number;
}

/** One resource the rules looked at, saturated or not. */
export interface ResourceCheck {
  resource: "cpu" | "memory" | "disk" | "network" | "generator";
  scope: BottleneckScope;
  /** Which rule: `cpu-cores`, `cpu-single-core`, `cpu-pinned-cores`, `memory-limit`, `memory-host`, `swap`, `memory-growth`, `disk-util`, `iowait`, `network-link`, `generator-cpu`. */
  rule: string;
  /** What was measured, for people: "service process tree CPU", "eth0 link". */
  label: string;
  /** The metric(s) it was computed from. */
  metric: string;
  /** The unit of `threshold`, `windowLevel` and `peakLevel`. */
  unit: "percent" | "bytes";
  /** The level at which the rule fires. */
  threshold: number;
  /** The 75th percentile of the level over the evidence window (for growth rules: the growth up to it). */
  windowLevel: number | null;
  /** The highest level over the run. */
  peakLevel: number | null;
  peakAtSeconds: number | null;
  /** When the level first stayed at or above the threshold (seconds since the start), before the window's end. */
  sinceSeconds: number | null;
  saturated: boolean;
  /** The window level in a few words: "98.9% of 2 cores". */
  short: string;
  /** A human-readable fact with numbers, e.g. "the service used 1.96 of 2 cores (98%) at 62 s". */
  detail: string;
}

/**
 * Where the throughput stopped growing with the load although nothing failed: the throughput plateau
 * (more workers, no more throughput, rising latency) or a resource of the service at its limit.
 */
export interface Saturation {
  /** What showed it first: the throughput plateau, or a saturated resource check (its rule). */
  signal: "plateau" | "resource";
  /** The saturated resource check, in a few words ("CPU of the service, 99% of its 1 core"), when one ran out. */
  resource: string | null;
  /** When it began, seconds since the start. */
  atSeconds: number;
  /** Workers when it began. */
  workers: number;
  /** Requests per second held once saturated: the median of the whole seconds from its start to the failures or the end. */
  throughput: number;
  /** Latency over the first seconds of the saturation. */
  latencyAtStart: Partial<TimelineLatency> | null;
  /** Latency over the last seconds of the saturation, and the workers then. */
  latencyAtEnd: Partial<TimelineLatency> | null;
  workersAtEnd: number;
}

/** The throughput fell while the load held or grew, by more than the run's noise. */
export interface Decline {
  /** The best level held for `averagedSeconds` whole seconds, before the fall. */
  peak: { throughput: number; atSeconds: number; workers: number; averagedSeconds: number };
  /** The level of the last `averagedSeconds` whole seconds: what the node sustained. */
  sustained: {
    throughput: number;
    fromSeconds: number;
    toSeconds: number;
    workers: number;
    latency: Partial<TimelineLatency> | null;
  };
  /** How far it fell, percent of the peak. */
  dropPercent: number;
  /** The smallest fall counted as a decline on this run (its noise), percent. */
  noisePercent: number;
  /** What grew meanwhile, for people: "p95 latency from 12 ms to 80 ms", "service memory from 60 MiB to 140 MiB". */
  grew: string[];
}

/** The load one node took. */
export interface Capacity {
  /**
   * True when a limit was found: a stop criterion fired with a healthy level known, or, with nothing
   * failing, the service saturated or declined (`levelFrom` says which).
   */
  found: boolean;
  /** Workers at the run's best level (see `levelFrom`); the one figure the headline, cards and summaries give. */
  workers: number | null;
  /** Requests per second at the run's best level. */
  throughput: number | null;
  /** Latency (ms) at the run's best level. */
  latency: Partial<TimelineLatency> | null;
  /**
   * Where `workers`, `throughput` and `latency` come from: `healthy`, the last healthy level (the sizing
   * block's, or the 10 s before the failure onset); `peak`, the peak throughput's seconds when nothing
   * failed and no healthy level was given (every level was healthy); `saturation`, the level held once
   * the service saturated (see `saturation`); `decline`, the level sustained after the throughput fell
   * (see `decline`); null when there is no level.
   */
  levelFrom: "healthy" | "peak" | "saturation" | "decline" | null;
  /** The saturation, when the throughput stopped growing before any failure; null otherwise. */
  saturation: Saturation | null;
  /** The decline, when the throughput fell while the load held or grew; null otherwise. */
  decline: Decline | null;
  stopReason: string | null;
  stoppedAtSeconds: number | null;
  workersAtStop: number | null;
  /** Percent, over the stop window. */
  errorRatioAtStop: number | null;
  tolerancePercent: number;
  latencyObjective: { percentile: string; thresholdMs: number } | null;
  /**
   * `throughput` is the plateau's at its start; `levelThroughput` where the throughput levelled out
   * after it (highest level held), null when unknown (results of loadcore 0.1.0).
   */
  plateau: { atSeconds: number; workers: number; throughput: number; levelThroughput: number | null } | null;
  /** The highest throughput averaged over `averagedSeconds` (10, a third of a run under 30 s), and when. */
  peakThroughput: { value: number; atSeconds: number; averagedSeconds: number } | null;
  /** Where the numbers come from: the sizing block of the results, or the timeline. */
  basis: "sizing" | "timeline";
  /**
   * A run of the arrival-rate model (`--rate`, `--ramp-rate`): the rate the service sustained and the
   * pool it took (then `throughput` is that rate in req/s and `workers` the pool); null otherwise.
   */
  arrivalRate?: ArrivalRateLevel | null;
  /** One sentence. */
  message: string;
}

/**
 * The arrival-rate figures of a run (loadcore's `sizing.rate` and `arrivalRate` blocks), rates in scenario
 * runs per second unless said otherwise.
 */
export interface ArrivalRateLevel {
  /**
   * The rate the service sustained (`sizing.rate.capacity`), null when not found; for a run that was not
   * sized, the mean achieved rate of the level's seconds (the whole run at a constant rate).
   */
  runsPerSecond: number | null;
  /** The same level in HTTP requests per second (measured by loadcore over the same seconds), or null. */
  requestsPerSecond: number | null;
  /**
   * The pool of workers that rate took (`sizing.rate.capacityWorkers`): an upper bound on the workers
   * the service kept busy, since it counts the runs waiting in the service's queue.
   */
  poolWorkers: number | null;
  /**
   * The target over the seconds `runsPerSecond` was read from: loadcore's `sizing.rate.targetAtHealthy`
   * for a sized run, the mean target of the level's seconds for a run that was not sized; or null.
   */
  targetRunsPerSecond: number | null;
  /**
   * A run that was not sized: whether the achieved rate followed the target (95% of it or more) with
   * errors within the tolerance and no run dropped over the level's seconds. Null for a sized run,
   * whose verdict is loadcore's stop.
   */
  keptUp: boolean | null;
  /** Target rate of the second that stopped the run (or of the last second). */
  targetAtStop: number | null;
  /** Achieved rate of that second. */
  achievedAtStop: number | null;
  /** Target rate where the achieved rate stopped following it, on a plateau stop; null otherwise. */
  plateauTargetRate: number | null;
  /** The ramp's target rates, start and end. */
  from: number;
  to: number;
  /** The most workers the pool could grow to. */
  maxWorkers: number;
  /** The most workers the pool had in any second (`timeline[].workers`, all processes). */
  peakWorkers: number;
  /** Scenario runs started (on time or late), started late, and dropped (never started). */
  started: number;
  late: number;
  dropped: number;
}

/** When things went wrong, in seconds since the start of the run. */
export interface Onsets {
  /** First second the error ratio (or the latency objective) stayed past the tolerance. */
  failureSeconds: number | null;
  /** What the failure onset is: the error ratio past the tolerance, or the latency objective broken. */
  failureCause: "errors" | "latency" | null;
  /** First second of the throughput plateau. */
  plateauSeconds: number | null;
  /** First second of the saturation that sets the capacity when nothing failed (see `Capacity.saturation`). */
  saturationSeconds: number | null;
  /** The earlier of the two, or the end of the run. */
  referenceSeconds: number;
  /** The evidence window around the reference. */
  window: { fromSeconds: number; toSeconds: number };
}

/** The verdict. */
export interface Bottleneck {
  resource: BottleneckResource;
  confidence: Confidence;
  scope: BottleneckScope;
  /** The rule that decided: a check's rule, or `service-died`, `all-failed`, `generator-cpu`, `self-check`, `memory-growth`, `none-saturated`, `no-onset`, `no-metrics`, `no-samples-in-window`. */
  rule: string;
  /** One sentence saying what ran out first. */
  summary: string;
  /** Human-readable facts with numbers and times. */
  evidence: string[];
}

/** Whether the numbers can be believed. */
export interface Trust {
  trustworthy: boolean;
  /** The run was interrupted or the service died. */
  partial: boolean;
  warnings: string[];
}

/** Everything the analysis concluded; `summary.json` carries it. */
export interface Analysis {
  /** Two sentences: the capacity, then the bottleneck. */
  headline: string;
  capacity: Capacity;
  onset: Onsets;
  bottleneck: Bottleneck;
  trust: Trust;
  checks: ResourceCheck[];
  /** The cores the service could use, and where that number came from. */
  serviceCores: { count: number; source: string } | null;
  /**
   * When the run's model could not answer (a workers-model sizing that failed at a handful of
   * workers): why, and the arrival-rate flags to size it with instead (`--ramp-rate 1:N --ramp-up S`).
   */
  modelAdvice?: { message: string; flags: string[] } | null;
}
