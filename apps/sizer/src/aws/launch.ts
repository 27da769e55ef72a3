import { type AwsClients, type LaunchedNode, launchNode } from "@sizer/ssm-client";
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
