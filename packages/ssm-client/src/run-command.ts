import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { type Clock, systemClock } from "./clock.js";
import {
  AbortedError,
  CommandTimeoutError,
  fromAwsError,
  isThrottlingError,
  SsmClientError,
  UsageError,
} from "./errors.js";
import { parseS3Url } from "./s3-url.js";

/** How an invocation ended, from SSM's `Status` and, where it says more, its `StatusDetails`. */
export type InvocationStatus =
  | "Success"
  | "Failed"
  | "Cancelled"
  | "TimedOut"
  | "Undeliverable"
  | "Terminated"
  | "DeliveryTimedOut"
  | "ExecutionTimedOut";

/** Every terminal status, best first (the order `worstStatus` ranks by). */
export const INVOCATION_STATUSES: readonly InvocationStatus[] = [
  "Success",
  "Failed",
  "ExecutionTimedOut",
  "TimedOut",
  "DeliveryTimedOut",
  "Undeliverable",
  "Terminated",
  "Cancelled",
];

/** SSM caps `StandardOutputContent` at this many characters. */
export const INLINE_STDOUT_LIMIT = 24_000;
/** SSM caps `StandardErrorContent` at this many characters. */
export const INLINE_STDERR_LIMIT = 8_000;

const IN_FLIGHT = new Set(["Pending", "InProgress", "Delayed", "Cancelling"]);
const DETAILED = new Set(["Undeliverable", "Terminated", "DeliveryTimedOut", "ExecutionTimedOut"]);

/** The terminal status of an invocation, or undefined while it is still pending or running. */
export function invocationStatus(status: string, statusDetails = ""): InvocationStatus | undefined {
  if (IN_FLIGHT.has(status)) return undefined;
  const details = statusDetails.replaceAll(" ", "");
  if (DETAILED.has(details)) return details as InvocationStatus;
  if (status === "Success" || status === "Failed" || status === "Cancelled" || status === "TimedOut")
    return status;
  return "Failed";
}

/** The worst of some statuses (`Success` for none). */
export function worstStatus(statuses: readonly InvocationStatus[]): InvocationStatus {
  return statuses.reduce<InvocationStatus>(
    (worst, status) =>
      INVOCATION_STATUSES.indexOf(status) > INVOCATION_STATUSES.indexOf(worst) ? status : worst,
    "Success",
  );
}

/** One instance's result. */
export interface CommandOutcome {
  commandId: string;
  instanceId: string;
  status: InvocationStatus;
  /** SSM's own words, such as `Execution Timed Out`. */
  statusDetails: string;
  /** The script's exit code; null when it did not run to an exit (SSM's -1). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** True when stdout is SSM's truncated inline copy (no output bucket, or the full copy could not be read). */
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Where the output came from: `inline` (GetCommandInvocation) or `s3` (the output bucket). */
  outputSource: "inline" | "s3";
}

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

/** Checks the options a user gives {@link runCommand}, speaking option names. */
export function validateRunCommandOptions(options: RunCommandOptions): void {
  if (typeof options.script !== "string" || options.script.trim() === "")
    throw new UsageError("script must not be empty");
  if ("instanceIds" in options.targets) {
    if (options.targets.instanceIds.length === 0)
      throw new UsageError("targets.instanceIds must list at least one instance");
    for (const instanceId of options.targets.instanceIds) {
      if (!INSTANCE_ID_PATTERN.test(instanceId)) {
        throw new UsageError(
          `instance id ${JSON.stringify(instanceId)} is not an instance id such as i-0123456789abcdef0`,
        );
      }
    }
  } else {
    const entries = Object.entries(options.targets.tags);
    if (entries.length === 0 || entries.length > 4)
      throw new UsageError("targets.tags must have 1 to 4 tags");
    for (const [key, value] of entries) {
      if (key === "" || value === "")
        throw new UsageError(`tag ${JSON.stringify(`${key}=${value}`)} needs a key and a value`);
    }
  }
  wholeNumber(options.executionTimeoutSeconds, "executionTimeoutSeconds", 1, 172_800, 3600);
  wholeNumber(options.deliveryTimeoutSeconds, "deliveryTimeoutSeconds", 30, 2_592_000, 600);
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
  wholeNumber(poll.initialDelayMs, "poll.initialDelayMs", 1, 60_000, 1000);
  wholeNumber(poll.maxDelayMs, "poll.maxDelayMs", 1, 600_000, 5000);
  wholeNumber(poll.raceRetries, "poll.raceRetries", 0, 10_000, 30);
}

class Stopped extends Error {}

/**
 * Runs a shell script with `AWS-RunShellScript` on instances (by id or by tags) and waits for every
 * invocation with its own poll loop: the `InvocationDoesNotExist` race after sending is waited
 * out, `Pending`/`InProgress`/`Delayed` are polled with a growing delay, throttling left over after
 * the SDK's retries is waited out, the overall deadline cancels the command
 * ({@link CommandTimeoutError}), and so does the signal ({@link AbortedError}). Full outputs come from
 * the output bucket when the inline copy was cut; otherwise the outcome says it is truncated.
 */
