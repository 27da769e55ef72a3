import type { Analysis } from "./analysis-types.js";
import { chartContext } from "./charts/chart-context.js";
import type { ChartSpec } from "./charts/chart-types.js";
import { cpuChart } from "./charts/cpu-chart.js";
import { diskChart } from "./charts/disk-chart.js";
import { errorsChart } from "./charts/errors-chart.js";
import { latencyChart } from "./charts/latency-chart.js";
import { loadChart } from "./charts/load-chart.js";
import { memoryChart } from "./charts/memory-chart.js";
import { networkChart } from "./charts/network-chart.js";
import { rateChart } from "./charts/rate-chart.js";
import type { LoadResultsInput, MetricsData } from "./inputs/types.js";

export type { ChartSpec, ChartTrace } from "./charts/chart-types.js";

/**
 * The charts of the report, all on one time axis (seconds since the start of the run): load,
 * target vs achieved rate (arrival-rate runs), errors, latency, then CPU, memory, disk and network of the service, its containers, the host and
 * the load generator. Charts without data are left out. Series longer than `maxPoints` are reduced
 * with min/max buckets, which keeps the peaks.
 */
export function buildCharts(
  results: LoadResultsInput,
  metrics: MetricsData | undefined,
  analysis: Analysis,
  maxPoints = 800,
): ChartSpec[] {
  const context = chartContext(results, metrics, analysis, maxPoints);
  const charts = [
    loadChart,
    rateChart,
    errorsChart,
    latencyChart,
    cpuChart,
    memoryChart,
    diskChart,
    networkChart,
  ].map((chart) => chart(context));
  return charts.filter((chart): chart is ChartSpec => chart !== undefined);
}
