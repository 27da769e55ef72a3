export { type AwsRunOptions, parseAwsRunArguments } from "./aws/aws-arguments.js";
export { type AwsRunContext, type AwsRunResult, runAwsSizing } from "./aws/aws-run.js";
export { type Comparison, comparisonMarkdown, type TypeComparison } from "./aws/comparison.js";
export { type CommandServiceOptions, startCommandService } from "./command-service.js";
export {
  allowedCpus,
  type CpuPlan,
  type CpuPlanInput,
  formatCpuList,
  hasTaskset,
  parseCpuList,
  pinProcess,
  planCpus,
} from "./cpu-plan.js";
export { checkDocker, type DockerServiceOptions, startDockerService } from "./docker-service.js";
export {
  CollectorStartError,
  DockerError,
  InterruptedError,
  NoSuccessError,
  OutputFolderError,
  ReportBuildError,
  ScenarioError,
  ServiceExitedError,
  ServiceStartError,
  SizerError,
  SizerUsageError,
  UrlUnreachableError,
} from "./errors.js";
export { exitCodeFor, exitCodes } from "./exit-codes.js";
export { noSuccessError } from "./no-success.js";
export { endProcessGroup, type ProcessExit } from "./process-tree.js";
export { formatSnapshot, type Phase, ProgressReporter, type ProgressSnapshot } from "./progress.js";
export { rampUpWarning } from "./ramp-up-check.js";
export { probeUrl, waitForReady } from "./readiness.js";
export { type RebuiltReport, rebuildReport } from "./rebuild-report.js";
export { defaultOutDir, type ParsedRun, parseRunArguments } from "./run-arguments.js";
export {
  type ModelAutoRecord,
  parseRunRecord,
  RUN_RECORD_FORMAT,
  RUN_RECORD_FORMAT_VERSION,
  type RunRecord,
  RunRecordFormatError,
} from "./run-record.js";
export { type RunStatus, runSizer, type SizerRunResult } from "./run-sizer.js";
export { type ServiceHandle, serverUrlOf } from "./service.js";
export { parseServiceCommand, type ServiceCommand } from "./service-command.js";
export { ServiceLog } from "./service-log.js";
export type {
  LoadSettings,
  OutputMode,
  ScenarioSource,
  ServiceSource,
  SizerRunOptions,
} from "./sizer-options.js";
export { connectToUrl, type UrlServiceOptions } from "./url-service.js";
export { formatVerdict, verdictFields } from "./verdict.js";
export { VERSION } from "./version.js";
