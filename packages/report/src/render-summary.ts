import { allFailed } from "./all-failed.js";
import type { Analysis, RunMetadata } from "./analysis-types.js";
import { partialReason } from "./analyze.js";
import { peakLabel, separatePeak } from "./capacity.js";
import { formatMilliseconds, formatNumber, formatPercent, formatSeconds } from "./format.js";
import type { LoadResultsInput } from "./inputs/types.js";
import { plateauLevelText } from "./onsets.js";
import { REPORT_VERSION } from "./version.js";

/** The version of `summary.json`. */
export const SUMMARY_FORMAT_VERSION = 1;

/** `summary.json`: the verdict, machine-readable. */
export interface ReportSummary {
  format: "sizer-report-summary";
  formatVersion: number;
  generator: { name: "@sizer/report"; version: string };
  generatedAt: string;
  title: string;
  run: {
    startedAt: string;
    durationSeconds: number;
    command: string[] | null;
    target: string | null;
    partial: boolean;
  };
  metadata: RunMetadata | null;
  analysis: Analysis;
}

/** Builds the object written to `summary.json`. */
export function buildSummaryJson(input: {
  results: LoadResultsInput;
  analysis: Analysis;
  metadata?: RunMetadata | undefined;
  generatedAt: string;
  title?: string | undefined;
}): ReportSummary {
  const { results, analysis, metadata } = input;
  return {
    format: "sizer-report-summary",
    formatVersion: SUMMARY_FORMAT_VERSION,
    generator: { name: "@sizer/report", version: REPORT_VERSION },
    generatedAt: input.generatedAt,
    title: input.title ?? "Sizing report",
    run: {
      startedAt: results.startedAt,
      durationSeconds: results.durationSeconds,
      command: results.command ?? null,
      target: metadata?.target ?? null,
      partial: analysis.trust.partial,
    },
    metadata: metadata ?? null,
    analysis,
  };
}

/**
 * Escapes text for GitHub-flavoured Markdown, where raw HTML is rendered: HTML special characters
 * become entities, and Markdown punctuation (including `|` in tables) is backslash-escaped.
 */
export function escapeMarkdown(text: unknown): string {
  return String(text)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]|~])/g, "\\$1")
    .replace(/\r?\n/g, " ");
}

const RESOURCE_TITLE: Record<string, string> = {
  cpu: "CPU",
  memory: "memory",
  disk: "disk I/O",
  network: "network",
  application: "the application",
  generator: "the load generator",
  unknown: "unknown",
};

/** Verdicts that are not a resource running out, named by their rule. */
const RULE_TITLE: Record<string, string> = {
  "service-died": "the service died",
  "all-failed": "every scenario run failed",
};

/** What `renderSummaryMarkdown` reads. */
interface SummaryInput {
  results: LoadResultsInput;
  analysis: Analysis;
  metadata?: RunMetadata | undefined;
  title?: string | undefined;
  generatedAt: string;
}

/** A Markdown table row. */
function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** The title, the partial-run and trust alerts, the capacity message and the bottleneck. */
function verdictLines(input: SummaryInput): string[] {
  const { results, analysis } = input;
  const { capacity, bottleneck, trust } = analysis;
  const lines: string[] = [];
  lines.push(`## ${escapeMarkdown(input.title ?? "Sizing report")}`, "");
  if (trust.partial)
    lines.push(
      "> [!WARNING]",
      `> **Partial run**: ${escapeMarkdown(partialReason(results, input.metadata))}. The numbers cover only what was recorded.`,
      "",
    );
  if (allFailed(results))
    lines.push("> [!CAUTION]", "> **Measured nothing usable**: every scenario run failed.", "");
  else if (!trust.trustworthy)
    lines.push("> [!CAUTION]", "> **Not trustworthy**: see the warnings below.", "");
  lines.push(`**${escapeMarkdown(capacity.message)}**`, "");
  if (analysis.modelAdvice)
    lines.push(`> **Size on an arrival rate:** ${escapeMarkdown(analysis.modelAdvice.message)}`, "");
  lines.push(
    `**Bottleneck: ${escapeMarkdown(RULE_TITLE[bottleneck.rule] ?? RESOURCE_TITLE[bottleneck.resource] ?? bottleneck.resource)}** (${escapeMarkdown(bottleneck.scope)}, confidence ${escapeMarkdown(bottleneck.confidence)}). ${escapeMarkdown(bottleneck.summary)}`,
    "",
  );
  return lines;
}

