export { type AwsRunOptions, parseAwsRunArguments } from "./aws/aws-arguments.js";
export { type AwsRunContext, type AwsRunResult, runAwsSizing } from "./aws/aws-run.js";
export type { Comparison, TypeComparison } from "./aws/comparison.js";
export { type CommandServiceOptions, startCommandService } from "./command-service.js";
export { type CpuPlan, type CpuPlanInput, planCpus } from "./cpu-plan.js";
export { type DockerServiceOptions, startDockerService } from "./docker-service.js";
export { SizerError } from "./errors.js";
export { exitCodeFor } from "./exit-codes.js";
export { endProcessGroup, type ProcessExit } from "./process-tree.js";
export type { Phase, ProgressSnapshot } from "./progress.js";
export { type RebuiltReport, rebuildReport } from "./rebuild-report.js";
export { type ParsedRun, parseRunArguments } from "./run-arguments.js";
export {
  type ModelAutoRecord,
  parseRunRecord,
  RUN_RECORD_FORMAT,
  RUN_RECORD_FORMAT_VERSION,
  type RunRecord,
} from "./run-record.js";
export { type RunStatus, runSizer, type SizerRunResult } from "./run-sizer.js";
export type { ServiceHandle } from "./service.js";
export type { ServiceCommand } from "./service-command.js";
export type {
  LoadSettings,
  OutputMode,
  ScenarioSource,
  ServiceSource,
  SizerRunOptions,
} from "./sizer-options.js";
export { connectToUrl, type UrlServiceOptions } from "./url-service.js";
