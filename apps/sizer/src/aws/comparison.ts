import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Analysis } from "@sizer/report";
import type { InstanceTypeFacts } from "@sizer/ssm-client";

/** One instance type's line of the comparison. */
export interface TypeComparison {
  instanceType: string;
  facts: InstanceTypeFacts;
  instanceId: string | null;
  /** The type's output folder, relative to the run's. */
  folder: string;
  /** True when the sizing ran and its report was written. */
  measured: boolean;
  partial: boolean;
  capacityFound: boolean;
  /** Requests per second at capacity (the report's best level). */
  capacity: number | null;
  workersAtCapacity: number | null;
  p95AtCapacityMs: number | null;
  /** What ran out first, as the report says it. */
  bottleneck: string | null;
  bottleneckSummary: string | null;
  requestsPerSecondPerVcpu: number | null;
  requestsPerSecondPerGiB: number | null;
  usdPerHour: number | null;
  /** Requests served per dollar at capacity (capacity × 3600 / hourly price). */
  requestsPerDollar: number | null;
  /** Why it was not measured, when it was not. */
  error: string | null;
}

/** `comparison.json`. */
export interface Comparison {
  format: "sizer-aws-comparison";
  formatVersion: 1;
  runId: string;
  image: string;
  types: TypeComparison[];
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** The comparison line of one type, from its finished analysis (or its error). */
export function compareType(input: {
  facts: InstanceTypeFacts;
  instanceId: string | null;
  folder: string;
  analysis?: Analysis | undefined;
  partial?: boolean;
  price?: number | undefined;
  error?: string | undefined;
}): TypeComparison {
  const { facts, analysis } = input;
  // Every figure below derives from the capacity as shown (to 0.1 req/s), so that they agree.
  const measuredCapacity = analysis?.capacity.throughput ?? null;
  const capacity = measuredCapacity === null ? null : round(measuredCapacity, 1);
  return {
    instanceType: facts.instanceType,
    facts,
    instanceId: input.instanceId,
    folder: input.folder,
    measured: analysis !== undefined,
    partial: input.partial ?? false,
    capacityFound: analysis?.capacity.found ?? false,
    capacity,
    workersAtCapacity: analysis?.capacity.workers ?? null,
    p95AtCapacityMs: analysis?.capacity.latency?.p95 == null ? null : round(analysis.capacity.latency.p95, 1),
    bottleneck: analysis ? analysis.bottleneck.resource : null,
    bottleneckSummary: analysis ? analysis.bottleneck.summary : null,
    requestsPerSecondPerVcpu: capacity !== null && facts.vcpus > 0 ? round(capacity / facts.vcpus) : null,
    requestsPerSecondPerGiB:
      capacity !== null && facts.memoryMiB > 0 ? round(capacity / (facts.memoryMiB / 1024)) : null,
    usdPerHour: input.price ?? null,
    requestsPerDollar:
      capacity !== null && input.price !== undefined ? Math.round((capacity * 3600) / input.price) : null,
    error: input.error ?? null,
  };
}

const cell = (value: number | string | null, unit = "") => (value === null ? "—" : `${value}${unit}`);

/** The comparison as a short Markdown page. */
export function comparisonMarkdown(comparison: Comparison): string {
  const lines = [
    `# Instance types compared: ${comparison.image}`,
    "",
    `Run \`${comparison.runId}\`. Capacity is the report's best level of each type; each row links its report.`,
    "",
    "| type | vCPUs | memory | capacity (req/s) | p95 at capacity | ran out first | req/s per vCPU | req/s per GiB | $/hour | requests per $ |",
    "| ---- | ----- | ------ | ---------------- | --------------- | ------------- | -------------- | ------------- | ------ | -------------- |",
  ];
  for (const type of comparison.types) {
    const name = `[${type.instanceType}](${type.folder}/report.html)`;
    if (!type.measured) {
      lines.push(
        `| ${type.instanceType} | ${type.facts.vcpus} | ${type.facts.memoryMiB} MiB | not measured: ${type.error ?? "unknown"} | | | | | | |`,
      );
      continue;
    }
    lines.push(
      `| ${name}${type.partial ? " (partial)" : ""} | ${type.facts.vcpus} | ${type.facts.memoryMiB} MiB | ${cell(type.capacity)}${type.capacityFound ? "" : " (not reached)"} | ${cell(type.p95AtCapacityMs === null ? null : round(type.p95AtCapacityMs, 1), " ms")} | ${cell(type.bottleneck)} | ${cell(type.requestsPerSecondPerVcpu)} | ${cell(type.requestsPerSecondPerGiB)} | ${cell(type.usdPerHour)} | ${cell(type.requestsPerDollar)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** Writes comparison.json and comparison.md in the run's folder. */
export async function writeComparison(
  outDir: string,
  comparison: Comparison,
): Promise<{ json: string; markdown: string }> {
  const json = join(outDir, "comparison.json");
  const markdown = join(outDir, "comparison.md");
  await writeFile(json, `${JSON.stringify(comparison, null, 2)}\n`);
  await writeFile(markdown, comparisonMarkdown(comparison));
  return { json, markdown };
}
