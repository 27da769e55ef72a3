import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { AwsClientOptions } from "./aws-clients.js";
import { UsageError } from "./errors.js";
import { type CommandTargets, MAX_DEADLINE_MS } from "./run-command-options.js";

/** The `sizer-ssm` help text. */
export const USAGE = `Usage: sizer-ssm <command> [options]

Commands:
  run      run a shell command or script on instances; prints each instance's outcome as it ends
  put      copy a local file to an instance:   sizer-ssm put --instance-id ID LOCAL REMOTE
  get      copy a file from an instance:       sizer-ssm get --instance-id ID REMOTE LOCAL
  nodes    list the instances sizer tagged
  cleanup  terminate the instances sizer tagged (--dry-run lists them only)

Targets (run):
  --instance-id ID        an instance (repeatable; also comma-separated)
  --tag KEY=VALUE         every online managed instance with this tag (repeatable, all must match)
What to run (run):
  --command TEXT          a shell command line
  --script FILE           a shell script file
  --timeout SECONDS       overall deadline, then the command is cancelled (default: execution timeout + 60)
  --execution-timeout S   SSM's execution timeout of the script (default 3600)
  --working-directory DIR where the script runs on the instance
  --output-bucket BUCKET  S3 bucket for full outputs (inline output stops at 24,000 characters)
Files (put, get):
  --bucket BUCKET         move the file through this S3 bucket (default: in chunks through commands)
Nodes (nodes, cleanup):
  --run-id ID             only this run's instances
  --role ROLE             only this role (nodes)
  --dry-run               list what cleanup would terminate, terminate nothing
AWS (the usual conventions apply: AWS_PROFILE, AWS_REGION, the credential chain, AWS_ENDPOINT_URL[_SSM|_EC2|_S3]):
  --region REGION  --profile NAME  --endpoint-url URL
Output:
  --json                  one JSON object per line instead of text
  -h, --help              this text
`;

/** What the command line asked for. */
export type CliCommand =
  | { command: "help" }
  | {
      command: "run";
      aws: AwsClientOptions;
      json: boolean;
      targets: CommandTargets;
      script: string;
      deadlineMs?: number;
      executionTimeoutSeconds?: number;
      workingDirectory?: string;
      outputBucket?: string;
    }
  | {
      command: "put";
      aws: AwsClientOptions;
      json: boolean;
      instanceId: string;
      localPath: string;
      remotePath: string;
      bucket?: string;
    }
  | {
      command: "get";
      aws: AwsClientOptions;
      json: boolean;
      instanceId: string;
      remotePath: string;
      localPath: string;
      bucket?: string;
    }
  | { command: "nodes"; aws: AwsClientOptions; json: boolean; runId?: string; role?: string }
  | { command: "cleanup"; aws: AwsClientOptions; json: boolean; runId?: string; dryRun: boolean };

