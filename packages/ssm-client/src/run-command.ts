import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import {
  CancelCommandCommand,
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  ListCommandInvocationsCommand,
  SendCommandCommand,
  type SSMClient,
} from "@aws-sdk/client-ssm";
import { systemClock } from "./clock.js";
import { CommandRun, Stopped } from "./command-run.js";
import { AbortedError, CommandTimeoutError, SsmClientError } from "./errors.js";
import {
  type CommandOutcome,
  INLINE_STDERR_LIMIT,
  INLINE_STDOUT_LIMIT,
  type InvocationStatus,
  invocationStatus,
} from "./invocation.js";
import {
  DEFAULT_OUTPUT_PREFIX,
  type RunCommandOptions,
  type RunCommandResult,
  type RunCommandSettings,
  resolveRunCommandOptions,
} from "./run-command-options.js";
import { parseS3Url } from "./s3-url.js";

/** SendCommand takes at most this many instance ids at once. */
const INSTANCE_IDS_PER_SEND = 50;

/** One SendCommand: its id and the instances it went to (filled in later for tag targets). */
interface SentCommand {
  commandId: string;
  instanceIds: string[];
}

type SendTargets = { InstanceIds: string[] } | { Targets: { Key: string; Values: string[] }[] };

async function sendCommand(
  run: CommandRun,
  options: RunCommandOptions,
  settings: RunCommandSettings,
  targets: SendTargets,
): Promise<{ commandId: string; targetCount: number }> {
  const parameters: Record<string, string[]> = {
    commands: [options.script],
    executionTimeout: [String(settings.executionTimeoutSeconds)],
  };
  if (options.workingDirectory !== undefined) parameters.workingDirectory = [options.workingDirectory];
  const output = await run.call("ssm:SendCommand", () =>
    options.ssm.send(
      new SendCommandCommand({
        DocumentName: "AWS-RunShellScript",
        ...targets,
        Parameters: parameters,
        TimeoutSeconds: settings.deliveryTimeoutSeconds,
        ...(options.comment === undefined ? {} : { Comment: options.comment }),
        ...(options.outputBucket === undefined
          ? {}
          : {
              OutputS3BucketName: options.outputBucket,
              OutputS3KeyPrefix: options.outputPrefix ?? DEFAULT_OUTPUT_PREFIX,
            }),
      }),
    ),
  );
  return { commandId: output.Command?.CommandId ?? "", targetCount: output.Command?.TargetCount ?? 0 };
}

/** With tag targets, which instances got the command (ListCommandInvocations lags like GetCommandInvocation). */
async function discoverInstances(
  run: CommandRun,
  ssm: SSMClient,
  commandId: string,
  targetCount: number,
): Promise<string[]> {
  let races = 0;
  for (;;) {
    const instanceIds: string[] = [];
    let nextToken: string | undefined;
    do {
      run.stats.polls += 1;
      const listed = await run.call("ssm:ListCommandInvocations", () =>
        ssm.send(
          new ListCommandInvocationsCommand({ CommandId: commandId, MaxResults: 50, NextToken: nextToken }),
        ),
      );
      for (const item of listed.CommandInvocations ?? [])
        if (item.InstanceId) instanceIds.push(item.InstanceId);
      nextToken = listed.NextToken;
    } while (nextToken);
    if (instanceIds.length >= targetCount) return instanceIds;
    races += 1;
    run.stats.races += 1;
    if (races > run.poll.raceRetries) {
      throw new SsmClientError(
        "ERR_SSM_INVOCATION_NOT_FOUND",
        `command ${commandId} targeted ${targetCount} instances but SSM listed only ${instanceIds.length} after ${races} polls`,
      );
    }
    await run.pause(run.poll.initialDelayMs);
  }
}

/**
 * Sends the command, to instance ids in batches of 50 or to tags once, and records each send in
 * `sent` as it happens, so that a failure later still knows what to cancel.
 */
async function sendToTargets(
  run: CommandRun,
  options: RunCommandOptions,
  settings: RunCommandSettings,
  sent: SentCommand[],
): Promise<void> {
  if ("instanceIds" in options.targets) {
    const ids = [...new Set(options.targets.instanceIds)];
    for (let start = 0; start < ids.length; start += INSTANCE_IDS_PER_SEND) {
      const batch = ids.slice(start, start + INSTANCE_IDS_PER_SEND);
      const { commandId } = await sendCommand(run, options, settings, { InstanceIds: batch });
      sent.push({ commandId, instanceIds: batch });
    }
    return;
  }
  const tags = Object.entries(options.targets.tags);
  const targets = tags.map(([tag, value]) => ({ Key: `tag:${tag}`, Values: [value] }));
  const { commandId, targetCount } = await sendCommand(run, options, settings, { Targets: targets });
  const command: SentCommand = { commandId, instanceIds: [] };
  sent.push(command);
  if (targetCount === 0) {
    throw new SsmClientError(
      "ERR_SSM_NO_TARGETS",
      `no online managed instance has the tags ${tags.map(([tag, value]) => `${tag}=${value}`).join(", ")}`,
    );
  }
  command.instanceIds = await discoverInstances(run, options.ssm, commandId, targetCount);
}

