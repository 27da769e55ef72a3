#!/usr/bin/env node
import { writeFileSync } from "node:fs";
import { EXIT_CODES } from "@sizer/process-kit";
import { createAwsClients } from "./aws-clients.js";
import { type CliCommand, parseCliArguments, USAGE } from "./cli-arguments.js";
import { SsmClientError } from "./errors.js";
import { invocationExitCode, ssmExitCode } from "./exit-codes.js";
import { getFile, putFile } from "./files.js";
import { type CommandOutcome, INLINE_STDOUT_LIMIT, worstStatus } from "./invocation.js";
import { describeCleanup, formatNodeLine } from "./node-report.js";
import { cleanupNodes, listNodes } from "./nodes.js";
import { runCommand } from "./run-command.js";

// The SDK version is pinned to one that supports Node 20, so its warning about future releases
// needing Node 22 says nothing about this program; it would only clutter every command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

function say(line: string): void {
  process.stderr.write(`sizer-ssm: ${line}\n`);
}

function printOutcome(outcome: CommandOutcome, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    return;
  }
  const exit = outcome.exitCode === null ? "" : ` (exit ${outcome.exitCode})`;
  process.stdout.write(`== ${outcome.instanceId} ${outcome.status}${exit}\n`);
  if (outcome.stdout !== "")
    process.stdout.write(outcome.stdout.endsWith("\n") ? outcome.stdout : `${outcome.stdout}\n`);
  if (outcome.stdoutTruncated) {
    process.stdout.write(
      `[stdout truncated by SSM at ${INLINE_STDOUT_LIMIT} characters; --output-bucket gets all of it]\n`,
    );
  }
  if (outcome.stderr !== "") {
    process.stdout.write(
      `-- stderr\n${outcome.stderr.endsWith("\n") ? outcome.stderr : `${outcome.stderr}\n`}`,
    );
  }
  if (outcome.stderrTruncated)
    process.stdout.write("[stderr truncated by SSM; --output-bucket gets all of it]\n");
}

type AwsClients = ReturnType<typeof createAwsClients>;
type CommandOf<Name extends CliCommand["command"]> = Extract<CliCommand, { command: Name }>;

/** `run`: prints each instance's outcome as it ends; the exit code is the worst outcome's. */
async function runOnInstances(
  command: CommandOf<"run">,
  clients: AwsClients,
  signal: AbortSignal,
): Promise<number> {
  const result = await runCommand({
    ...clients,
    targets: command.targets,
    script: command.script,
    signal,
    onOutcome: (outcome) => printOutcome(outcome, command.json),
    ...(command.deadlineMs === undefined ? {} : { deadlineMs: command.deadlineMs }),
    ...(command.executionTimeoutSeconds === undefined
      ? {}
      : { executionTimeoutSeconds: command.executionTimeoutSeconds }),
    ...(command.workingDirectory === undefined ? {} : { workingDirectory: command.workingDirectory }),
    ...(command.outputBucket === undefined ? {} : { outputBucket: command.outputBucket }),
  });
  const worst = worstStatus(result.outcomes.map((outcome) => outcome.status));
  if (!command.json) say(`${result.outcomes.length} instance(s), worst outcome ${worst}`);
  return invocationExitCode(worst);
}

async function putLocalFile(
  command: CommandOf<"put">,
  clients: AwsClients,
  signal: AbortSignal,
): Promise<number> {
  const result = await putFile({
    ...clients,
    instanceId: command.instanceId,
    remotePath: command.remotePath,
    file: command.localPath,
    signal,
    ...(command.bucket === undefined ? {} : { bucket: command.bucket }),
  });
  if (command.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else
    say(
      `put ${result.bytes} bytes to ${command.instanceId}:${command.remotePath} via ${result.via}, sha256 ${result.sha256}`,
    );
  return EXIT_CODES.done;
}

async function getRemoteFile(
  command: CommandOf<"get">,
  clients: AwsClients,
  signal: AbortSignal,
): Promise<number> {
  const result = await getFile({
    ...clients,
    instanceId: command.instanceId,
    remotePath: command.remotePath,
    signal,
    ...(command.bucket === undefined ? {} : { bucket: command.bucket }),
  });
  writeFileSync(command.localPath, result.content);
  const { content: _content, ...summary } = result;
  if (command.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else
    say(
      `got ${result.bytes} bytes from ${command.instanceId}:${command.remotePath} via ${result.via}, sha256 ${result.sha256}`,
    );
  return EXIT_CODES.done;
}

async function printNodes(command: CommandOf<"nodes">, clients: AwsClients): Promise<number> {
  const nodes = await listNodes(clients.ec2, {
    ...(command.runId === undefined ? {} : { runId: command.runId }),
    ...(command.role === undefined ? {} : { role: command.role }),
  });
  for (const node of nodes)
    process.stdout.write(command.json ? `${JSON.stringify(node)}\n` : `${formatNodeLine(node)}\n`);
  if (!command.json) say(`${nodes.length} node(s)`);
  return EXIT_CODES.done;
}

async function cleanUp(command: CommandOf<"cleanup">, clients: AwsClients): Promise<number> {
  const result = await cleanupNodes({
    ec2: clients.ec2,
    dryRun: command.dryRun,
    ...(command.runId === undefined ? {} : { runId: command.runId }),
  });
  for (const node of result.nodes) {
    process.stdout.write(command.json ? `${JSON.stringify(node)}\n` : `${formatNodeLine(node)}\n`);
  }
  if (command.json)
    for (const group of result.securityGroups) process.stdout.write(`${JSON.stringify(group)}\n`);
  else for (const line of describeCleanup(result, command.dryRun)) say(line);
  return EXIT_CODES.done;
}

async function execute(
  command: Exclude<CliCommand, { command: "help" }>,
  signal: AbortSignal,
): Promise<number> {
  const clients = createAwsClients(command.aws);
  switch (command.command) {
    case "run":
      return runOnInstances(command, clients, signal);
    case "put":
      return putLocalFile(command, clients, signal);
    case "get":
      return getRemoteFile(command, clients, signal);
    case "nodes":
      return printNodes(command, clients);
    case "cleanup":
      return cleanUp(command, clients);
  }
}

async function main(): Promise<number> {
  let command: CliCommand;
  try {
    command = parseCliArguments(process.argv.slice(2));
  } catch (error) {
    say((error as Error).message);
    say("see sizer-ssm --help");
    return EXIT_CODES.usage;
  }
  if (command.command === "help") {
    process.stdout.write(USAGE);
    return EXIT_CODES.done;
  }
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(EXIT_CODES.interrupted);
    say("interrupted: cancelling (press Ctrl-C again to quit at once)");
    controller.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await execute(command, controller.signal);
  } catch (error) {
    if (error instanceof SsmClientError) {
      say(`${error.message} [${error.code}]`);
      return ssmExitCode(error.code);
    }
    say(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return EXIT_CODES.internal;
  }
}

process.exitCode = await main();
