import { createInterface } from "node:readline/promises";
import { SsmClientError } from "@sizer/ssm-client";
import { SizerUsageError } from "../errors.js";
import { exitCodeFor, exitCodes } from "../exit-codes.js";
import { AWS_RUN_HELP, parseAwsRunArguments } from "./aws-arguments.js";
import {
  AWS_CLEANUP_HELP,
  AWS_NODES_HELP,
  cleanUpAwsNodes,
  listAwsNodes,
  parseAwsNodesArguments,
} from "./aws-nodes.js";
import { runAwsSizing } from "./aws-run.js";

/** `sizer aws …`: the subcommands, help and usage; the exit code in the shared table. */
export const AWS_HELP = `Usage: sizer aws COMMAND [options]

  run       size a service on EC2 nodes, one per instance type (sizer aws run --help)
  nodes     list the EC2 instances sizer tagged (sizer aws nodes --help)
  cleanup   terminate them and delete the security groups sizer created (sizer aws cleanup --help)
`;

async function askOnTerminal(plan: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await terminal.question(plan.endsWith("\n") ? "Go ahead? [y/N] " : "\nGo ahead? [y/N] ");
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
}

const standardOutput = {
  stdout: (text: string) => void process.stdout.write(text),
  stderr: (text: string) => void process.stderr.write(text),
};

/** `sizer aws nodes` and `sizer aws cleanup`; returns the exit code. */
async function nodesCommand(command: "nodes" | "cleanup", args: string[]): Promise<number> {
  const options = parseAwsNodesArguments(command, args);
  if (options === undefined) {
    process.stdout.write(command === "nodes" ? AWS_NODES_HELP : AWS_CLEANUP_HELP);
    return exitCodes.done;
  }
  const tty = process.stdin.isTTY === true && process.stderr.isTTY === true;
  if (command === "cleanup" && !options.dryRun && !options.yes && !tty)
    throw new SizerUsageError(
      "--yes",
      "sizer aws cleanup terminates instances and there is no terminal to confirm it: add --yes (or --dry-run to list them)",
    );
  if (command === "nodes") await listAwsNodes(options, standardOutput);
  else await cleanUpAwsNodes(options, standardOutput, tty && !options.yes ? askOnTerminal : undefined);
  return exitCodes.done;
}

/** Runs `sizer aws ARGS`; returns the exit code (ssm-client's errors through the shared table). */
export async function awsCommand(args: string[]): Promise<number> {
  // The SDK is pinned to a version that supports Node 20 (as in sizer-ssm): its notice that later
  // releases will need Node 22 says nothing about this run and would clutter every command's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const [subcommand, ...rest] = args;
  if (subcommand === undefined || subcommand === "--help" || subcommand === "-h") {
    process.stdout.write(AWS_HELP);
    return subcommand === undefined ? exitCodes.usage : exitCodes.done;
  }
  if (subcommand !== "run" && subcommand !== "nodes" && subcommand !== "cleanup")
    throw new SizerUsageError(
      "aws",
      `unknown command 'sizer aws ${subcommand}'; use 'sizer aws run', 'nodes' or 'cleanup' (see sizer aws --help)`,
    );
  try {
    return subcommand === "run" ? await runCommand(rest) : await nodesCommand(subcommand, rest);
  } catch (error) {
    if (error instanceof SsmClientError) {
      process.stderr.write(`sizer: ${error.message}\n`);
      return exitCodeFor(error.code);
    }
    throw error;
  }
}

/** `sizer aws run`; returns the exit code. */
async function runCommand(rest: string[]): Promise<number> {
  const parsed = parseAwsRunArguments(rest, { cwd: process.cwd(), now: new Date() });
  if (parsed.help) {
    process.stdout.write(AWS_RUN_HELP);
    return exitCodes.done;
  }
  const tty = process.stdin.isTTY === true && process.stderr.isTTY === true;
  if (!parsed.options.yes && !tty)
    throw new SizerUsageError(
      "--yes",
      "sizer aws run launches EC2 instances that cost money and there is no terminal to confirm it: add --yes",
    );
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) {
      process.stderr.write(
        "\nsizer: second interrupt, exiting now: containers and nodes may be left (sizer aws cleanup)\n",
      );
      process.exit(exitCodes.interrupted);
    }
    process.stderr.write(
      `\nsizer: ${signal}: stopping the load and the containers, ${parsed.options.terminate ? "terminating the nodes, " : ""}writing what was measured (again to force)\n`,
    );
    controller.abort(new Error(signal));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const result = await runAwsSizing(parsed.options, {
      signal: controller.signal,
      argv: ["sizer", "aws", "run", ...rest],
      ...(tty && !parsed.options.yes ? { confirm: askOnTerminal } : {}),
    });
    if (result.interrupted) return exitCodes.interrupted;
    if (result.error) {
      process.stderr.write(`sizer: ${result.error.message}\n`);
      return exitCodeFor(result.error.code);
    }
    return exitCodes.done;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
