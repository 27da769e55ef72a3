import { createCollector, type MetricSample, MetricsCsvWriter } from "@sizer/glances-collector";
import { CollectorStartError } from "./errors.js";

/** Samples kept for {@link ResourceRecorder.valueAt}. */
const RECENT_SAMPLES = 10;

/** Options of {@link ResourceRecorder.start}. */
export interface ResourceRecorderOptions {
  /** `native` (/proc and cgroups), `glances` (a spawned Glances) or `glances-rest` (a Glances web server's REST API). */
  source: "native" | "glances" | "glances-rest";
  /** The Glances web server's URL, for `glances-rest`. */
  glancesUrl?: string | undefined;
  /** Root of the service's process tree, when known. */
  pid?: number | undefined;
  /** Containers to watch: the metrics' name and the engine's id. */
  containers?: ReadonlyArray<{ name: string; id: string }>;
  intervalSeconds: number;
  /** The metrics CSV written as samples come. */
  file: string;
}

/**
 * Records the resources of the service and the host into `metrics.csv` while the load runs, and
 * keeps the latest sample for the live progress line.
 */
export class ResourceRecorder {
  /** The latest sample, for live figures. */
  latest: MetricSample | undefined;
  /** The last samples, oldest first, to pair a figure with the second it describes. */
  private readonly recent: MetricSample[] = [];
  /** Samples written so far. */
  samples = 0;
  private readonly controller = new AbortController();
  private done: Promise<void> = Promise.resolve();
  private failure: unknown;
  private stopCollector: () => Promise<void> = async () => {};

  private constructor() {}

  /** Starts sampling; fails at once when the source cannot start (e.g. Glances missing, pid gone). */
  static async start(options: ResourceRecorderOptions): Promise<ResourceRecorder> {
    const recorder = new ResourceRecorder();
    const native = options.source === "native";
    try {
      return await ResourceRecorder.open(recorder, native, options);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && code.startsWith("ERR_COLLECTOR_")) {
        throw new CollectorStartError(
          `cannot record the resources (${
            options.source === "glances-rest"
              ? `--glances-url ${options.glancesUrl}`
              : `--collector ${options.source}`
          }): ${(error as Error).message}`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  private static async open(
    recorder: ResourceRecorder,
    native: boolean,
    options: ResourceRecorderOptions,
  ): Promise<ResourceRecorder> {
    const collector = createCollector({
      source: options.source,
      // Glances reports what it exports; only the native source watches a process tree or containers.
      ...(native && options.pid !== undefined ? { pid: options.pid } : {}),
      ...(native && options.containers && options.containers.length > 0
        ? { containers: options.containers.map(({ name, id }) => ({ name, id })) }
        : {}),
      ...(options.source === "glances-rest" && options.glancesUrl ? { glancesUrl: options.glancesUrl } : {}),
      interval: options.intervalSeconds,
      signal: recorder.controller.signal,
    });
    await collector.start();
    const { format: _format, formatVersion: _version, ...meta } = collector.meta;
    const writer = new MetricsCsvWriter(options.file, meta);
    recorder.done = (async () => {
      try {
        for await (const event of collector.events()) {
          if (event.type === "sample") {
            recorder.latest = event;
            recorder.samples += 1;
            recorder.recent.push(event);
            if (recorder.recent.length > RECENT_SAMPLES) recorder.recent.shift();
          }
          await writer.write(event);
        }
      } catch (error) {
        recorder.failure = error;
      } finally {
        await writer.close().catch((error: unknown) => {
          recorder.failure ??= error;
        });
      }
    })();
    recorder.stopCollector = () => collector.stop();
    return recorder;
  }

  /** Stops sampling and closes the file (no sample lost). Returns an error the collector raised, if any. */
  async stop(): Promise<unknown> {
    this.controller.abort();
    await this.stopCollector().catch((error: unknown) => {
      this.failure ??= error;
    });
    await this.done;
    return this.failure;
  }

  /** A metric of the latest sample, when present. */
  value(name: string): number | undefined {
    return this.latest?.values[name];
  }

  /**
   * A metric of the sample taken nearest to `time` (epoch ms), within a second: the figure of the same
   * second as a load figure closed at that time, so a progress line does not pair seconds apart.
   */
  valueAt(name: string, time: number): number | undefined {
    let best: MetricSample | undefined;
    for (const sample of this.recent) {
      if (Math.abs(sample.time - time) > 1000) continue;
      if (best === undefined || Math.abs(sample.time - time) < Math.abs(best.time - time)) best = sample;
    }
    return best?.values[name];
  }
}
