import { existsSync } from "node:fs";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import {
  type AwsClients,
  cleanupNodes,
  createAwsClients,
  describeInstanceType,
  findReusableNode,
  getFile,
  type InstanceTypeFacts,
  listNodes,
  openNodePort,
  putFile,
  type SizerNode,
  SsmClientError,
  terminateNodes,
  waitForNodeOnline,
} from "@sizer/ssm-client";
import { type CpuPlan, parseCpuList, planCpus } from "../cpu-plan.js";
import { ServiceExitedError, SizerError, SizerUsageError } from "../errors.js";
import type { ProcessExit } from "../process-tree.js";
import { rebuildReport } from "../rebuild-report.js";
import { parseRunRecord, type RunRecord, writeRunRecord } from "../run-record.js";
import { runSizer } from "../run-sizer.js";
import { never } from "../service.js";
import type { SizerRunOptions } from "../sizer-options.js";
import { type AwsRunOptions, typeFolder } from "./aws-arguments.js";
import { type Comparison, compareType, type TypeComparison, writeComparison } from "./comparison.js";
import { launchRunNode, NODE_POLL, runOnNode } from "./launch.js";
import { distributedLoad, LOADER_ROLE, type LoaderPlan, planLoaders, readyLoaders } from "./loaders.js";
import { alignNodeMetrics } from "./node-metrics.js";
import {
  imageScript,
  prepareScript,
  serviceContainerName,
  startServiceScript,
  stopServiceScript,
  waitContainerScript,
} from "./node-scripts.js";

/** The role tag of service nodes. */
export const SERVICE_ROLE = "service";

/** Side effects of {@link runAwsSizing}, real by default. */
export interface AwsRunContext {
  clients?: AwsClients;
  stdout?: Writable;
  stderr?: Writable;
  signal?: AbortSignal;
  /** Asks the user to confirm the plan; absent: the plan needs `--yes`. */
  confirm?: (plan: string) => Promise<boolean>;
  argv?: readonly string[];
  now?: () => number;
}

/** What {@link runAwsSizing} did. */
export interface AwsRunResult {
  runId: string;
  outDir: string;
  comparison: Comparison;
  /** The first error of a type that could not be measured, or of the run (exit code). */
  error?: SizerError | SsmClientError | undefined;
  interrupted: boolean;
  /** Instances this run launched, and whether they were terminated. */
  launched: string[];
  terminated: string[];
}

/** One instance type's node: reused or launched for this run. */
interface PlannedNode {
  facts: InstanceTypeFacts;
  reuse: SizerNode | undefined;
}

function describeFacts(facts: InstanceTypeFacts): string {
  return `${facts.vcpus} vCPU, ${Math.round((facts.memoryMiB / 1024) * 10) / 10} GiB, ${facts.architecture}, ${facts.networkPerformance}`;
}

/** The plan printed before anything is launched. */
export function describePlan(
  plan: PlannedNode[],
  options: AwsRunOptions,
  runId: string,
  loaders?: LoaderPlan,
): string {
  const lines = plan.map(({ facts, reuse }) =>
    reuse
      ? `  reuse ${reuse.instanceId} (${facts.instanceType}, ${describeFacts(facts)}, run ${reuse.tags["sizer:run-id"] ?? "?"})`
      : `  launch 1 ${facts.instanceType} (${describeFacts(facts)}) with instance profile ${options.instanceProfile}, tagged sizer:run-id=${runId}, sizer:role=${SERVICE_ROLE}; it shuts itself down after ${options.maxLifetimeMinutes} min`,
  );
  const launching =
    plan.some((node) => node.reuse === undefined) || (loaders?.reuse.length ?? 0) < (loaders?.count ?? 0);
  const loaderLines = loaders
    ? [
        `and ${loaders.count} loader node(s) (${loaders.instanceType}${loaders.count > loaders.perType ? `, ${loaders.perType} per instance type, the types sized at the same time` : ""}) that apply the load instead of this machine:`,
        ...loaders.reuse.map(
          (node) => `  reuse ${node.instanceId} (run ${node.tags["sizer:run-id"] ?? "?"})`,
        ),
        ...(loaders.count > loaders.reuse.length
          ? [
              `  launch ${loaders.count - loaders.reuse.length} ${loaders.instanceType} tagged sizer:run-id=${runId}, sizer:role=${LOADER_ROLE}; each shuts itself down after ${options.maxLifetimeMinutes} min`,
            ]
          : []),
      ]
    : [];
  return [
    "sizer aws run will use these service nodes:",
    ...lines,
    ...loaderLines,
    ...(launching && options.securityGroupIds === undefined
      ? [
          `  and create security group sizer-${runId} (${options.allowFrom.length === 0 ? "no inbound rule" : `inbound: TCP ${options.port} from ${options.allowFrom.join(", ")}`}) for the launched nodes`,
        ]
      : []),
    ...(options.allowFrom.length > 0 && plan.some((node) => node.reuse !== undefined)
      ? [
          `  and open TCP ${options.port} to ${options.allowFrom.join(", ")} in the reused nodes' sizer groups`,
        ]
      : []),
    options.terminate
      ? "  at the end (or on Ctrl-C) the nodes launched now are terminated (--terminate)"
      : "  the nodes stay for the next run (--keep, the default; 'sizer aws cleanup' removes them)",
  ].join("\n");
}

