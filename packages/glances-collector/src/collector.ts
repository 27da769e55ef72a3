import { hostname } from "node:os";
import type { Dispatcher } from "undici";
import { type Clock, systemClock } from "./clock.js";
import { ContainerSampler, type ContainerSpec } from "./container-sampler.js";
import { CollectorStateError, InvalidOptionError } from "./errors.js";
import { GlancesCsvSource } from "./glances-csv-source.js";
import { GlancesRestSource } from "./glances-rest-source.js";
import { HostSampler } from "./host-sampler.js";
import type { CollectorEvent, CollectorNote, MetricSample, MetricsFileMeta } from "./metric-sample.js";
import { METRICS_FORMAT_VERSION } from "./metric-sample.js";
import { NativeSource } from "./native-source.js";
import { ProcessTreeSampler } from "./process-tree-sampler.js";
import type { SampleSource, SourceContext } from "./sample-source.js";

/** Where samples come from: `native` reads /proc and cgroups; `glances` spawns Glances; `glances-rest` polls one. */
export type CollectorSourceName = "native" | "glances" | "glances-rest";

/** Options of `createCollector`. */
export interface CollectorOptions {
  /** Default `native`. */
  source?: CollectorSourceName;
  /** Seconds between samples (0.1 to 3600). Default 1. */
  interval?: number;
  /** Root of a process tree to watch (native source). */
  pid?: number;
  /** Containers to watch (native source): ids, cgroup paths or `pid:<pid>`; see `ContainerSpec`. */
  containers?: ContainerSpec[];
  /** Host metrics (native source). Default true. */
  host?: boolean;
  /** Stop by itself after this many seconds. */
  duration?: number;
  /** Stops the collector when aborted. */
  signal?: AbortSignal;
  clock?: Clock;
  /** Recorded `/proc` and `/sys` trees for tests; default the real ones. */
  procRoot?: string;
  sysRoot?: string;
  /** Spawned Glances: the executable (default `glances`) and where it writes its CSV (default a temp file). */
  glancesCommand?: string;
  glancesCsvFile?: string;
  /** Glances REST: the server's URL, e.g. `http://127.0.0.1:61208`. */
  glancesUrl?: string;
  /** undici dispatcher for the REST source. */
  dispatcher?: Dispatcher;
  /** The host name to record; default the source's (Glances) or `os.hostname()`. */
  hostName?: string;
}

/** A running (or runnable) collector: an async iterable of samples. */
export interface Collector extends AsyncIterable<MetricSample> {
  /** Opens the source (checks the pid, starts Glances, takes a baseline) and starts sampling. */
  start(): Promise<void>;
  /** Stops sampling; pending samples stay readable and iteration then ends. */
  stop(): Promise<void>;
  /** Samples and notes in the order they happened; iterate this OR the collector, once. */
  events(): AsyncIterable<CollectorEvent>;
  /** The file metadata, known after `start()`. */
  readonly meta: MetricsFileMeta;
  /** Every note so far. */
  readonly notes: readonly CollectorNote[];
}

const SOURCE_NAMES: CollectorSourceName[] = ["native", "glances", "glances-rest"];

function validate(options: CollectorOptions): void {
  const source = options.source ?? "native";
  if (!SOURCE_NAMES.includes(source)) {
    throw new InvalidOptionError(
      "source",
      `source "${String(source)}" is not one of ${SOURCE_NAMES.join(", ")}`,
    );
  }
  const interval = options.interval ?? 1;
  if (typeof interval !== "number" || !Number.isFinite(interval) || interval < 0.1 || interval > 3600) {
    throw new InvalidOptionError(
      "interval",
      `interval ${String(interval)} must be a number of seconds from 0.1 to 3600`,
    );
  }
  if (options.pid !== undefined && (!Number.isInteger(options.pid) || options.pid <= 0)) {
    throw new InvalidOptionError("pid", `pid ${String(options.pid)} must be a positive integer`);
  }
  if (options.duration !== undefined && (!Number.isFinite(options.duration) || options.duration <= 0)) {
    throw new InvalidOptionError(
      "duration",
      `duration ${String(options.duration)} must be a positive number of seconds`,
    );
  }
  if (source === "glances-rest" && !options.glancesUrl) {
    throw new InvalidOptionError(
      "glancesUrl",
      "the glances-rest source needs glancesUrl (e.g. http://127.0.0.1:61208)",
    );
  }
  if (source !== "native" && (options.pid !== undefined || (options.containers?.length ?? 0) > 0)) {
    throw new InvalidOptionError(
      "source",
      `pid and containers are watched by the native source only; with source "${source}" Glances reports what it exports`,
    );
  }
}

function createSource(options: CollectorOptions): SampleSource {
  const source = options.source ?? "native";
  if (source === "glances") {
    return new GlancesCsvSource({
      ...(options.glancesCommand ? { command: options.glancesCommand } : {}),
      ...(options.glancesCsvFile ? { csvFile: options.glancesCsvFile } : {}),
    });
  }
  if (source === "glances-rest") {
    return new GlancesRestSource({
      url: options.glancesUrl as string,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
    });
  }
  const paths = {
    ...(options.procRoot ? { procRoot: options.procRoot } : {}),
    ...(options.sysRoot ? { sysRoot: options.sysRoot } : {}),
  };
  return new NativeSource({
    host: options.host === false ? undefined : new HostSampler(paths),
    processTree:
      options.pid === undefined ? undefined : new ProcessTreeSampler({ pid: options.pid, ...paths }),
    containers:
      options.containers && options.containers.length > 0
        ? new ContainerSampler(options.containers, options.procRoot ? { procRoot: options.procRoot } : {})
        : undefined,
  });
}

