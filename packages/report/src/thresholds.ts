import type { AnalysisThresholds } from "./analysis-types.js";

/** The default thresholds and windows of the verdict's rules (see the README, "Rules of the verdict"). */
export const DEFAULT_THRESHOLDS: Readonly<AnalysisThresholds> = Object.freeze({
  cpuPercent: 85,
  singleCorePercent: 85,
  memoryLimitPercent: 90,
  hostMemoryPercent: 95,
  swapGrowthBytes: 64 * 1024 * 1024,
  memoryGrowthPercent: 50,
  diskUtilPercent: 90,
  iowaitPercent: 20,
  networkPercent: 90,
  generatorCpuPercent: 90,
  windowBeforeSeconds: 20,
  windowAfterSeconds: 5,
  errorWindowSeconds: 5,
  errorWindowMinRuns: 20,
  plateauWorkerGrowth: 0.25,
  plateauThroughputGrowth: 0.05,
  sustainedSamples: 3,
});