/**
 * `sizer aws run`: for each instance type, a service node (reused by its tags or launched), the image
 * brought there, the container started with host networking and recorded on the node, the load
 * through `sizer run`'s pipeline, then the metrics and the service log brought back and the report
 * rebuilt with the type's facts; at the end a comparison. The load comes from this machine, one type
 * after the other, or with `--loaders` from each type's own loader nodes, all types at once.
 */
export async function runAwsSizing(
  options: AwsRunOptions,
  context: AwsRunContext = {},
): Promise<AwsRunResult> {
  const stderr = context.stderr ?? process.stderr;
  const now = context.now ?? Date.now;
  const clients =
    context.clients ?? createAwsClients(options.region === undefined ? {} : { region: options.region });
  const outDir = options.run.outDir;
  const runId = `sizer-${new Date(now())
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z")}`;
  const progress = (type: string, node: string | undefined, phase: string) =>
    stderr.write(`[aws] ${type}${node ? ` ${node}` : ""}: ${phase}\n`);

  const plan: PlannedNode[] = [];
  for (const instanceType of options.instanceTypes) {
    const facts = await describeInstanceType(clients.ec2, instanceType);
    const reuse = await findReusableNode(clients.ec2, { role: SERVICE_ROLE, instanceType });
    plan.push({ facts, reuse });
  }
  const loaderPlan = options.loaders
    ? await planLoaders(clients, options.loaders, options.instanceTypes.length)
    : undefined;
  const planText = describePlan(plan, options, runId, loaderPlan);
  stderr.write(`${planText}\n`);
  if (!options.yes) {
    if (context.confirm === undefined)
      throw new SizerUsageError(
        "--yes",
        "sizer aws run launches EC2 instances that cost money: confirm with --yes (there is no terminal to ask)",
      );
    if (!(await context.confirm(planText)))
      throw new SizerUsageError("--yes", "not confirmed: nothing was launched");
  }

  await mkdir(outDir, { recursive: true });
  const launched: string[] = [];
  const types: TypeComparison[] = [];
  let error: AwsRunResult["error"];
  const signal = context.signal;
  const loads = await prepareLoaders({ options, clients, runId, launched, progress, context, loaderPlan });
  if (loads.error) error = loads.error;
  const sizeType = async ({ facts, reuse }: PlannedNode, index: number) => {
    if (signal?.aborted || loads.error) {
      const why = loads.error ? `no loaders: ${loads.error.message}` : "interrupted before it started";
      return { comparison: compareType({ facts, instanceId: null, folder: facts.instanceType, error: why }) };
    }
    const loadRunner = loads.loadRunners?.[index];
    return sizeOnNode({ options, clients, facts, reuse, runId, launched, progress, context, loadRunner });
  };
  // With loaders, each type has its own loaders and no type's load touches another's: all at once.
  // From this machine, one after the other: two loads at once would share its cores and skew both.
  const measured = loads.loadRunners
    ? await Promise.all(plan.map(sizeType))
    : await plan.reduce<Promise<Awaited<ReturnType<typeof sizeType>>[]>>(
        async (done, node, index) => [...(await done), await sizeType(node, index)],
        Promise.resolve([]),
      );
  for (const type of measured) {
    types.push(type.comparison);
    if ("error" in type && type.error && error === undefined) error = type.error;
  }

  const terminated: string[] = [];
  if (options.terminate && launched.length > 0) {
    progress("all", undefined, `terminating ${launched.join(", ")}`);
    await terminateNodes(clients.ec2, launched);
    terminated.push(...launched);
    await removeSecurityGroup(clients, runId, progress);
  }

  const comparison: Comparison = {
    format: "sizer-aws-comparison",
    formatVersion: 1,
    runId,
    image: options.image.kind === "registry" ? options.image.image : options.image.file,
    types,
  };
  const files = await writeComparison(outDir, comparison);
  const stdout = context.stdout ?? process.stdout;
  if (options.run.output === "json") {
    stdout.write(
      `${JSON.stringify({ event: "comparison", time: new Date(now()).toISOString(), files, ...comparison })}\n`,
    );
  } else {
    const lines = types.map((type) =>
      type.measured
        ? `${type.instanceType}: ${type.capacity ?? "—"} req/s at capacity, p95 ${type.p95AtCapacityMs ?? "—"} ms, ${type.bottleneck ?? "—"} ran out first`
        : `${type.instanceType}: not measured (${type.error})`,
    );
    stdout.write(`${lines.join("\n")}\n  comparison: ${files.markdown}\n`);
  }
  return { runId, outDir, comparison, error, interrupted: signal?.aborted === true, launched, terminated };
}

