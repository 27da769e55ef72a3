import { readFile } from "node:fs/promises";
import {
  type LoadResults,
  type LoadResultsInput,
  type MergeInput,
  mergeResults,
  parseResults,
  RUN_DEFAULTS,
  RUN_OPTION_FLAGS,
  type RunOptionFlag,
  type SizingVerdict,
} from "@sizer/loadcore";
import {
  type AwsClients,
  getFile,
  listNodes,
  putFile,
  runCommand,
  type SizerNode,
  waitForNodeOnline,
} from "@sizer/ssm-client";
import { SizerError, SizerUsageError } from "../errors.js";
import type { SizingRunOptions } from "../load-runner.js";
import { type AwsRunOptions, DEFAULT_LOADER_START_MARGIN_SECONDS } from "./aws-arguments.js";
import { launchRunNode, NODE_POLL, runOnNode } from "./launch.js";
import { LoaderSizing } from "./loader-sizing.js";
import { loaderPrepareScript, loaderRunScript, loaderStopScript } from "./node-scripts.js";

/** The role tag of loader nodes. */
export const LOADER_ROLE = "loader";

/** A loader node ready to run its share: agent online, scenario uploaded. */
export interface ReadyLoader {
  instanceId: string;
  /** Its working folder on the node. */
  folder: string;
}

/** The loader nodes of a run: those sizer tagged and can reuse, and how many to launch. */
export interface LoaderPlan {
  /** Loader nodes in all: `perType` for each instance type. */
  count: number;
  /** Loaders of one instance type (`--loaders N`). */
  perType: number;
  instanceType: string;
  reuse: SizerNode[];
}

type Progress = (type: string, node: string | undefined, phase: string) => void;

/**
 * The loaders of a run: `--loaders N` for each of `types` instance types (sized at the same time,
 * each with its own), the running loader nodes sizer tagged reused first.
 */
export async function planLoaders(
  clients: AwsClients,
  loaders: NonNullable<AwsRunOptions["loaders"]>,
  types: number,
): Promise<LoaderPlan> {
  const running = await listNodes(clients.ec2, {
    role: LOADER_ROLE,
    instanceType: loaders.instanceType,
    states: ["running"],
  });
  const count = loaders.count * types;
  return {
    count,
    perType: loaders.count,
    instanceType: loaders.instanceType,
    reuse: running.slice(0, count),
  };
}

/**
 * Launches the loaders the plan lacks (tagged `sizer:role=loader`), waits for every agent, checks
 * each can run the loader command, and uploads the scenario file to each (a `--repo` test is cloned
 * on the loader by the command). Launched instance ids go into `launched` as they come.
 */
export async function readyLoaders(
  plan: LoaderPlan,
  context: {
    options: AwsRunOptions;
    clients: AwsClients;
    runId: string;
    launched: string[];
    progress: Progress;
    signal?: AbortSignal | undefined;
  },
): Promise<ReadyLoader[]> {
  const { options, clients, progress } = context;
  const scenario = options.run.scenario;
  const nodes = [...plan.reuse];
  for (let index = nodes.length; index < plan.count; index += 1) {
    progress("loaders", undefined, `launching loader ${index + 1} of ${plan.count} (${plan.instanceType})`);
    const node = await launchRunNode(clients, options, {
      instanceType: plan.instanceType,
      runId: context.runId,
      role: LOADER_ROLE,
    });
    context.launched.push(node.instanceId);
    nodes.push(node);
  }
  // A scenario file goes to each loader; a --repo test is cloned there by the loader command (moloslave).
  const content = scenario.kind === "file" ? await readFile(scenario.file) : undefined;
  const command = loaderCommand(options);
  return Promise.all(
    nodes.map(async (node) => {
      await waitForNodeOnline({
        ssm: clients.ssm,
        ec2: clients.ec2,
        instanceId: node.instanceId,
        timeoutMs: options.onlineTimeoutSeconds * 1000,
        firstPollMs: NODE_POLL.initialDelayMs,
        pollMs: NODE_POLL.maxDelayMs,
        ...(context.signal ? { signal: context.signal } : {}),
      });
      const folder = await runOnNode(
        clients,
        node.instanceId,
        loaderPrepareScript(command, scenario.kind === "repo"),
        120_000,
        undefined,
      ).then(
        (stdout) => stdout.trim(),
        (error: unknown) => {
          throw new SizerError(
            "ERR_SIZER_LOADER_UNUSABLE",
            `loader ${node.instanceId} cannot run the load: ${(error as Error).message}`,
            { cause: error },
          );
        },
      );
      if (content !== undefined) {
        await putFile({
          ssm: clients.ssm,
          s3: clients.s3,
          instanceId: node.instanceId,
          remotePath: `${folder}/scenario.ts`,
          content,
          poll: NODE_POLL,
          ...(options.bucket ? { bucket: options.bucket } : {}),
        });
      }
      progress("loaders", node.instanceId, content ? "agent online, scenario uploaded" : "agent online");
      return { instanceId: node.instanceId, folder };
    }),
  );
}