/**
 * Creates a collector of resource samples. Nothing runs until `start()` or the first iteration.
 *
 * ```ts
 * const collector = createCollector({ pid: 1234, interval: 1, duration: 60 });
 * for await (const sample of collector) console.log(sample.values["process.cpu.percent"]);
 * ```
 */
export function createCollector(options: CollectorOptions = {}): Collector {
  validate(options);
  return new RunningCollector(options);
}

class RunningCollector implements Collector {
  readonly #options: CollectorOptions;
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #source: SampleSource;
  readonly #controller = new AbortController();
  readonly #buffer: CollectorEvent[] = [];
  readonly #notes: CollectorNote[] = [];
  #wake: (() => void) | undefined;
  #state: "new" | "starting" | "running" | "stopping" | "done" = "new";
  #starting: Promise<void> | undefined;
  #running: Promise<void> | undefined;
  #failure: unknown;
  #meta: MetricsFileMeta | undefined;
  #iterated = false;
  #onAbort = (): void => {
    void this.stop();
  };

  constructor(options: CollectorOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#interval = options.interval ?? 1;
    this.#source = createSource(options);
  }

  get meta(): MetricsFileMeta {
    if (!this.#meta) throw new CollectorStateError("the collector's metadata is known after start()");
    return this.#meta;
  }

  get notes(): readonly CollectorNote[] {
    return this.#notes;
  }

  #push(event: CollectorEvent): void {
    if (event.type === "note") this.#notes.push({ time: event.time, message: event.message });
    this.#buffer.push(event);
    this.#wake?.();
  }

  #context(): SourceContext {
    return {
      interval: this.#interval,
      clock: this.#clock,
      signal: this.#controller.signal,
      emit: (event) => this.#push(event),
    };
  }

  start(): Promise<void> {
    if (this.#starting) return this.#starting;
    if (this.#state !== "new") return Promise.resolve();
    this.#state = "starting";
    this.#starting = this.#open();
    return this.#starting;
  }

  async #open(): Promise<void> {
    const signal = this.#options.signal;
    if (signal?.aborted) {
      this.#state = "done";
      this.#meta = this.#makeMeta("unknown", undefined);
      return;
    }
    signal?.addEventListener("abort", this.#onAbort, { once: true });
    const context = this.#context();
    let info: Awaited<ReturnType<SampleSource["open"]>>;
    try {
      info = await this.#source.open(context);
    } catch (error) {
      this.#state = "done";
      signal?.removeEventListener("abort", this.#onAbort);
      await this.#source.close().catch(() => undefined);
      throw error;
    }
    this.#meta = this.#makeMeta(info.sourceVersion, info.host);
    if (this.#state !== "starting") return;
    this.#state = "running";
    if (this.#options.duration !== undefined) {
      const signal = this.#controller.signal;
      void this.#clock.sleep(this.#options.duration * 1000, signal).then(() => {
        if (!signal.aborted) void this.stop();
      });
    }
    this.#running = this.#source.run(context).then(
      () => undefined,
      (error: unknown) => {
        if (!this.#controller.signal.aborted) this.#failure = error;
      },
    );
    void this.#running.then(() => {
      if (this.#state === "running") void this.stop();
    });
  }

  #makeMeta(sourceVersion: string, sourceHost: string | undefined): MetricsFileMeta {
    const source = this.#options.source ?? "native";
    return {
      format: "sizer-metrics",
      formatVersion: METRICS_FORMAT_VERSION,
      source: source === "glances" ? "glances-csv" : source,
      sourceVersion,
      host: this.#options.hostName ?? sourceHost ?? hostname(),
      intervalSeconds: this.#interval,
      ...(this.#options.pid !== undefined ? { pid: this.#options.pid } : {}),
    };
  }

  async stop(): Promise<void> {
    if (this.#state === "new") {
      this.#state = "done";
      this.#wake?.();
      return;
    }
    if (this.#state === "starting") {
      this.#state = "stopping";
      this.#controller.abort();
      await this.#starting?.catch(() => undefined);
    }
    if (this.#state === "done") return;
    this.#state = "stopping";
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.#controller.abort();
    await this.#running;
    await this.#source.close();
    this.#state = "done";
    this.#wake?.();
  }

  async *events(): AsyncGenerator<CollectorEvent> {
    if (this.#iterated) throw new CollectorStateError("a collector can be iterated once");
    this.#iterated = true;
    await this.start();
    try {
      for (;;) {
        const event = this.#buffer.shift();
        if (event) {
          yield event;
          continue;
        }
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#state === "done") return;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      if (this.#state !== "done") await this.stop();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<MetricSample> {
    for await (const event of this.events()) {
      if (event.type === "sample") yield { time: event.time, values: event.values };
    }
  }
}