/** How long the run waits for its terminated nodes to let go of its security group. */
const SECURITY_GROUP_WAIT_MS = 60_000;

/**
 * Security groups are held by shutting-down instances for a while: tried again soon, then every 2 s,
 * for about a minute, then said.
 */
async function removeSecurityGroup(
  clients: AwsClients,
  runId: string,
  progress: (type: string, node: string | undefined, phase: string) => void,
): Promise<void> {
  const deadline = Date.now() + SECURITY_GROUP_WAIT_MS;
  for (let waitMs: number = NODE_POLL.initialDelayMs; ; waitMs = Math.min(waitMs * 2, NODE_POLL.maxDelayMs)) {
    const result = await cleanupNodes({ ec2: clients.ec2, runId });
    if (result.securityGroups.every((group) => group.deleted)) return;
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }
  progress(
    "all",
    undefined,
    `security group sizer-${runId} is still in use; 'sizer aws cleanup --run-id ${runId}' removes it later`,
  );
}

/**
 * With `--loaders`: the loader nodes readied (N per instance type), and for each type the load
 * runner that uses its own N; else nothing.
 */
async function prepareLoaders(
  sizing: Omit<NodeSizing, "facts" | "reuse" | "loadRunner"> & { loaderPlan: LoaderPlan | undefined },
): Promise<{ loadRunners?: NodeSizing["loadRunner"][]; error?: SizerError | SsmClientError }> {
  const { loaderPlan, options, clients, progress, context } = sizing;
  if (loaderPlan === undefined) return {};
  try {
    const loaders = await readyLoaders(loaderPlan, { ...sizing, signal: context.signal });
    return {
      loadRunners: options.instanceTypes.map((type, index) =>
        distributedLoad(loaders.slice(index * loaderPlan.perType, (index + 1) * loaderPlan.perType), {
          options,
          clients,
          progress,
          type,
          label: options.instanceTypes.length > 1 ? `${type} loaders` : "loaders",
          command: context.argv ?? ["sizer", "aws", "run"],
        }),
      ),
    };
  } catch (error) {
    progress("loaders", undefined, `failed: ${(error as Error).message}`);
    return { error: asRunError(error) };
  }
}

interface NodeSizing {
  /** With `--loaders`: runs the load on the loader nodes (see `distributedLoad`). */
  loadRunner?: SizerRunOptions["loadRunner"];
  options: AwsRunOptions;
  clients: AwsClients;
  facts: InstanceTypeFacts;
  reuse: SizerNode | undefined;
  runId: string;
  launched: string[];
  progress: (type: string, node: string | undefined, phase: string) => void;
  context: AwsRunContext;
}

function asRunError(error: unknown): SizerError | SsmClientError {
  if (error instanceof SizerError || error instanceof SsmClientError) return error;
  throw error;
}

