import type { Writable } from "node:stream";
import type { LoadResults, RunOptions } from "@sizer/loadcore";
import type { PlotlyBundle } from "@sizer/report";
import type { CpuPlan } from "./cpu-plan.js";
import type { SizingRunOptions } from "./load-runner.js";
import type { ProcessExit } from "./process-tree.js";

/** Where the service comes from. */
export type ServiceSource =
  | {
      kind: "command";
      /** `--service-cmd`. */
      command: string;
      /** `--service-cwd`. */
      cwd?: string | undefined;
      /** `--port`: the port it listens on (a free one is chosen and given as PORT when absent). */
      port?: number | undefined;
      /** `--url`: the URL it answers at, when not `http://127.0.0.1:<port>/`. */
      url?: string | undefined;
    }
  | {
      kind: "docker";
      /** `--image`. */
      image: string;
      /** `--port`: the port the container listens on, given to it as PORT. */
      port: number;
      /** `--docker-network host|bridge`; default: bridge where the engine has one, else host. */
      network?: "host" | "bridge" | undefined;
      /** `--service-memory`: the container's memory limit (`docker run --memory`). */
      memory?: string | undefined;
    }
  | {
      kind: "url";
      url: string;
      pid?: number | undefined;
      /**
       * Resolves when the service ends, when the caller watches it where it runs (`sizer aws run`:
       * `docker wait` of the container on its node): waiting for health stops, and the run stops as
       * for a service sizer started (exit 4, a partial report).
       */
      ended?: Promise<ProcessExit> | undefined;
    };

/** Where the scenario comes from. */
export type ScenarioSource =
  | { kind: "file"; file: string }
  | { kind: "repo"; repo: string; test: string; ref?: string | undefined };

/**
 * The run options of loadcore that `sizer run` passes through (every one but `quiet` and `output`,
 * which are sizer's: `-q`, `-o` DIR); absent = loadcore's default. Validated by loadcore's
 * `checkRunOptions`; `sizing` is always on.
 */
export type LoadSettings = Partial<
  Omit<
    RunOptions,
    | "scenarioFile"
    | "quiet"
    | "output"
    | "env"
    | "signal"
    | "stdout"
    | "stderr"
    | "cwd"
    | "onProgress"
    | "command"
    | "tty"
    | "summary"
  >
>;

/** How progress is shown. */
export type OutputMode = "human" | "quiet" | "json";

/** Everything `sizer run` needs, as validated by the command line or given by a program. */
export interface SizerRunOptions {
  service: ServiceSource;
  /**
   * Runs the load and returns its results, in place of loadcore in this process (`runSizing`):
   * `sizer aws run --loaders N` runs it on loader nodes and merges their results.
   */
  loadRunner?: ((run: SizingRunOptions) => Promise<LoadResults>) | undefined;
  /** `--service-env K=V`: variables for the service (its environment, or the container's). */
  serviceEnv?: Record<string, string> | undefined;
  /** `--health-url`: polled until it answers 2xx; default the service's URL (any answer below 500). */
  healthUrl?: string | undefined;
  /** `--ready-timeout`, seconds (default 30). */
  readyTimeout?: number | undefined;
  scenario: ScenarioSource;
  /** `--collector` (default native). */
  collector?: "native" | "glances";
  /**
   * `--glances-url`: with a `url` service, the Glances web server (`glances -w`) of the service's host,
   * whose REST API records that host's resources instead of this machine's.
   */
  glancesUrl?: string | undefined;
  /**
   * Where the service's resources are recorded when neither here nor by `glancesUrl` (`sizer aws
   * run`: on the node). The run then neither warns about shared cores nor prints a verdict from this
   * machine's metrics: the caller rebuilds the report from the node's and says the verdict.
   */
  recordedElsewhere?: string | undefined;
  /**
   * The cores of a service that runs on another machine where the caller pinned it (`sizer aws
   * run`: the container's cpuset on its node, decided by `planCpus`): recorded in command.json and
   * reported as this run's plan (the report's "of its N cores"), in place of one planned here.
   */
  servicePlan?: CpuPlan | undefined;
  /** `--interval`: seconds between resource samples (default 1). */
  interval?: number | undefined;
  load: LoadSettings;
  /** `--service-cpus`. */
  serviceCpus?: number[] | undefined;
  /** `--load-cpus`. */
  loadCpus?: number[] | undefined;
  /** False with `--no-pin`: no taskset at all. */
  pin?: boolean;
  /** `--out`: the output folder (created; must be empty when it exists). */
  outDir: string;
  /** `--title` of the report. */
  title?: string | undefined;
  /** `--plotly`: the plotly.js bundle the report inlines (default `basic`, see @sizer/report). */
  plotly?: PlotlyBundle | undefined;
  /**
   * `--model`: `workers` (default) sizes with the load settings given; `auto` switches to the
   * arrival-rate ramp the analysis advises (`analysis.modelAdvice`) when a handful of workers already
   * failed: a second run, into the same folder, with `--ramp-rate 1:N --ramp-up 60` in place of the
   * workers and ramp-up. Not with `load.rate` or `load.rampRate`.
   */
  model?: "workers" | "auto" | undefined;
  /** Progress output (default human). */
  output?: OutputMode;
  /** The command line as given, recorded in command.json and the report. */
  argv?: readonly string[];
  /** Aborting stops the load, ends the service and writes a partial report. */
  signal?: AbortSignal;
  stdout?: Writable;
  stderr?: Writable;
  /** Clock for elapsed/remaining times and file stamps. */
  now?: () => number;
  /** The taskset program (default `taskset`). */
  taskset?: string;
  /** The docker CLI (default `docker`). */
  docker?: string;
  /** Grace given to the service tree after SIGTERM before SIGKILL, ms (default 5000). */
  stopGraceMs?: number;
}
