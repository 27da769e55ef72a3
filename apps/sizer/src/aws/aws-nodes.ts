import { type ParseArgsConfig, parseArgs } from "node:util";
import {
  checkRegion,
  cleanupNodes,
  createAwsClients,
  describeCleanup,
  formatNodeLine,
  listNodes,
  NODE_LINE_COLUMNS,
  type SizerNode,
} from "@sizer/ssm-client";
import { SizerUsageError } from "../errors.js";
import { awsUsage } from "./aws-arguments.js";

export const AWS_NODES_HELP = `Usage: sizer aws nodes [--run-id ID] [--role ROLE] [--region REGION] [--json]

Lists the EC2 instances sizer tagged (every state but terminated), one per line: instance, state, type,
run id, role, expiry, private address; --json prints one JSON object per node instead. Found by their
tags alone (sizer:run-id, sizer:role), so it needs no local state.
`;

export const AWS_CLEANUP_HELP = `Usage: sizer aws cleanup [--run-id ID] [--dry-run] [--region REGION] [--json] [--yes]

Terminates the EC2 instances sizer tagged (one run's with --run-id), then deletes the security groups
sizer created for them once no instance uses them. --dry-run lists what it would remove and removes
nothing. Without a terminal to confirm it, removing needs --yes.
`;

/** What `sizer aws nodes` and `sizer aws cleanup` were asked, validated. */
export interface AwsNodesOptions {
  runId?: string;
  role?: string;
  region?: string;
  json: boolean;
  dryRun: boolean;
  yes: boolean;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Parses the flags of `sizer aws nodes` (`command` "nodes") or `sizer aws cleanup`; undefined for --help. */
export function parseAwsNodesArguments(
  command: "nodes" | "cleanup",
  args: string[],
): AwsNodesOptions | undefined {
  const options: NonNullable<ParseArgsConfig["options"]> = {
    "run-id": { type: "string" },
    region: { type: "string" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
    ...(command === "nodes"
      ? { role: { type: "string" } }
      : { "dry-run": { type: "boolean" }, yes: { type: "boolean" } }),
  };
  let parsed: { values: Record<string, unknown>; tokens: ReadonlyArray<{ kind: string; name?: string }> };
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    throw new SizerUsageError(`aws ${command}`, `sizer aws ${command}: ${(error as Error).message}`);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== "option" || token.name === undefined) continue;
    if (seen.has(token.name))
      throw new SizerUsageError(`--${token.name}`, `--${token.name} is given twice; give it once`);
    seen.add(token.name);
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help === true) return undefined;
  const text = (name: string) => values[name] as string | undefined;
  const runId = text("run-id");
  if (runId !== undefined && !RUN_ID.test(runId))
    throw new SizerUsageError(
      "--run-id",
      `--run-id must be a run id such as 20261207-1830-ab12, got '${runId}'`,
    );
  const role = text("role");
  if (role !== undefined && !RUN_ID.test(role))
    throw new SizerUsageError("--role", `--role must be a role such as service or loader, got '${role}'`);
  const region = text("region");
  if (region !== undefined) awsUsage("--region", () => checkRegion(region, "--region"));
  return {
    ...(runId === undefined ? {} : { runId }),
    ...(role === undefined ? {} : { role }),
    ...(region === undefined ? {} : { region }),
    json: values.json === true,
    dryRun: values["dry-run"] === true,
    yes: values.yes === true,
  };
}

/** Where the commands write: stdout for the listing, stderr for what a person reads. */
export interface AwsNodesOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

function printNodes(nodes: SizerNode[], json: boolean, output: AwsNodesOutput): void {
  if (!json && nodes.length > 0) output.stdout(`${NODE_LINE_COLUMNS.join("\t")}\n`);
  for (const node of nodes) output.stdout(json ? `${JSON.stringify(node)}\n` : `${formatNodeLine(node)}\n`);
}

/** `sizer aws nodes`: lists sizer's tagged instances. */
export async function listAwsNodes(options: AwsNodesOptions, output: AwsNodesOutput): Promise<void> {
  const { ec2 } = createAwsClients(options.region === undefined ? {} : { region: options.region });
  const nodes = await listNodes(ec2, {
    ...(options.runId === undefined ? {} : { runId: options.runId }),
    ...(options.role === undefined ? {} : { role: options.role }),
  });
  printNodes(nodes, options.json, output);
  if (!options.json) output.stderr(`sizer: ${nodes.length} node(s)\n`);
}

/**
 * `sizer aws cleanup`: lists what would be removed first; then, unless a dry run, removes it once
 * `confirm` agrees (or `--yes` was given). Returns false when the user declined.
 */
export async function cleanUpAwsNodes(
  options: AwsNodesOptions,
  output: AwsNodesOutput,
  confirm?: (plan: string) => Promise<boolean>,
): Promise<boolean> {
  const { ec2 } = createAwsClients(options.region === undefined ? {} : { region: options.region });
  const scope = options.runId === undefined ? {} : { runId: options.runId };
  const preview = await cleanupNodes({ ec2, dryRun: true, ...scope });
  if (options.dryRun || preview.nodes.length + preview.securityGroups.length === 0) {
    printNodes(preview.nodes, options.json, output);
    if (options.json) for (const group of preview.securityGroups) output.stdout(`${JSON.stringify(group)}\n`);
    else for (const line of describeCleanup(preview, true)) output.stderr(`sizer: ${line}\n`);
    return true;
  }
  if (!options.yes && confirm !== undefined) {
    const plan = [
      ...preview.nodes.map((node) => `  terminate ${formatNodeLine(node).replaceAll("\t", "  ")}`),
      ...preview.securityGroups.map(
        (group) => `  delete security group ${group.groupId} (run ${group.runId})`,
      ),
    ].join("\n");
    if (!(await confirm(`sizer aws cleanup will:\n${plan}\n`))) {
      output.stderr("sizer: nothing removed\n");
      return false;
    }
  }
  const result = await cleanupNodes({ ec2, dryRun: false, ...scope });
  printNodes(result.nodes, options.json, output);
  if (options.json) for (const group of result.securityGroups) output.stdout(`${JSON.stringify(group)}\n`);
  else for (const line of describeCleanup(result, false)) output.stderr(`sizer: ${line}\n`);
  return true;
}
