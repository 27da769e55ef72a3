import { existsSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import {
  checkRunOptions,
  type FlagSpec,
  type FlagValues,
  parseRunCommandLine,
  RUN_OPTION_FLAGS,
  RunOptionError,
  type RunOptionName,
  UsageError,
} from "@sizer/loadcore";
import { PLOTLY_BUNDLES, type PlotlyBundle } from "@sizer/report";
import { parseCpuList } from "./cpu-plan.js";
import { ScenarioError, SizerUsageError } from "./errors.js";
import type { LoadSettings, ScenarioSource, ServiceSource, SizerRunOptions } from "./sizer-options.js";

/**
 * The run options of loadcore that `sizer run` passes on, under loadcore's own flags (its table,
 * `RUN_OPTION_FLAGS`): all of them but `quiet` and `output`, which are sizer's own (`-q`, `-o` DIR:
 * the results go to DIR/results.json). `--sizing` is accepted and always on.
 */
export const LOAD_OPTIONS = (Object.keys(RUN_OPTION_FLAGS) as RunOptionName[]).filter(
  (name) => name !== "quiet" && name !== "output",
);

/** The flags of `sizer run` besides loadcore's run options ({@link LOAD_OPTIONS}), for parseArgs and the help text. */
export const RUN_FLAGS = {
  "service-cmd": { type: "string" },
  "service-cwd": { type: "string" },
  "service-env": { type: "string", multiple: true },
  image: { type: "string" },
  port: { type: "string" },
  "docker-network": { type: "string" },
  "service-memory": { type: "string" },
  url: { type: "string" },
  pid: { type: "string" },
  "health-url": { type: "string" },
  "ready-timeout": { type: "string" },
  scenario: { type: "string" },
  repo: { type: "string" },
  test: { type: "string" },
  ref: { type: "string" },
  collector: { type: "string" },
  model: { type: "string" },
  "glances-url": { type: "string" },
  interval: { type: "string" },
  "service-cpus": { type: "string" },
  "load-cpus": { type: "string" },
  "no-pin": { type: "boolean" },
  out: { type: "string", short: "o" },
  title: { type: "string" },
  plotly: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies Record<string, FlagSpec>;

/** A `--plotly` value: one of the bundles @sizer/report can inline. */
export function plotlyBundle(flag: string, text: string): PlotlyBundle {
  const bundle = PLOTLY_BUNDLES.find((name) => name === text);
  if (bundle === undefined) {
    throw new SizerUsageError(
      `--${flag}`,
      `--${flag} must be one of ${PLOTLY_BUNDLES.join(", ")}, got ${JSON.stringify(text)}`,
    );
  }
  return bundle;
}

/** The default output folder: `./sizer-report-<UTC timestamp>/`. */
export function defaultOutDir(cwd: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, "Z")
    .replace(/[-:]/g, "");
  return resolve(cwd, `sizer-report-${stamp}`);
}

function number(
  flag: string,
  text: string,
  options: { integer?: boolean; min?: number; max?: number; exclusiveMin?: boolean },
): number {
  const value = Number(text);
  const kind = options.integer ? "an integer" : "a number";
  const bounds = [
    options.min !== undefined ? `${options.exclusiveMin ? ">" : ">="} ${options.min}` : "",
    options.max !== undefined ? `<= ${options.max}` : "",
  ]
    .filter(Boolean)
    .join(" and ");
  const valid =
    text.trim() !== "" &&
    Number.isFinite(value) &&
    (!options.integer || Number.isInteger(value)) &&
    (options.min === undefined || (options.exclusiveMin ? value > options.min : value >= options.min)) &&
    (options.max === undefined || value <= options.max);
  if (!valid)
    throw new SizerUsageError(
      `--${flag}`,
      `--${flag} must be ${kind}${bounds ? ` ${bounds}` : ""}, got '${text}'`,
    );
  return value;
}

function httpUrl(flag: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SizerUsageError(`--${flag}`, `--${flag} must be an http:// or https:// URL, got '${text}'`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SizerUsageError(`--${flag}`, `--${flag} must be an http:// or https:// URL, got '${text}'`);
  }
  return url.toString();
}

function environment(entries: readonly string[] | undefined): Record<string, string> | undefined {
  if (!entries || entries.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const equals = entry.indexOf("=");
    const key = equals > 0 ? entry.slice(0, equals) : "";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new SizerUsageError(
        "--service-env",
        `--service-env must be NAME=VALUE with NAME made of letters, digits and _, got '${entry}'`,
      );
    }
    env[key] = entry.slice(equals + 1);
  }
  return env;
}