/** The node of one instance type, reused or launched, with its SSM agent online. */
async function readyNode(sizing: NodeSizing): Promise<SizerNode> {
  const { options, clients, facts, progress, context } = sizing;
  const type = facts.instanceType;
  const signal = context.signal;
  let node: SizerNode;
  if (sizing.reuse) {
    node = sizing.reuse;
    progress(type, node.instanceId, "reusing the node sizer tagged");
  } else {
    progress(type, undefined, "launching");
    node = await launchRunNode(clients, options, {
      instanceType: type,
      runId: sizing.runId,
      role: SERVICE_ROLE,
    });
    sizing.launched.push(node.instanceId);
    progress(type, node.instanceId, "launched");
  }
  await waitForNodeOnline({
    ssm: clients.ssm,
    ec2: clients.ec2,
    instanceId: node.instanceId,
    timeoutMs: options.onlineTimeoutSeconds * 1000,
    firstPollMs: NODE_POLL.initialDelayMs,
    pollMs: NODE_POLL.maxDelayMs,
    ...(signal ? { signal } : {}),
  });
  progress(type, node.instanceId, "agent online");
  if (options.allowFrom.length > 0) {
    const groups = await openNodePort({
      ec2: clients.ec2,
      instanceId: node.instanceId,
      port: options.port,
      cidrs: options.allowFrom,
    });
    progress(
      type,
      node.instanceId,
      `port ${options.port} open to ${options.allowFrom.join(", ")} (${groups.join(", ")})`,
    );
  }
  return node;
}

/** The address the load goes to: the node's public IP, else its private one. */
async function nodeAddress(clients: AwsClients, type: string, node: SizerNode): Promise<string> {
  const instanceId = node.instanceId;
  const [described] = await listNodes(clients.ec2, {
    role: SERVICE_ROLE,
    instanceType: type,
    states: ["running"],
  }).then((nodes) => nodes.filter((candidate) => candidate.instanceId === instanceId));
  const address =
    described?.publicIpAddress ??
    described?.privateIpAddress ??
    node.publicIpAddress ??
    node.privateIpAddress;
  if (address === undefined)
    throw new SizerError("ERR_SIZER_URL_UNREACHABLE", `${instanceId} has no IP address to send the load to`);
  return address;
}

/** Puts the service image on the node (pulled, or uploaded as an archive and loaded); its name there. */
async function loadImage(
  sizing: NodeSizing,
  instanceId: string,
  workFolder: string,
  run: (script: string, deadlineMs?: number) => Promise<string>,
): Promise<string> {
  const { options, clients, facts, progress, context } = sizing;
  const type = facts.instanceType;
  const signal = context.signal;
  if (options.image.kind === "registry") {
    progress(type, instanceId, `pulling ${options.image.image} (when the node does not have it)`);
    return (await run(imageScript({ kind: "registry", image: options.image.image }), 1_800_000)).trim();
  }
  const remotePath = `${workFolder}/image.tar`;
  // Streamed from the file (through S3, or chunk by chunk): an image archive is never held in memory.
  const { size } = await stat(options.image.file);
  progress(
    type,
    instanceId,
    `uploading ${options.image.file} (${size} bytes${options.bucket ? ` through s3://${options.bucket}` : " in chunks"})`,
  );
  await putFile({
    ssm: clients.ssm,
    s3: clients.s3,
    instanceId,
    remotePath,
    file: options.image.file,
    poll: NODE_POLL,
    ...(options.bucket ? { bucket: options.bucket } : {}),
    ...(signal ? { signal } : {}),
  });
  return (await run(imageScript({ kind: "archive", remotePath }), 1_800_000)).trim().split("\n").pop() ?? "";
}

/** The node made ready for the service: its working folder, the cores the container gets, the image there. */
async function prepareNode(
  sizing: NodeSizing,
  instanceId: string,
  run: (script: string, deadlineMs?: number) => Promise<string>,
): Promise<{ image: string; plan: CpuPlan }> {
  const { facts, progress } = sizing;
  const type = facts.instanceType;
  const [workFolder = "", cores = ""] = (await run(prepareScript())).trim().split("\n");
  const available = parseCpuList(cores, `the cores of ${instanceId}`);
  // The node is the service's alone (the load comes from here or from loader nodes): every core it
  // offers goes to the container (or those --service-cpus names, checked against the node's own),
  // none is kept back for the recorder and the agent (see the README).
  const plan = planCpus({
    available,
    host: `${instanceId} (${type})`,
    serviceCpus: sizing.options.run.serviceCpus,
    canPinService: true,
    pinning: true,
    loadHere: false,
  });
  if (available.length !== facts.vcpus)
    progress(
      type,
      instanceId,
      `the node offers ${available.length} core(s) where ${type} has ${facts.vcpus} vCPU(s): the container gets the node's`,
    );
  const image = await loadImage(sizing, instanceId, workFolder, run);
  progress(type, instanceId, `image loaded: ${image}`);
  return { image, plan };
}

