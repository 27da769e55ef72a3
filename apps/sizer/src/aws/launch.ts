import { type AwsClients, type LaunchedNode, launchNode, runCommand } from "@sizer/ssm-client";
import { SizerError } from "../errors.js";
import type { AwsRunOptions } from "./aws-arguments.js";

/** Launches one node of `sizer aws run` (a service or a loader node) where the run's options say. */
export function launchRunNode(
  clients: AwsClients,
  options: AwsRunOptions,
  node: { instanceType: string; runId: string; role: string },
): Promise<LaunchedNode> {
  return launchNode({
    ec2: clients.ec2,
    ssm: clients.ssm,
    instanceType: node.instanceType,
    instanceProfile: options.instanceProfile,
    runId: node.runId,
    role: node.role,
    maxLifetimeMinutes: options.maxLifetimeMinutes,
    ...(options.subnetId ? { subnetId: options.subnetId } : {}),
    ...(options.securityGroupIds ? { securityGroupIds: options.securityGroupIds } : {}),
  });
}

/**
 * How sizer polls what it asks of its nodes (commands, file transfers, the agent coming online): a
 * first look soon, since most commands end within a second, then less often, every 2 s at most.
 */
export const NODE_POLL = { initialDelayMs: 250, maxDelayMs: 2000 } as const;

/** Runs a script on one node; its stdout, or a coded error with its stderr. */
export async function runOnNode(
  clients: AwsClients,
  instanceId: string,
  script: string,
  deadlineMs: number,
  signal: AbortSignal | undefined,
): Promise<string> {
  const { outcomes } = await runCommand({
    ssm: clients.ssm,
    s3: clients.s3,
    targets: { instanceIds: [instanceId] },
    script,
    deadlineMs,
    executionTimeoutSeconds: Math.ceil(deadlineMs / 1000),
    poll: NODE_POLL,
    ...(signal ? { signal } : {}),
  });
  const outcome = outcomes[0];
  if (outcome?.status !== "Success") {
    throw new SizerError(
      "ERR_SIZER_SERVICE_START",
      `a command on ${instanceId} ended ${outcome?.status ?? "without an outcome"} (exit ${outcome?.exitCode ?? "?"}): ${(outcome?.stderr ?? "").trim().slice(-600)}`,
    );
  }
  return outcome.stdout;
}
