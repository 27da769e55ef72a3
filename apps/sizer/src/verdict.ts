import type { SizerRunResult } from "./run-sizer.js";

/** The verdict as machine-readable fields (the `--json` mode's last event). */
export function verdictFields(result: SizerRunResult): Record<string, unknown> {
  const { analysis } = result;
  return {
    status: result.status,
    partial: result.partial,
    headline: analysis.headline,
    capacity: {
      found: analysis.capacity.found,
      workers: analysis.capacity.workers,
      throughput: analysis.capacity.throughput,
      latency: analysis.capacity.latency,
      stopReason: analysis.capacity.stopReason,
      workersAtStop: analysis.capacity.workersAtStop,
      errorRatioAtStop: analysis.capacity.errorRatioAtStop,
      ...(analysis.capacity.arrivalRate ? { arrivalRate: analysis.capacity.arrivalRate } : {}),
    },
    bottleneck: {
      resource: analysis.bottleneck.resource,
      scope: analysis.bottleneck.scope,
      confidence: analysis.bottleneck.confidence,
      summary: analysis.bottleneck.summary,
    },
    trustworthy: analysis.trust.trustworthy,
    warnings: analysis.trust.warnings,
    ...(analysis.modelAdvice ? { modelAdvice: analysis.modelAdvice } : {}),
    sharedCores: result.cpuPlan.shared,
    outDir: result.outDir,
    report: result.files.html,
    ...(result.error ? { error: { code: result.error.code, message: result.error.message } } : {}),
  };
}

/** The verdict for people: capacity, what ran out first, warnings, where the report is. */
export function formatVerdict(result: SizerRunResult): string {
  const { analysis } = result;
  const lines: string[] = [""];
  if (result.partial) {
    lines.push(
      `PARTIAL RUN (${result.status === "service-died" ? "the service died" : "interrupted"}): the figures below only cover what ran.`,
    );
  }
  lines.push(analysis.headline);
  const capacity = analysis.capacity;
  if (capacity.workers !== null && capacity.throughput !== null) {
    const latencyAtCapacity = capacity.latency ?? {};
    const percentiles = (["p50", "p95", "p99"] as const).flatMap((name) => {
      const value = (latencyAtCapacity as Partial<Record<string, number>>)[name];
      return typeof value === "number" ? [`${name} ${value.toFixed(1)} ms`] : [];
    });
    const latency = percentiles.length > 0 ? `, ${percentiles.join(", ")}` : "";
    const rate = capacity.arrivalRate;
    lines.push(
      rate && rate.runsPerSecond !== null
        ? `  capacity:    ${Math.round(capacity.throughput)} req/s (${Math.round(rate.runsPerSecond)} scenario runs/s), a pool of at most ${capacity.workers} workers${latency}`
        : `  capacity:    ${Math.round(capacity.throughput)} req/s with ${capacity.workers} workers${latency}`,
    );
  }
  if (capacity.stopReason) {
    const targetAtStop = capacity.arrivalRate?.targetAtStop;
    const stop =
      targetAtStop !== undefined && targetAtStop !== null
        ? ` at a target of ${Math.round(targetAtStop)} scenario runs/s (${capacity.workersAtStop ?? 0} workers)`
        : capacity.workersAtStop !== null
          ? ` at ${capacity.workersAtStop} workers`
          : "";
    const errors =
      capacity.errorRatioAtStop !== null
        ? `, ${capacity.errorRatioAtStop.toFixed(1)}% errors (tolerance ${capacity.tolerancePercent}%)`
        : "";
    lines.push(`  stopped:     ${capacity.stopReason}${stop}${errors}`);
  }
  lines.push(
    `  runs out:    ${analysis.bottleneck.resource} (${analysis.bottleneck.scope}, ${analysis.bottleneck.confidence} confidence)`,
  );
  for (const fact of analysis.bottleneck.evidence.slice(0, 3)) lines.push(`               - ${fact}`);
  for (const warning of analysis.trust.warnings) lines.push(`  warning:     ${warning}`);
  if (analysis.modelAdvice) lines.push(`  advice:      ${analysis.modelAdvice.message}`);
  if (result.error) lines.push(`  error:       ${result.error.message}`);
  lines.push(`  report:      ${result.files.html}`);
  lines.push(`  folder:      ${result.outDir}`);
  return lines.join("\n");
}