/**
 * Watches the container on its node while the load runs (`docker wait`, one SSM command polled):
 * `ended` resolves with its exit code when it ends; after `stop()`, never.
 */
function watchContainer(
  clients: AwsClients,
  instanceId: string,
  name: string,
  lifetimeMs: number,
): { ended: Promise<ProcessExit>; stop: () => void } {
  const controller = new AbortController();
  const ended = runOnNode(clients, instanceId, waitContainerScript(name), lifetimeMs, controller.signal).then(
    (stdout): Promise<ProcessExit> | ProcessExit => {
      if (controller.signal.aborted) return never();
      const code = Number.parseInt(stdout.trim(), 10);
      return { exitCode: Number.isNaN(code) ? null : code, signal: null };
    },
    () => never<ProcessExit>(),
  );
  return { ended, stop: () => controller.abort() };
}

/**
 * A death the run itself did not see (the container had exited when it was collected): kept in
 * command.json as `sizer run` keeps one, so that the report is partial and says why.
 */
async function recordServiceDeath(outDir: string, exitCode: number): Promise<ServiceExitedError> {
  const error = new ServiceExitedError(
    `the service exited during the run (exit code ${exitCode}); the report is partial`,
    { exitCode, signal: null, output: "" },
  );
  const file = join(outDir, "command.json");
  const record = parseRunRecord(JSON.parse(await readFile(file, "utf8")), file) as RunRecord;
  record.status = "service-died";
  record.serviceExit = { code: exitCode, signal: null, atSeconds: null };
  record.error = { code: error.code, message: error.message };
  await writeRunRecord(outDir, record);
  return error;
}

/** The service's death during the run, said with its node and the end of its log (brought back). */
async function quoteServiceLog(
  error: SizerError,
  outDir: string,
  type: string,
  instanceId: string,
): Promise<SizerError> {
  const log = await readFile(join(outDir, "service.log"), "utf8").catch(() => "");
  const tail = log.trimEnd().split("\n").slice(-10).join("\n  ");
  const exited = error instanceof ServiceExitedError ? error : undefined;
  return new ServiceExitedError(
    `${type} on ${instanceId}: the service's container ${error.message.replace(/^the service /, "")}${tail ? `; its log (service.log) ends:\n  ${tail}` : "; its log (service.log) is empty"}`,
    { exitCode: exited?.exitCode ?? null, signal: exited?.signal ?? null, output: tail },
  );
}

