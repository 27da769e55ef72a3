import type { CleanupResult, SizerNode } from "./nodes.js";

/** The columns of {@link formatNodeLine}, tab-separated, for a header line. */
export const NODE_LINE_COLUMNS = [
  "instance",
  "state",
  "type",
  "run",
  "role",
  "expires",
  "private-ip",
] as const;

/** One node as a tab-separated line: id, state, type, run id, role, expiry and private address (`-` when absent). */
export function formatNodeLine(node: SizerNode): string {
  return [
    node.instanceId,
    node.state,
    node.instanceType,
    node.tags["sizer:run-id"] ?? "-",
    node.tags["sizer:role"] ?? "-",
    node.tags["sizer:expires-at"] ?? "-",
    node.privateIpAddress ?? "-",
  ].join("\t");
}

/**
 * What a cleanup did (or, `dryRun`, would do), as lines for a person: the security groups kept and why,
 * then one line of totals. The commands that clean up (`sizer-ssm cleanup`, `sizer aws cleanup`) print these.
 */
export function describeCleanup(result: CleanupResult, dryRun: boolean): string[] {
  const lines: string[] = [];
  if (!dryRun)
    for (const group of result.securityGroups)
      if (!group.deleted) lines.push(`kept security group ${group.groupId}: ${group.reason ?? ""}`);
  const groups = result.securityGroups.length;
  const deleted = result.securityGroups.filter((group) => group.deleted).length;
  lines.push(
    dryRun
      ? `dry run: would terminate ${result.nodes.length} node(s) and delete ${groups} security group(s)`
      : `terminating ${result.nodes.length} node(s); deleted ${deleted} of ${groups} security group(s)`,
  );
  return lines;
}