const OPTIONS = {
  "instance-id": { type: "string", multiple: true },
  tag: { type: "string", multiple: true },
  command: { type: "string" },
  script: { type: "string" },
  timeout: { type: "string" },
  "execution-timeout": { type: "string" },
  "working-directory": { type: "string" },
  "output-bucket": { type: "string" },
  bucket: { type: "string" },
  "run-id": { type: "string" },
  role: { type: "string" },
  "dry-run": { type: "boolean" },
  region: { type: "string" },
  profile: { type: "string" },
  "endpoint-url": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Which flags each command takes (the AWS and output flags go with all). */
const COMMAND_FLAGS: Record<string, readonly string[]> = {
  run: [
    "instance-id",
    "tag",
    "command",
    "script",
    "timeout",
    "execution-timeout",
    "working-directory",
    "output-bucket",
  ],
  put: ["instance-id", "bucket"],
  get: ["instance-id", "bucket"],
  nodes: ["run-id", "role"],
  cleanup: ["run-id", "dry-run"],
};
const COMMON_FLAGS = ["region", "profile", "endpoint-url", "json", "help"];

function seconds(
  value: string | undefined,
  flag: string,
  minimum: number,
  maximum: number,
): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < minimum || number > maximum) {
    throw new UsageError(
      `--${flag} must be a whole number of seconds from ${minimum} to ${maximum}, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}

function single(values: string[] | undefined, flag: string): string {
  const ids = (values ?? []).flatMap((value) => value.split(",")).filter((value) => value !== "");
  if (ids.length !== 1) throw new UsageError(`--${flag} must name exactly one instance for this command`);
  return ids[0] as string;
}

type ParsedValues = ReturnType<
  typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>
>["values"];

/** What every command gets: the parsed flags, its positionals, the AWS and output flags. */
interface CommandLine {
  command: string;
  values: ParsedValues;
  positionals: readonly string[];
  aws: AwsClientOptions;
  json: boolean;
}

function expectPositionals(line: CommandLine, count: number, names: string): void {
  const { positionals } = line;
  if (positionals.length !== count)
    throw new UsageError(
      `${line.command} takes ${names}${positionals.length > count ? `, not ${JSON.stringify(positionals[count])}` : ""}`,
    );
}

/** `--instance-id` (repeatable, comma-separated) or `--tag KEY=VALUE` (repeatable), exactly one of the two. */
function parseTargets(values: ParsedValues): CommandTargets {
  const instanceIds = (values["instance-id"] ?? [])
    .flatMap((value) => value.split(","))
    .filter((value) => value !== "");
  const tagPairs = values.tag ?? [];
  if (instanceIds.length > 0 === tagPairs.length > 0) {
    throw new UsageError("run needs targets: --instance-id ID or --tag KEY=VALUE (not both)");
  }
  if (instanceIds.length > 0) return { instanceIds };
  const tags: Record<string, string> = {};
  for (const pair of tagPairs) {
    const equals = pair.indexOf("=");
    if (equals <= 0 || equals === pair.length - 1)
      throw new UsageError(`--tag ${JSON.stringify(pair)} must be KEY=VALUE`);
    tags[pair.slice(0, equals)] = pair.slice(equals + 1);
  }
  return { tags };
}

/** The script to run: `--command TEXT` as is, or the contents of `--script FILE`, exactly one of the two. */
function parseScript(values: ParsedValues, readFile: (path: string) => string): string {
  if ((values.command === undefined) === (values.script === undefined)) {
    throw new UsageError("run needs what to run: --command TEXT or --script FILE (one of them)");
  }
  if (values.script === undefined) return values.command ?? "";
  try {
    return readFile(values.script);
  } catch (error) {
    throw new UsageError(
      `--script ${values.script}: ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (error as Error).message}`,
    );
  }
}

function parseRunCommand(line: CommandLine, readFile: (path: string) => string): CliCommand {
  const { values, aws, json } = line;
  expectPositionals(line, 0, "no positional arguments (use --command or --script)");
  const targets = parseTargets(values);
  const script = parseScript(values, readFile);
  const result: Extract<CliCommand, { command: "run" }> = { command: "run", aws, json, targets, script };
  const timeout = seconds(values.timeout, "timeout", 1, MAX_DEADLINE_MS / 1000);
  if (timeout !== undefined) result.deadlineMs = timeout * 1000;
  const executionTimeout = seconds(values["execution-timeout"], "execution-timeout", 1, 172_800);
  if (executionTimeout !== undefined) result.executionTimeoutSeconds = executionTimeout;
  if (values["working-directory"] !== undefined) result.workingDirectory = values["working-directory"];
  if (values["output-bucket"] !== undefined) result.outputBucket = values["output-bucket"];
  return result;
}

function parseFileCommand(line: CommandLine & { command: "put" | "get" }): CliCommand {
  const { command, values, aws, json } = line;
  expectPositionals(line, 2, command === "put" ? "LOCAL REMOTE" : "REMOTE LOCAL");
  const [first, second] = line.positionals as [string, string];
  const instanceId = single(values["instance-id"], "instance-id");
  const base = {
    aws,
    json,
    instanceId,
    ...(values.bucket === undefined ? {} : { bucket: values.bucket }),
  };
  return command === "put"
    ? { command, ...base, localPath: first, remotePath: second }
    : { command, ...base, remotePath: first, localPath: second };
}

function parseNodesCommand(line: CommandLine): CliCommand {
  const { values, aws, json } = line;
  expectPositionals(line, 0, "no positional arguments");
  return {
    command: "nodes",
    aws,
    json,
    ...(values["run-id"] === undefined ? {} : { runId: values["run-id"] }),
    ...(values.role === undefined ? {} : { role: values.role }),
  };
}

function parseCleanupCommand(line: CommandLine): CliCommand {
  const { values, aws, json } = line;
  expectPositionals(line, 0, "no positional arguments");
  return {
    command: "cleanup",
    aws,
    json,
    dryRun: values["dry-run"] === true,
    ...(values["run-id"] === undefined ? {} : { runId: values["run-id"] }),
  };
}

/** Parses `sizer-ssm` arguments; throws {@link UsageError} with a message naming the flag. */
export function parseCliArguments(
  argv: readonly string[],
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): CliCommand {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, ""));
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help === true || command === undefined || command === "help") return { command: "help" };
  const allowed = COMMAND_FLAGS[command];
  if (allowed === undefined)
    throw new UsageError(`unknown command ${JSON.stringify(command)} (run, put, get, nodes, cleanup)`);
  for (const [flag, value] of Object.entries(values)) {
    if (value !== undefined && !allowed.includes(flag) && !COMMON_FLAGS.includes(flag)) {
      throw new UsageError(`--${flag} does not apply to ${command}`);
    }
  }
  const aws: AwsClientOptions = {};
  if (values.region !== undefined) aws.region = values.region;
  if (values.profile !== undefined) aws.profile = values.profile;
  if (values["endpoint-url"] !== undefined) aws.endpoint = values["endpoint-url"];
  const line: CommandLine = { command, values, positionals: rest, aws, json: values.json === true };
  if (command === "run") return parseRunCommand(line, readFile);
  if (command === "put" || command === "get") return parseFileCommand({ ...line, command });
  if (command === "nodes") return parseNodesCommand(line);
  return parseCleanupCommand(line);
}