/** The command that runs loadcore on a loader node (`--loader-command`), split into words. */
function loaderCommand(options: AwsRunOptions): string[] {
  return (options.loaders?.command ?? "loadcore").split(/\s+/).filter(Boolean);
}

/** `value` split into `count` whole shares that differ by one at most (the first ones larger). */
export function shares(value: number, count: number): number[] {
  return Array.from(
    { length: count },
    (_, index) => Math.floor(value / count) + (index < value % count ? 1 : 0),
  );
}

/** Each loader's live record, in its folder (the global decision reads it). */
const LIVE_RECORD = "live.ndjson";

/**
 * loadcore's flags for loader `index` of `count`: the load settings through loadcore's own flag
 * table, with the workers (and the arrival rate, and the pool) divided among the loaders; a sizing
 * ramp without a stop of its own (the decision is global), its live record written.
 */
export function loaderFlags(load: SizingRunOptions["load"], index: number, count: number): string[] {
  const settings: Record<string, unknown> = {
    ...load,
    sizing: true,
    sizingDecision: "external",
    live: LIVE_RECORD,
  };
  if (typeof settings.workers === "number") settings.workers = shares(settings.workers, count)[index];
  if (typeof settings.maxWorkers === "number")
    settings.maxWorkers = Math.max(1, shares(settings.maxWorkers, count)[index] ?? 1);
  if (typeof settings.rate === "number") settings.rate = settings.rate / count;
  if (settings.rampRate !== undefined) {
    const rate = settings.rampRate as string | { from: number; to: number };
    const [from, to] = typeof rate === "string" ? rate.split(":").map(Number) : [rate.from, rate.to];
    settings.rampRate = `${(from ?? 0) / count}:${(to ?? 0) / count}`;
  }
  if (typeof settings.sizingLatency === "object" && settings.sizingLatency !== null) {
    const objective = settings.sizingLatency as { percentile: string; thresholdMs: number };
    settings.sizingLatency = `${objective.percentile}=${objective.thresholdMs}`;
  }
  const flags: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    const spec = (RUN_OPTION_FLAGS as Record<string, RunOptionFlag>)[name];
    if (spec === undefined || value === undefined || name === "quiet" || name === "output") continue;
    if (spec.value === "boolean") {
      if (value === true) flags.push(spec.flag);
    } else if (spec.value === "strings") {
      if (Array.isArray(value) && value.length > 0)
        throw new SizerUsageError("--use-extension", "--use-extension is not supported with --loaders yet");
    } else if (spec.value !== "count") flags.push(spec.flag, String(value));
  }
  return flags;
}

/** What became of one loader. */
export interface LoaderOutcome {
  instanceId: string;
  /** Its results, when it finished and they came back. */
  results?: LoadResultsInput;
  /** Why it gave no results (it died, its command failed, the file did not come back). */
  lost?: string;
}

/**
 * A load runner for `runSizer` (its `loadRunner`): each loader runs loadcore through SSM with its
 * share, all starting at one agreed time, without a stop of their own: one global decision
 * ({@link LoaderSizing}) reads their live records as they run, applies loadcore's sizing rule to the
 * merged seconds and stops them all together. Their results come back and are merged exactly
 * (`mergeResults`), the global verdict as the merged `sizing`. A loader that dies or fails is left
 * out (of the decision at once, of the merge at the end), said on the progress and recorded in the
 * merged `options.lostLoaders`; the run fails only when no loader brought results back.
 */
export function distributedLoad(
  loaders: readonly ReadyLoader[],
  context: {
    options: AwsRunOptions;
    clients: AwsClients;
    progress: Progress;
    /** The instance type these loaders size. */
    type: string;
    /** How the progress names these loaders: `loaders`, or `TYPE loaders` when several types run at once. */
    label: string;
    command: readonly string[];
  },
): (run: SizingRunOptions) => Promise<LoadResults> {
  return async (run) => {
    const { clients, options, label } = context;
    const progress: Progress = (_type, node, phase) => context.progress(label, node, phase);
    // Every loader's command must be delivered by the agreed start.
    const margin = options.loaders?.startMarginSeconds ?? DEFAULT_LOADER_START_MARGIN_SECONDS;
    const startAt = Date.now() + margin * 1000;
    const load = boundedLoad(run.load);
    const seconds = (load.duration ?? 0) + margin + 300;
    const rate = load.rampRate ?? load.rate;
    // the arrival-rate pool's bound, or the workers
    const totalWorkers =
      rate === undefined
        ? (load.workers ?? RUN_DEFAULTS.sizingWorkers)
        : (load.maxWorkers ?? RUN_DEFAULTS.maxWorkers);
    const what =
      rate === undefined
        ? `${totalWorkers} workers`
        : `${typeof rate === "object" ? `${rate.from}:${rate.to}` : rate} scenario runs/s`;
    const sizing = new LoaderSizing(loaders, {
      clients,
      progress,
      load,
      totalWorkers,
      plannedSeconds:
        (load.rampUp ?? RUN_DEFAULTS.sizingRampUp) + (load.sizingWindow ?? RUN_DEFAULTS.sizingWindow),
      onSecond: run.onProgress,
    });
    context.progress(
      context.type,
      undefined,
      `healthy; loading ${what} from ${loaders.length} loaders, together from ${new Date(startAt).toISOString()} (one global stop)`,
    );
    const runs = loaders.map((loader, index) =>
      runLoader(clients, loader, {
        script: loaderRunScript({
          folder: loader.folder,
          startAt,
          command: loaderCommand(options),
          flags: loaderFlags(load, index, loaders.length),
          serverUrl: run.serverUrl,
          scenario: options.run.scenario.kind === "file" ? { kind: "file" } : options.run.scenario,
        }),
        deadlineMs: seconds * 1000,
        signal: run.signal,
        bucket: options.bucket,
      }).then((outcome) => {
        if (outcome.lost !== undefined) {
          sizing.lose(outcome.instanceId, outcome.lost);
          progress("loaders", outcome.instanceId, `lost: ${outcome.lost}; the others go on`);
        } else {
          progress("loaders", outcome.instanceId, "results back");
        }
        return outcome;
      }),
    );
    const all = Promise.all(runs);
    const global = await sizing.follow(all, () => run.signal.aborted);
    return mergeLoaders(await all, context.command, global.verdict);
  };
}