/**
 * Checks the load settings a program gives `runSizer` with loadcore's validator, as the command line's
 * are while parsing: a bad value is a usage error (exit 2) naming the option (`load.sizingTolerance`).
 */
export function checkLoadSettings(load: LoadSettings): void {
  try {
    checkRunOptions(load);
  } catch (error) {
    if (!(error instanceof RunOptionError)) throw error;
    throw new SizerUsageError(
      `load.${error.option}`,
      error.describe((option) => `load.${option}`),
    );
  }
}

/** sizer's flags and loadcore's, parsed and the load options validated by loadcore while parsing. */
function parseFlags(args: readonly string[]) {
  try {
    const parsed = parseRunCommandLine(args, {
      flags: RUN_FLAGS,
      runOptions: LOAD_OPTIONS,
      hint: "(see 'sizer run --help')",
      implied: { sizing: true },
    });
    return { values: parsed.values as RunFlagValues, load: parsed.options as LoadSettings };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    throw new SizerUsageError(error.input ?? "arguments", error.message);
  }
}

/** What parsing `sizer run`'s flags gives: options, or a request for help. */
export type ParsedRun = { help: true } | { help: false; options: SizerRunOptions };

/**
 * Validates the flags of `sizer run` into {@link SizerRunOptions}. Every mistake is a
 * {@link SizerUsageError} naming the flag and what was expected.
 */
export function parseRunArguments(args: readonly string[], context: { cwd: string; now: Date }): ParsedRun {
  const { values, load } = parseFlags(args);
  // Paths on the command line are relative to the shell's folder, as with loadcore's own command.
  if (load.useExtension !== undefined)
    load.useExtension = load.useExtension.map((file) => resolve(context.cwd, file));
  if (values.help) return { help: true };

  const service = parseServiceSource(values, context.cwd);
  const serviceEnv = environment(values["service-env"]);
  if (serviceEnv && service.kind === "url")
    throw new SizerUsageError("--service-env", "--service-env goes with --service-cmd or --image, not --url");

  if (values.scenario !== undefined && values.repo !== undefined)
    throw new SizerUsageError("--repo", "give either --scenario FILE or --repo URL --test NAME, not both");
  const scenario = parseScenarioSource(values, context.cwd);

  const collector = values.collector ?? "native";
  if (collector !== "native" && collector !== "glances")
    throw new SizerUsageError("--collector", `--collector must be native or glances, got '${collector}'`);
  const model = parseModel(values.model, load);
  const glancesUrl =
    values["glances-url"] === undefined ? undefined : httpUrl("glances-url", values["glances-url"]);
  if (
    glancesUrl !== undefined &&
    (service.kind !== "url" || service.pid !== undefined || values.collector !== undefined)
  )
    throw new SizerUsageError(
      "--glances-url",
      "--glances-url goes with --url alone (the service on another machine, whose Glances it polls): not with --service-cmd, --image, --pid or --collector",
    );

  if (values["no-pin"] && (values["service-cpus"] !== undefined || values["load-cpus"] !== undefined)) {
    throw new SizerUsageError("--no-pin", "--no-pin cannot be combined with --service-cpus or --load-cpus");
  }
  const serviceCpus =
    values["service-cpus"] === undefined ? undefined : parseCpuList(values["service-cpus"], "--service-cpus");
  const loadCpus =
    values["load-cpus"] === undefined ? undefined : parseCpuList(values["load-cpus"], "--load-cpus");

  if (values.quiet && values.json)
    throw new SizerUsageError("--json", "--quiet and --json cannot be combined");
  const outDir = parseOutDir(values, context);

  return {
    help: false,
    options: {
      service,
      serviceEnv,
      healthUrl:
        values["health-url"] === undefined
          ? undefined
          : values["health-url"].startsWith("/")
            ? values["health-url"]
            : httpUrl("health-url", values["health-url"]),
      readyTimeout:
        values["ready-timeout"] === undefined
          ? undefined
          : number("ready-timeout", values["ready-timeout"], { min: 0, exclusiveMin: true }),
      scenario,
      collector,
      ...(model !== undefined ? { model } : {}),
      glancesUrl,
      interval: values.interval === undefined ? undefined : number("interval", values.interval, { min: 0.1 }),
      load,
      serviceCpus,
      loadCpus,
      pin: !values["no-pin"],
      outDir,
      title: values.title,
      plotly: values.plotly === undefined ? undefined : plotlyBundle("plotly", values.plotly),
      output: values.quiet ? "quiet" : values.json ? "json" : "human",
    },
  };
}