export async function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  validateRunCommandOptions(options);
  const clock = options.clock ?? systemClock;
  const executionTimeout = options.executionTimeoutSeconds ?? 3600;
  const deadlineMs = options.deadlineMs ?? Math.min(executionTimeout * 1000 + 60_000, MAX_DEADLINE_MS);
  const deadline = clock.now() + deadlineMs;
  const poll = { initialDelayMs: 1000, maxDelayMs: 5000, raceRetries: 30, ...options.poll };
  const stats: RunStats = { polls: 0, races: 0, throttled: 0 };
  const stop = new AbortController();
  const stopReason = () => (options.signal?.aborted ? "aborted" : "deadline");
  const onAbort = () => stop.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  const deadlineTimer = setTimeout(() => stop.abort(), deadlineMs);
  if (options.signal?.aborted) stop.abort();

  const sent: { commandId: string; instanceIds: string[] }[] = [];
  const outcomes = new Map<string, CommandOutcome>();
  const key = (commandId: string, instanceId: string) => `${commandId}/${instanceId}`;

  const pause = async (ms: number) => {
    if (stop.signal.aborted) throw new Stopped();
    try {
      await clock.sleep(Math.max(0, Math.min(ms, deadline - clock.now())), stop.signal);
    } catch {
      throw new Stopped();
    }
    if (stop.signal.aborted) throw new Stopped();
  };

  /** Calls AWS; throttling that survived the SDK's retries is waited out here. */
  const call = async <T>(action: string, request: () => Promise<T>): Promise<T> => {
    let delay = poll.initialDelayMs;
    for (;;) {
      if (stop.signal.aborted) throw new Stopped();
      try {
        return await request();
      } catch (error) {
        if (stop.signal.aborted) throw new Stopped();
        if (!isThrottlingError(error)) throw fromAwsError(error, action);
        stats.throttled += 1;
        await pause(delay);
        delay = Math.min(delay * 2, poll.maxDelayMs);
      }
    }
  };

  const send = async (
    targets: { InstanceIds: string[] } | { Targets: { Key: string; Values: string[] }[] },
  ) => {
    const parameters: Record<string, string[]> = {
      commands: [options.script],
      executionTimeout: [String(executionTimeout)],
    };
    if (options.workingDirectory !== undefined) parameters.workingDirectory = [options.workingDirectory];
    const output = await call("ssm:SendCommand", () =>
      options.ssm.send(
        new SendCommandCommand({
          DocumentName: "AWS-RunShellScript",
          ...targets,
          Parameters: parameters,
          TimeoutSeconds: options.deliveryTimeoutSeconds ?? 600,
          ...(options.comment === undefined ? {} : { Comment: options.comment }),
          ...(options.outputBucket === undefined
            ? {}
            : {
                OutputS3BucketName: options.outputBucket,
                OutputS3KeyPrefix: options.outputPrefix ?? "sizer-ssm",
              }),
        }),
      ),
    );
    return { commandId: output.Command?.CommandId ?? "", targetCount: output.Command?.TargetCount ?? 0 };
  };

  /** With tag targets, which instances got the command (ListCommandInvocations lags like GetCommandInvocation). */
  const discover = async (commandId: string, targetCount: number): Promise<string[]> => {
    let races = 0;
    for (;;) {
      const instanceIds: string[] = [];
      let nextToken: string | undefined;
      do {
        stats.polls += 1;
        const listed = await call("ssm:ListCommandInvocations", () =>
          options.ssm.send(
            new ListCommandInvocationsCommand({ CommandId: commandId, MaxResults: 50, NextToken: nextToken }),
          ),
        );
        for (const item of listed.CommandInvocations ?? [])
          if (item.InstanceId) instanceIds.push(item.InstanceId);
        nextToken = listed.NextToken;
      } while (nextToken);
      if (instanceIds.length >= targetCount) return instanceIds;
      races += 1;
      stats.races += 1;
      if (races > poll.raceRetries) {
        throw new SsmClientError(
          "ERR_SSM_INVOCATION_NOT_FOUND",
          `command ${commandId} targeted ${targetCount} instances but SSM listed only ${instanceIds.length} after ${races} polls`,
        );
      }
      await pause(poll.initialDelayMs);
    }
  };

  const fullOutput = async (inline: string, limit: number, url: string | undefined) => {
    if ([...inline].length < limit) return { text: inline, truncated: false, fromS3: false };
    const location = url ? parseS3Url(url) : undefined;
    if (location === undefined || options.s3 === undefined)
      return { text: inline, truncated: true, fromS3: false };
    try {
      const object = await call("s3:GetObject", () =>
        (options.s3 as S3Client).send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key })),
      );
      return {
        text: (await object.Body?.transformToString("utf8")) ?? inline,
        truncated: false,
        fromS3: true,
      };
    } catch (error) {
      if (error instanceof Stopped) throw error;
      return { text: inline, truncated: true, fromS3: false };
    }
  };

  const wait = async (commandId: string, instanceId: string): Promise<CommandOutcome> => {
    let delay = poll.initialDelayMs;
    let races = 0;
    for (;;) {
      await pause(delay);
      let invocation: GetCommandInvocationCommandOutput;
      try {
        stats.polls += 1;
        invocation = await call("ssm:GetCommandInvocation", () =>
          options.ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
        );
      } catch (error) {
        if (
          error instanceof SsmClientError &&
          error.code === "ERR_SSM_INVOCATION_NOT_FOUND" &&
          races < poll.raceRetries
        ) {
          races += 1;
          stats.races += 1;
          delay = poll.initialDelayMs;
          continue;
        }
        throw error;
      }
      const status = invocationStatus(invocation.Status ?? "Pending", invocation.StatusDetails);
      if (status === undefined) {
        delay = Math.min(Math.ceil(delay * 1.5), poll.maxDelayMs);
        continue;
      }
      const stdout = await fullOutput(
        invocation.StandardOutputContent ?? "",
        INLINE_STDOUT_LIMIT,
        invocation.StandardOutputUrl,
      );
      const stderr = await fullOutput(
        invocation.StandardErrorContent ?? "",
        INLINE_STDERR_LIMIT,
        invocation.StandardErrorUrl,
      );
      const responseCode = invocation.ResponseCode ?? -1;
      const outcome: CommandOutcome = {
        commandId,
        instanceId,
        status,
        statusDetails: invocation.StatusDetails ?? "",
        exitCode: responseCode < 0 ? null : responseCode,
        stdout: stdout.text,
        stderr: stderr.text,
        stdoutTruncated: stdout.truncated,
        stderrTruncated: stderr.truncated,
        outputSource: stdout.fromS3 || stderr.fromS3 ? "s3" : "inline",
      };
      outcomes.set(key(commandId, instanceId), outcome);
      options.onOutcome?.(outcome);
      return outcome;
    }
  };

  try {
    if ("instanceIds" in options.targets) {
      const ids = [...new Set(options.targets.instanceIds)];
      for (let start = 0; start < ids.length; start += 50) {
        const batch = ids.slice(start, start + 50);
        const { commandId } = await send({ InstanceIds: batch });
        sent.push({ commandId, instanceIds: batch });
      }
    } else {
      const targets = Object.entries(options.targets.tags).map(([tag, value]) => ({
        Key: `tag:${tag}`,
        Values: [value],
      }));
      const { commandId, targetCount } = await send({ Targets: targets });
      sent.push({ commandId, instanceIds: [] });
      if (targetCount === 0) {
        throw new SsmClientError(
          "ERR_SSM_NO_TARGETS",
          `no online managed instance has the tags ${Object.entries(options.targets.tags)
            .map(([tag, value]) => `${tag}=${value}`)
            .join(", ")}`,
        );
      }
      (sent[0] as { instanceIds: string[] }).instanceIds = await discover(commandId, targetCount);
    }
    const ordered = await Promise.all(
      sent.flatMap(({ commandId, instanceIds }) =>
        instanceIds.map((instanceId) => wait(commandId, instanceId)),
      ),
    );
    return { commandIds: sent.map((batch) => batch.commandId), outcomes: ordered, stats };
  } catch (error) {
    if (!(error instanceof Stopped) && !stop.signal.aborted) {
      stop.abort(); // the other invocations' poll loops end with this one
      throw error;
    }
    const reason = stopReason();
    await cancel(
      options.ssm,
      sent.map((batch) => batch.commandId),
    );
    if (reason === "aborted") throw new AbortedError("the command", options.signal?.reason);
    const pending = sent.flatMap(({ commandId, instanceIds }) =>
      instanceIds.filter((instanceId) => !outcomes.has(key(commandId, instanceId))),
    );
    const timeout = new CommandTimeoutError(sent[0]?.commandId ?? "(not sent)", pending, deadlineMs);
    Object.assign(timeout, { outcomes: [...outcomes.values()] });
    throw timeout;
  } finally {
    clearTimeout(deadlineTimer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Cancels commands, best effort: a failure to cancel must not hide why we cancelled. */
async function cancel(ssm: SSMClient, commandIds: string[]): Promise<void> {
  await Promise.all(
    commandIds
      .filter((commandId) => commandId !== "")
      .map((commandId) =>
        ssm
          .send(new CancelCommandCommand({ CommandId: commandId }), {
            abortSignal: AbortSignal.timeout(10_000),
          })
          .catch(() => undefined),
      ),
  );
}