/**
 * The load with a duration: the loaders take no stop decision of their own, so a loader that never
 * hears the global one still ends (the ramp, two windows and a minute, as a bound).
 */
function boundedLoad(load: SizingRunOptions["load"]): SizingRunOptions["load"] {
  if (load.duration !== undefined) return load;
  const rampUp = load.rampUp ?? RUN_DEFAULTS.sizingRampUp;
  const window = load.sizingWindow ?? RUN_DEFAULTS.sizingWindow;
  return { ...load, duration: rampUp + 2 * window + 60 };
}

/**
 * The merged results of the loaders that brought theirs back, the global sizing verdict as their
 * `sizing`; the lost ones named in `options.lostLoaders`.
 */
export function mergeLoaders(
  outcomes: readonly LoaderOutcome[],
  command: readonly string[],
  sizing?: SizingVerdict,
): LoadResults {
  const inputs: MergeInput[] = outcomes.flatMap((outcome) =>
    outcome.results === undefined ? [] : [{ source: outcome.instanceId, results: outcome.results }],
  );
  const lost = outcomes.filter((outcome) => outcome.lost !== undefined);
  if (inputs.length === 0) {
    throw new SizerError(
      "ERR_SIZER_NO_SUCCESS",
      `no loader brought results back: ${lost.map((outcome) => `${outcome.instanceId}: ${outcome.lost}`).join("; ")}`,
    );
  }
  const merged = mergeResults(inputs, { command });
  if (sizing !== undefined) {
    merged.sizing = sizing;
    merged.options.sizing = true;
  }
  if (lost.length > 0) {
    merged.options.lostLoaders = lost.map((outcome) => ({
      instanceId: outcome.instanceId,
      reason: outcome.lost,
    }));
  }
  return merged;
}

/** loadcore's exit codes after which its results file is written: done, a --fail threshold, no success, interrupted. */
const RESULTS_WRITTEN = new Set([0, 1, 3, 130]);

/**
 * Runs one loader's script and brings its results back; a failure becomes `lost`, never a throw.
 * The command is not cancelled on `signal`: loadcore is stopped as by Ctrl-C instead, so that it
 * still writes what it measured.
 */
async function runLoader(
  clients: AwsClients,
  loader: ReadyLoader,
  run: { script: string; deadlineMs: number; signal: AbortSignal; bucket: string | undefined },
): Promise<LoaderOutcome> {
  const { instanceId } = loader;
  const stop = () => {
    runOnNode(clients, instanceId, loaderStopScript(loader.folder), 60_000, undefined).catch(() => {});
  };
  run.signal.addEventListener("abort", stop, { once: true });
  try {
    const { outcomes } = await runCommand({
      ssm: clients.ssm,
      s3: clients.s3,
      targets: { instanceIds: [instanceId] },
      script: run.script,
      deadlineMs: run.deadlineMs,
      executionTimeoutSeconds: Math.ceil(run.deadlineMs / 1000),
      poll: NODE_POLL,
    });
    const outcome = outcomes[0];
    const written =
      outcome?.status === "Success" ||
      (outcome?.status === "Failed" && RESULTS_WRITTEN.has(outcome.exitCode ?? -1));
    if (!written) {
      return {
        instanceId,
        lost: `its command ended ${outcome?.status ?? "without an outcome"} (exit ${outcome?.exitCode ?? "?"})`,
      };
    }
    const { content } = await getFile({
      ssm: clients.ssm,
      s3: clients.s3,
      instanceId,
      remotePath: `${loader.folder}/results.json`,
      poll: NODE_POLL,
      ...(run.bucket ? { bucket: run.bucket } : {}),
    });
    const results = parseResults(JSON.parse(content.toString("utf8")), `${instanceId}:results.json`);
    return { instanceId, results };
  } catch (error) {
    return { instanceId, lost: (error as Error).message };
  } finally {
    run.signal.removeEventListener("abort", stop);
  }
}