type RunFlagValues = FlagValues<typeof RUN_FLAGS>;

/** `--model workers|auto`; auto chooses the model itself, so not with an arrival rate already given. */
export function parseModel(text: string | undefined, load: LoadSettings): "workers" | "auto" | undefined {
  if (text === undefined) return undefined;
  if (text !== "workers" && text !== "auto")
    throw new SizerUsageError("--model", `--model must be workers or auto, got '${text}'`);
  if (text === "auto" && (load.rate !== undefined || load.rampRate !== undefined))
    throw new SizerUsageError(
      "--model",
      "--model auto chooses the model itself: not with --rate or --ramp-rate (which already size on an arrival rate)",
    );
  return text;
}

/** The service to size, from --service-cmd, --image or --url and the flags that go with each. */
function parseServiceSource(values: RunFlagValues, shellCwd: string): ServiceSource {
  const sources = [values["service-cmd"] !== undefined, values.image !== undefined].filter(Boolean).length;
  if (sources > 1) throw new SizerUsageError("--image", "give either --service-cmd or --image, not both");
  if (sources === 0 && values.url === undefined) {
    throw new SizerUsageError(
      "--service-cmd",
      'say which service to size: --service-cmd "node server.js", --image IMAGE --port PORT, or --url URL of a running service',
    );
  }
  const port =
    values.port === undefined
      ? undefined
      : number("port", values.port, { integer: true, min: 1, max: 65535 });
  const url = values.url === undefined ? undefined : httpUrl("url", values.url);
  let service: ServiceSource;
  if (values["service-cmd"] !== undefined) {
    let cwd: string | undefined;
    if (values["service-cwd"] !== undefined) {
      cwd = resolve(shellCwd, values["service-cwd"]);
      if (!existsSync(cwd) || !statSync(cwd).isDirectory())
        throw new SizerUsageError("--service-cwd", `--service-cwd ${values["service-cwd"]} is not a folder`);
    }
    if (values["service-cmd"].trim() === "")
      throw new SizerUsageError("--service-cmd", "--service-cmd is empty");
    service = { kind: "command", command: values["service-cmd"], cwd, port, url };
  } else if (values.image !== undefined) {
    if (values.image.trim() === "" || values.image.startsWith("-"))
      throw new SizerUsageError("--image", `--image must name a Docker image, got '${values.image}'`);
    if (port === undefined)
      throw new SizerUsageError("--port", "--image needs --port: the port the container listens on");
    if (url !== undefined)
      throw new SizerUsageError(
        "--url",
        "--url cannot be combined with --image (sizer publishes the container's port itself)",
      );
    service = { kind: "docker", image: values.image, port };
    if (values["docker-network"] !== undefined) {
      const network = values["docker-network"];
      if (network !== "host" && network !== "bridge")
        throw new SizerUsageError(
          "--docker-network",
          `--docker-network must be host or bridge, got '${network}'`,
        );
      service.network = network;
    }
    if (values["service-memory"] !== undefined) {
      if (!/^\d+(\.\d+)?[bkmg]?$/i.test(values["service-memory"]))
        throw new SizerUsageError(
          "--service-memory",
          `--service-memory must be a size such as 512m or 2g (docker run --memory), got '${values["service-memory"]}'`,
        );
      service.memory = values["service-memory"].toLowerCase();
    }
  } else {
    if (port !== undefined)
      throw new SizerUsageError(
        "--port",
        "--port goes with --service-cmd or --image; with --url the port is in the URL",
      );
    service = { kind: "url", url: url as string };
  }
  for (const flag of ["docker-network", "service-memory"] as const) {
    if (values[flag] !== undefined && service.kind !== "docker")
      throw new SizerUsageError(`--${flag}`, `--${flag} goes with --image`);
  }
  if (values["service-cwd"] !== undefined && service.kind !== "command")
    throw new SizerUsageError("--service-cwd", "--service-cwd goes with --service-cmd");
  if (values.pid !== undefined) {
    if (service.kind !== "url")
      throw new SizerUsageError(
        "--pid",
        "--pid goes with --url (sizer knows the pid of a service it starts)",
      );
    const pid = number("pid", values.pid, { integer: true, min: 1 });
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as { code?: string }).code === "ESRCH")
        throw new SizerUsageError("--pid", `--pid ${pid}: no such process`);
    }
    service.pid = pid;
  }
  return service;
}

