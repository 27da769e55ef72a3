import type { S3Client } from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Clock } from "./clock.js";
import { UsageError } from "./errors.js";
import type { CommandOutcome } from "./invocation.js";

/** Which instances to run on: ids, or tags (every online managed instance carrying all of them). */
export type CommandTargets = { instanceIds: readonly string[] } | { tags: Readonly<Record<string, string>> };

/** The poll loop's pacing. */
export interface PollOptions {
  /** The first wait after sending, and the wait after an `InvocationDoesNotExist` (default 1000 ms). */
  initialDelayMs?: number;
  /** The longest wait between two polls of one invocation (default 5000 ms). */
  maxDelayMs?: number;
  /** How many `InvocationDoesNotExist` answers in a row are taken as the race after sending (default 30). */
  raceRetries?: number;
}

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  ssm: SSMClient;
  /** Needed to read full outputs from the output bucket. */
  s3?: S3Client;
  targets: CommandTargets;
  /** The shell script (run by `sh` as root, in `workingDirectory`); put values in it with `shellQuote`. */
  script: string;
  workingDirectory?: string;
  /** SSM's execution timeout of the script, in seconds (default 3600). */
  executionTimeoutSeconds?: number;
  /** SSM's delivery timeout: a command not started by then never runs (default 600, at least 30). */
  deliveryTimeoutSeconds?: number;
  /** The overall deadline, after which the command is cancelled (default: execution timeout + 60 s). */
  deadlineMs?: number;
  /** An S3 bucket for full outputs (SSM's inline copy stops at 24,000 characters). */
  outputBucket?: string;
  outputPrefix?: string;
  comment?: string;
  signal?: AbortSignal;
  poll?: PollOptions;
  /** Called as each instance's outcome is known, before the whole command ends. */
  onOutcome?: (outcome: CommandOutcome) => void;
  clock?: Clock;
}

/** What a run did, beyond the outcomes: how hard it polled and what it survived. */
export interface RunStats {
  /** GetCommandInvocation / ListCommandInvocations calls made. */
  polls: number;
  /** `InvocationDoesNotExist` answers taken as the race after sending. */
  races: number;
  /** Calls still throttled after the SDK's retries, waited out by the poll loop. */
  throttled: number;
}

/** The result of {@link runCommand}: one outcome per instance, in the order they were sent. */
export interface RunCommandResult {
  commandIds: string[];
  outcomes: CommandOutcome[];
  stats: RunStats;
}

/** The longest overall deadline {@link runCommand} takes: 7 days. */
export const MAX_DEADLINE_MS = 7 * 24 * 3600 * 1000;

const BUCKET_PATTERN = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const INSTANCE_ID_PATTERN = /^(i|mi)-([0-9a-f]{8}|[0-9a-f]{17})$/;

const DEFAULT_EXECUTION_TIMEOUT_SECONDS = 3600;
const DEFAULT_DELIVERY_TIMEOUT_SECONDS = 600;
const DEFAULT_POLL: Required<PollOptions> = { initialDelayMs: 1000, maxDelayMs: 5000, raceRetries: 30 };
/** The output bucket's key prefix when none is given. */
export const DEFAULT_OUTPUT_PREFIX = "sizer-ssm";

/** The options of {@link runCommand} once checked, with every default filled in. */
export interface RunCommandSettings {
  executionTimeoutSeconds: number;
  deliveryTimeoutSeconds: number;
  deadlineMs: number;
  poll: Required<PollOptions>;
}

function wholeNumber(
  value: number | undefined,
  name: string,
  minimum: number,
  maximum: number,
  fallback: number,
): number {
  const chosen = value ?? fallback;
  if (!Number.isInteger(chosen) || chosen < minimum || chosen > maximum) {
    throw new UsageError(
      `${name} must be a whole number from ${minimum} to ${maximum}, got ${String(value)}`,
    );
  }
  return chosen;
}

function checkTargets(targets: CommandTargets): void {
  if ("instanceIds" in targets) {
    if (targets.instanceIds.length === 0)
      throw new UsageError("targets.instanceIds must list at least one instance");
    for (const instanceId of targets.instanceIds) {
      if (!INSTANCE_ID_PATTERN.test(instanceId)) {
        throw new UsageError(
          `instance id ${JSON.stringify(instanceId)} is not an instance id such as i-0123456789abcdef0`,
        );
      }
    }
    return;
  }
  const entries = Object.entries(targets.tags);
  if (entries.length === 0 || entries.length > 4) throw new UsageError("targets.tags must have 1 to 4 tags");
  for (const [key, value] of entries) {
    if (key === "" || value === "")
      throw new UsageError(`tag ${JSON.stringify(`${key}=${value}`)} needs a key and a value`);
  }
}

/** Checks the options of {@link runCommand} and fills in the defaults: the one place that knows both. */
export function resolveRunCommandOptions(options: RunCommandOptions): RunCommandSettings {
  if (typeof options.script !== "string" || options.script.trim() === "")
    throw new UsageError("script must not be empty");
  checkTargets(options.targets);
  const executionTimeoutSeconds = wholeNumber(
    options.executionTimeoutSeconds,
    "executionTimeoutSeconds",
    1,
    172_800,
    DEFAULT_EXECUTION_TIMEOUT_SECONDS,
  );
  const deliveryTimeoutSeconds = wholeNumber(
    options.deliveryTimeoutSeconds,
    "deliveryTimeoutSeconds",
    30,
    2_592_000,
    DEFAULT_DELIVERY_TIMEOUT_SECONDS,
  );
  // Timers hold at most 2^31-1 ms; a week is far past any useful run and well within that.
  if (
    options.deadlineMs !== undefined &&
    (!Number.isFinite(options.deadlineMs) || options.deadlineMs <= 0 || options.deadlineMs > MAX_DEADLINE_MS)
  ) {
    throw new UsageError(
      `deadlineMs must be a number of milliseconds from 1 to ${MAX_DEADLINE_MS} (7 days), got ${String(options.deadlineMs)}`,
    );
  }
  if (options.outputBucket !== undefined && !BUCKET_PATTERN.test(options.outputBucket)) {
    throw new UsageError(
      `outputBucket ${JSON.stringify(options.outputBucket)} is not a valid S3 bucket name`,
    );
  }
  if (options.outputPrefix !== undefined && options.outputPrefix.length > 500) {
    throw new UsageError("outputPrefix must be at most 500 characters");
  }
  if (options.comment !== undefined && options.comment.length > 100)
    throw new UsageError("comment must be at most 100 characters");
  const poll = options.poll ?? {};
  return {
    executionTimeoutSeconds,
    deliveryTimeoutSeconds,
    deadlineMs: options.deadlineMs ?? Math.min(executionTimeoutSeconds * 1000 + 60_000, MAX_DEADLINE_MS),
    poll: {
      initialDelayMs: wholeNumber(
        poll.initialDelayMs,
        "poll.initialDelayMs",
        1,
        60_000,
        DEFAULT_POLL.initialDelayMs,
      ),
      maxDelayMs: wholeNumber(poll.maxDelayMs, "poll.maxDelayMs", 1, 600_000, DEFAULT_POLL.maxDelayMs),
      raceRetries: wholeNumber(poll.raceRetries, "poll.raceRetries", 0, 10_000, DEFAULT_POLL.raceRetries),
    },
  };
}

/** Checks the options a user gives {@link runCommand}, speaking option names. */
export function validateRunCommandOptions(options: RunCommandOptions): void {
  resolveRunCommandOptions(options);
}
