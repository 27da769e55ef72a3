import type { ResourceCheck } from "./analysis-types.js";
import { formatNumber } from "./format.js";
import { cpuChecks } from "./resource-checks/cpu-checks.js";
import { diskChecks, networkChecks } from "./resource-checks/device-checks.js";
import { type CheckContext, CheckList, evaluate } from "./resource-checks/level-check.js";
import { memoryChecks } from "./resource-checks/memory-checks.js";

export type { CheckContext } from "./resource-checks/level-check.js";

/** The generator's CPU from the results' timeline, against its cores. */
export function generatorCheck(context: CheckContext): ResourceCheck | null {
  const { results, thresholds } = context;
  const cores = results.selfCheck?.cores ?? results.host?.cpus ?? 1;
  const timeline = results.timeline.filter((entry) => typeof entry.generatorCpuPercent === "number");
  if (timeline.length === 0) return null;
  return evaluate(context, {
    resource: "generator",
    scope: "generator",
    rule: "generator-cpu",
    noun: `of its ${formatNumber(cores)} core${cores === 1 ? "" : "s"}`,
    label: `Load generator CPU (${formatNumber(cores)} core${cores === 1 ? "" : "s"})`,
    metric: "timeline.generatorCpuPercent",
    threshold: thresholds.generatorCpuPercent,
    times: timeline.map((entry) => entry.t),
    values: timeline.map((entry) => (entry.generatorCpuPercent as number) / cores),
    absolute: (level) => `${formatNumber((level * cores) / 100, 2)} cores`,
  });
}

/**
 * Every resource check the metrics allow: CPU of the service, its containers and the host; memory
 * near a limit, swapping or growing with the load; disk utilisation and iowait; network against
 * link speed. Checks whose metrics are absent are left out.
 */
export function resourceChecks(context: CheckContext): ResourceCheck[] {
  const { metrics } = context;
  if (!metrics) return [];
  const list = new CheckList(context, metrics);
  cpuChecks(list);
  memoryChecks(list);
  diskChecks(list);
  networkChecks(list);
  return list.checks.filter((check): check is ResourceCheck => check !== null);
}