/** The load to apply: a scenario file, or a test of a repo's molotov.json. */
function parseScenarioSource(values: RunFlagValues, cwd: string): ScenarioSource {
  if (values.repo !== undefined) {
    if (values.test === undefined || values.test.trim() === "")
      throw new SizerUsageError(
        "--test",
        "--repo needs --test NAME: the test of the repo's molotov.json to run",
      );
    if (values.repo.startsWith("-"))
      throw new SizerUsageError("--repo", `--repo must not start with '-', got '${values.repo}'`);
    if (values.ref?.startsWith("-"))
      throw new SizerUsageError("--ref", `--ref must not start with '-', got '${values.ref}'`);
    return { kind: "repo", repo: values.repo, test: values.test, ref: values.ref };
  } else if (values.scenario !== undefined) {
    if (values.test !== undefined || values.ref !== undefined)
      throw new SizerUsageError("--test", "--test and --ref go with --repo");
    const file = resolve(cwd, values.scenario);
    // A scenario that cannot be used is a scenario error (exit 5), whether found missing here or by loadcore.
    if (!existsSync(file))
      throw new ScenarioError(`--scenario ${values.scenario}: no such file (looked at ${file})`);
    if (!statSync(file).isFile()) throw new ScenarioError(`--scenario ${values.scenario} is not a file`);
    return { kind: "file", file };
  } else {
    throw new SizerUsageError(
      "--scenario",
      "say which load to apply: --scenario loadtest.ts, or --repo URL --test NAME",
    );
  }
}

/** The output folder: --out, or a new folder named after the time; it must be empty when it exists. */
function parseOutDir(values: RunFlagValues, context: { cwd: string; now: Date }): string {
  const outDir =
    values.out === undefined ? defaultOutDir(context.cwd, context.now) : resolve(context.cwd, values.out);
  if (existsSync(outDir)) {
    if (!statSync(outDir).isDirectory())
      throw new SizerUsageError("--out", `--out ${values.out ?? outDir} exists and is not a folder`);
    if (readdirSync(outDir).length > 0)
      throw new SizerUsageError(
        "--out",
        `--out ${values.out ?? outDir} is not empty; give a new or empty folder`,
      );
  }
  return outDir;
}