/** One instance type: its node ready, the service deployed and sized, the files back, the report rebuilt. */
async function sizeOnNode(
  sizing: NodeSizing,
): Promise<{ comparison: TypeComparison; error?: SizerError | SsmClientError }> {
  const { options, clients, facts, progress, context } = sizing;
  const type = facts.instanceType;
  const signal = context.signal;
  const outDir = typeFolder(options.run.outDir, type);
  const fail = (error: unknown, instanceId: string | null) => {
    const known = asRunError(error);
    progress(type, instanceId ?? undefined, `failed: ${known.message}`);
    return {
      comparison: compareType({ facts, instanceId, folder: type, error: known.message }),
      error: known,
    };
  };

  let node: SizerNode;
  try {
    node = await readyNode(sizing);
  } catch (error) {
    return fail(error, null);
  }
  const instanceId = node.instanceId;
  const run = (script: string, deadlineMs = 600_000) =>
    runOnNode(clients, instanceId, script, deadlineMs, signal);
  const name = serviceContainerName(instanceId);
  let started = false;
  let watch: ReturnType<typeof watchContainer> | undefined;
  try {
    const address = await nodeAddress(clients, type, node);
    const { image, plan } = await prepareNode(sizing, instanceId, run);
    started = true;
    const said = await run(
      startServiceScript({
        name,
        image,
        port: options.port,
        runId: sizing.runId,
        cpus: plan.serviceCpus,
        intervalSeconds: options.run.interval ?? 1,
      }),
    );
    for (const line of said.split("\n").filter((text) => text.startsWith("docker: ")))
      progress(type, instanceId, line);
    const url = `http://${address}:${options.port}/`;
    progress(
      type,
      instanceId,
      `container ${name} started, recording on the node; ${plan.description}; waiting for health at ${url}`,
    );
    // As long as the node lives, within Run Command's longest execution timeout (48 h).
    watch = watchContainer(clients, instanceId, name, Math.min(options.maxLifetimeMinutes, 2880) * 60_000);
    const result = await runSizer({
      ...options.run,
      service: { kind: "url", url, ended: watch.ended },
      outDir,
      readyTimeout: options.run.readyTimeout ?? 120,
      recordedElsewhere: `on ${instanceId}`,
      servicePlan: plan,
      ...(sizing.loadRunner ? { loadRunner: sizing.loadRunner } : {}),
      argv: context.argv ?? ["sizer", "aws", "run"],
      ...(signal ? { signal } : {}),
    });
    watch.stop();
    progress(type, instanceId, "collecting: stopping the container, bringing back the metrics and the log");
    const collected = await collect(clients, instanceId, name, outDir, sizing.options.bucket);
    started = false;
    // The load may end (its errors passing the tolerance) before the watch hears the container died.
    const died =
      result.error?.code === "ERR_SIZER_SERVICE_EXITED"
        ? result.error
        : collected.exitCode !== undefined
          ? await recordServiceDeath(outDir, collected.exitCode)
          : undefined;
    const error = died ? await quoteServiceLog(died, outDir, type, instanceId) : result.error;
    if (error?.code === "ERR_SIZER_SERVICE_EXITED") progress(type, instanceId, error.message);
    const rebuilt = await rebuildTypeReport(sizing, outDir, instanceId);
    await writeFile(
      join(outDir, "node.json"),
      `${JSON.stringify({ instanceId, address, reused: sizing.reuse !== undefined, runId: sizing.runId, image, serviceCpus: plan.serviceCpus, facts }, null, 2)}\n`,
    );
    progress(type, instanceId, `done: ${rebuilt.analysis.headline}`);
    return {
      comparison: compareType({
        facts,
        instanceId,
        folder: type,
        analysis: rebuilt.analysis,
        partial: rebuilt.partial,
        price: options.prices[type],
      }),
      ...(error ? { error } : {}),
    };
  } catch (error) {
    watch?.stop();
    if (started) {
      const collected = await collect(clients, instanceId, name, outDir, sizing.options.bucket).then(
        () => true,
        (collectError: unknown) => {
          progress(type, instanceId, `could not collect: ${(collectError as Error).message}`);
          return false;
        },
      );
      // What was measured before the failure: its report rebuilt with the node's metrics, as a success's.
      if (collected && existsSync(join(outDir, "results.json")))
        await rebuildTypeReport(sizing, outDir, instanceId).catch((rebuildError: unknown) =>
          progress(type, instanceId, `could not rebuild the report: ${(rebuildError as Error).message}`),
        );
    }
    return fail(error, instanceId);
  }
}

/** The type's report rebuilt from its folder with the node's facts (its metrics as collected). */
function rebuildTypeReport(sizing: NodeSizing, outDir: string, instanceId: string) {
  const { facts, options } = sizing;
  return rebuildReport(outDir, {
    host: {
      name: instanceId,
      instanceType: facts.instanceType,
      vcpus: facts.vcpus,
      memoryBytes: facts.memoryMiB * 1024 * 1024,
    },
    ...(options.run.title ? { title: options.run.title } : {}),
  });
}

/**
 * Stops the recorder and the container on the node and brings metrics.csv and service.log back
 * into `outDir`, the metrics started with the load (on success, failure or Ctrl-C alike, see
 * alignNodeMetrics); the container's exit code when it had ended before (undefined when it ran).
 */
async function collect(
  clients: AwsClients,
  instanceId: string,
  name: string,
  outDir: string,
  bucket: string | undefined,
): Promise<{ exitCode: number | undefined }> {
  // Not interruptible: the container must stop even after Ctrl-C.
  const said = await runOnNode(clients, instanceId, stopServiceScript(name), 300_000, undefined);
  const [folder = "", state = ""] = said.trim().split("\n");
  const [status, code] = state.trim().split(" ");
  await mkdir(outDir, { recursive: true });
  for (const file of ["metrics.csv", "service.log"]) {
    const { content } = await getFile({
      ssm: clients.ssm,
      s3: clients.s3,
      instanceId,
      remotePath: `${folder}/${file}`,
      poll: NODE_POLL,
      ...(bucket ? { bucket } : {}),
    });
    await writeFile(join(outDir, file), content);
  }
  await alignNodeMetrics(outDir);
  return { exitCode: status === "exited" || status === "dead" ? Number(code) : undefined };
}