/** The capacity table: workers, throughput, peaks, latency and where the run stopped. */
function capacityTable({ capacity }: Analysis): string[] {
  const lines: string[] = [row(["", "value"]), row(["---", "---:"])];
  const atPeak = capacity.levelFrom === "peak" && capacity.peakThroughput;
  const workersLabel =
    capacity.levelFrom === "saturation"
      ? "workers at saturation"
      : capacity.levelFrom === "decline"
        ? "workers at the end (sustained level)"
        : atPeak
          ? "workers at the peak"
          : capacity.arrivalRate
            ? "workers (the pool: an upper bound)"
            : "healthy workers";
  const rate = capacity.arrivalRate;
  if (rate) {
    const target =
      rate.keptUp !== null && rate.targetRunsPerSecond !== null
        ? ` of a ${formatNumber(rate.targetRunsPerSecond)} target`
        : "";
    lines.push(
      row([
        rate.keptUp === null ? "sustained rate" : "achieved rate",
        rate.runsPerSecond !== null ? `${formatNumber(rate.runsPerSecond)} scenario runs/s${target}` : "n/a",
      ]),
    );
  }
  lines.push(row([workersLabel, capacity.workers !== null ? formatNumber(capacity.workers) : "n/a"]));
  lines.push(
    row([
      "throughput",
      capacity.throughput !== null
        ? `${formatNumber(capacity.throughput)} req/s${atPeak ? ` (${peakLabel(atPeak)})` : ""}`
        : "n/a",
    ]),
  );
  const peak = separatePeak(capacity);
  if (peak) lines.push(row(["peak throughput", `${formatNumber(peak.value)} req/s (${peakLabel(peak)})`]));
  if (capacity.levelFrom === "decline" && capacity.decline) {
    const { peak: early, dropPercent } = capacity.decline;
    lines.push(
      row([
        "early peak",
        `${formatNumber(early.throughput)} req/s (${formatNumber(early.averagedSeconds)} s average at ${formatSeconds(early.atSeconds)}, then ${formatPercent(dropPercent)} lower)`,
      ]),
    );
  }
  lines.push(
    row([
      "latency p50 / p95 / p99",
      [capacity.latency?.p50, capacity.latency?.p95, capacity.latency?.p99]
        .map(formatMilliseconds)
        .join(" / "),
    ]),
  );
  lines.push(row(["stop reason", escapeMarkdown(capacity.stopReason ?? "end of run")]));
  if (capacity.stoppedAtSeconds !== null)
    lines.push(
      row([
        "stopped at",
        `${formatSeconds(capacity.stoppedAtSeconds)}, ${rate ? "a pool of " : ""}${formatNumber(capacity.workersAtStop ?? 0)} workers`,
      ]),
    );
  if (rate) {
    lines.push(
      row([
        "target / achieved at stop",
        `${formatNumber(rate.targetAtStop ?? Number.NaN)} / ${formatNumber(rate.achievedAtStop ?? Number.NaN)} scenario runs/s`,
      ]),
    );
    lines.push(
      row([
        "dropped runs",
        `${formatNumber(rate.dropped)} of ${formatNumber(rate.started + rate.dropped)}${
          rate.late > 0 ? ` (${formatNumber(rate.late)} started late)` : ""
        }`,
      ]),
    );
  }
  if (capacity.errorRatioAtStop !== null)
    lines.push(
      row([
        "errors at stop",
        `${formatPercent(capacity.errorRatioAtStop)} (tolerance ${formatPercent(capacity.tolerancePercent)})`,
      ]),
    );
  if (capacity.plateau)
    lines.push(
      row([
        "throughput plateau",
        `${formatNumber(capacity.plateau.throughput)} req/s from ${formatSeconds(capacity.plateau.atSeconds)}${plateauLevelText(capacity.plateau)}`,
      ]),
    );
  lines.push("");
  return lines;
}

/** The evidence behind the bottleneck and the trust warnings. */
function evidenceLines({ bottleneck, trust }: Analysis): string[] {
  const lines: string[] = [];
  if (bottleneck.evidence.length > 0) {
    lines.push("<details open><summary>Evidence</summary>", "");
    for (const fact of bottleneck.evidence) lines.push(`- ${escapeMarkdown(fact)}`);
    lines.push("", "</details>", "");
  }
  if (trust.warnings.length > 0) {
    lines.push("**Warnings**", "");
    for (const warning of trust.warnings) lines.push(`- ${escapeMarkdown(warning)}`);
    lines.push("");
  }
  return lines;
}

/** The per-scenario table, when the results have scenarios. */
function scenarioTable(results: LoadResultsInput): string[] {
  const lines: string[] = [];
  const scenarios = results.scenarios ?? [];
  if (scenarios.length > 0) {
    lines.push(
      row(["scenario", "ok", "failed", "p50", "p95", "p99"]),
      row(["---", "---:", "---:", "---:", "---:", "---:"]),
    );
    for (const scenario of scenarios) {
      lines.push(
        row([
          escapeMarkdown(scenario.name),
          formatNumber(scenario.ok),
          formatNumber(scenario.failed),
          formatMilliseconds(scenario.latency?.p50),
          formatMilliseconds(scenario.latency?.p95),
          formatMilliseconds(scenario.latency?.p99),
        ]),
      );
    }
    lines.push("");
  }
  return lines;
}

/**
 * Renders `summary.md`, made for a CI job summary: the verdict and the capacity first, then the
 * evidence, the warnings and the per-scenario table. Every user or target string is escaped.
 */
export function renderSummaryMarkdown(input: SummaryInput): string {
  return [
    ...verdictLines(input),
    ...capacityTable(input.analysis),
    ...evidenceLines(input.analysis),
    ...scenarioTable(input.results),
    `<sub>@sizer/report ${escapeMarkdown(REPORT_VERSION)}, ${escapeMarkdown(input.generatedAt)}</sub>`,
    "",
  ].join("\n");
}