/** The whole output: the inline copy when it was not cut, else the output bucket's copy when it can be read. */
async function readFullOutput(
  run: CommandRun,
  s3: S3Client | undefined,
  inline: string,
  limit: number,
  url: string | undefined,
): Promise<{ text: string; truncated: boolean; fromS3: boolean }> {
  if ([...inline].length < limit) return { text: inline, truncated: false, fromS3: false };
  const location = url ? parseS3Url(url) : undefined;
  if (location === undefined || s3 === undefined) return { text: inline, truncated: true, fromS3: false };
  try {
    const object = await run.call("s3:GetObject", () =>
      s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key })),
    );
    return { text: (await object.Body?.transformToString("utf8")) ?? inline, truncated: false, fromS3: true };
  } catch (error) {
    if (error instanceof Stopped) throw error;
    return { text: inline, truncated: true, fromS3: false };
  }
}

/**
 * Polls one invocation until it ends: `InvocationDoesNotExist` right after sending is the race and
 * is retried, a pending or running invocation is polled again with a growing delay.
 */
async function pollUntilEnded(
  run: CommandRun,
  ssm: SSMClient,
  commandId: string,
  instanceId: string,
): Promise<{ invocation: GetCommandInvocationCommandOutput; status: InvocationStatus }> {
  let delay = run.poll.initialDelayMs;
  let races = 0;
  for (;;) {
    await run.pause(delay);
    let invocation: GetCommandInvocationCommandOutput;
    try {
      run.stats.polls += 1;
      invocation = await run.call("ssm:GetCommandInvocation", () =>
        ssm.send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId })),
      );
    } catch (error) {
      if (
        error instanceof SsmClientError &&
        error.code === "ERR_SSM_INVOCATION_NOT_FOUND" &&
        races < run.poll.raceRetries
      ) {
        races += 1;
        run.stats.races += 1;
        delay = run.poll.initialDelayMs;
        continue;
      }
      throw error;
    }
    const status = invocationStatus(invocation.Status ?? "Pending", invocation.StatusDetails);
    if (status !== undefined) return { invocation, status };
    delay = Math.min(Math.ceil(delay * 1.5), run.poll.maxDelayMs);
  }
}

/** One instance's outcome, its outputs read in full where SSM's inline copy was cut. */
async function waitForOutcome(
  run: CommandRun,
  options: RunCommandOptions,
  commandId: string,
  instanceId: string,
): Promise<CommandOutcome> {
  const { invocation, status } = await pollUntilEnded(run, options.ssm, commandId, instanceId);
  const stdout = await readFullOutput(
    run,
    options.s3,
    invocation.StandardOutputContent ?? "",
    INLINE_STDOUT_LIMIT,
    invocation.StandardOutputUrl,
  );
  const stderr = await readFullOutput(
    run,
    options.s3,
    invocation.StandardErrorContent ?? "",
    INLINE_STDERR_LIMIT,
    invocation.StandardErrorUrl,
  );
  const responseCode = invocation.ResponseCode ?? -1;
  return {
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

const outcomeKey = (commandId: string, instanceId: string) => `${commandId}/${instanceId}`;

/**
 * After the run stopped: cancels what was sent, then says why it stopped, the caller's signal
 * ({@link AbortedError}) or the deadline ({@link CommandTimeoutError}, with what finished in time).
 */
async function stoppedError(
  run: CommandRun,
  options: RunCommandOptions,
  deadlineMs: number,
  sent: readonly SentCommand[],
  finished: ReadonlyMap<string, CommandOutcome>,
): Promise<SsmClientError> {
  const reason = run.stopReason();
  await cancel(
    options.ssm,
    sent.map((command) => command.commandId),
  );
  if (reason === "aborted") return new AbortedError("the command", options.signal?.reason);
  const pending = sent.flatMap(({ commandId, instanceIds }) =>
    instanceIds.filter((instanceId) => !finished.has(outcomeKey(commandId, instanceId))),
  );
  const timeout = new CommandTimeoutError(sent[0]?.commandId ?? "(not sent)", pending, deadlineMs);
  Object.assign(timeout, { outcomes: [...finished.values()] });
  return timeout;
}

/**
 * Runs a shell script with `AWS-RunShellScript` on instances (by id or by tags) and waits for every
 * invocation with its own poll loop: the `InvocationDoesNotExist` race after sending is waited
 * out, `Pending`/`InProgress`/`Delayed` are polled with a growing delay, throttling left over after
 * the SDK's retries is waited out, the overall deadline cancels the command
 * ({@link CommandTimeoutError}), and so does the signal ({@link AbortedError}). Full outputs come from
 * the output bucket when the inline copy was cut; otherwise the outcome says it is truncated.
 */
export async function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const settings = resolveRunCommandOptions(options);
  const run = new CommandRun(settings, options.clock ?? systemClock, options.signal);
  const sent: SentCommand[] = [];
  const finished = new Map<string, CommandOutcome>();
  const waitAndRecord = async (commandId: string, instanceId: string) => {
    const outcome = await waitForOutcome(run, options, commandId, instanceId);
    finished.set(outcomeKey(commandId, instanceId), outcome);
    options.onOutcome?.(outcome);
    return outcome;
  };
  try {
    await sendToTargets(run, options, settings, sent);
    const outcomes = await Promise.all(
      sent.flatMap(({ commandId, instanceIds }) =>
        instanceIds.map((instanceId) => waitAndRecord(commandId, instanceId)),
      ),
    );
    return { commandIds: sent.map((command) => command.commandId), outcomes, stats: run.stats };
  } catch (error) {
    if (!(error instanceof Stopped) && !run.stopped) {
      run.stopAll(); // the other invocations' poll loops end with this one
      throw error;
    }
    throw await stoppedError(run, options, settings.deadlineMs, sent, finished);
  } finally {
    run.dispose();
  }
}
