export {
  type FlagSpec,
  type FlagValues,
  type ParsedRunCommandLine,
  parseRunCommandLine,
} from "./cli/cli-arguments.js";
export { type ArrivalCounts, arrivalOffset, arrivalsBy, targetRateOf } from "./engine/arrival-rate.js";
export {
  type EventListener,
  events,
  type FixtureRunOptions,
  type Fixtures,
  getVar,
  globalSetup,
  globalTeardown,
  type LoadEventArgs,
  type LoadEventName,
  type ScenarioDefinition,
  type ScenarioFunction,
  type ScenarioOptions,
  scenario,
  scenarioPicker,
  setup,
  setupSession,
  setVar,
  teardown,
  teardownSession,
} from "./engine/registry.js";
export { type EndReason, runLoad } from "./engine/runner.js";
export {
  judgeSelfCheck,
  type SelfCheck,
  type SelfCheckOptions,
  SelfMonitor,
  type SelfMonitorOptions,
  type SelfMonitorScope,
  type SelfSample,
} from "./engine/self-check.js";
export {
  ConfigError,
  FixtureError,
  LoadcoreError,
  NoScenarioError,
  OutputError,
  RegistrationError,
  ResponseStatusError,
  ScenarioLoadError,
  ScenarioNotFoundError,
  UnknownScenarioError,
  UsageError,
} from "./errors.js";
export { classifyError, ERROR_CLASSES, type ErrorClass } from "./http/error-class.js";
export {
  jsonRequest,
  type OneOffRequestOptions,
  type OneOffResponse,
  request,
} from "./http/one-off-request.js";
export { requestName, requestPathTemplate } from "./http/request-name.js";
export {
  type ExpectedStatus,
  expectStatus,
  getContext,
  HttpResponse,
  type RequestBody,
  type RequestDescription,
  type RequestOptions,
  Session,
  type SessionContext,
  type SessionOptions,
} from "./http/session.js";
export {
  type MolotovConfig,
  type MolotovTest,
  parseMolotovConfig,
  readMolotovConfig,
  type TestToRunOptionsOptions,
  testToRunOptions,
} from "./options/molotov-config.js";
export {
  checkRunOptions,
  type ProgressInfo,
  parseRampRate,
  type RampRate,
  type ResolvedRunOptions,
  RUN_DEFAULTS,
  RUN_OPTION_FLAGS,
  RunOptionError,
  type RunOptionFlag,
  type RunOptionName,
  type RunOptions,
  resolveRunOptions,
  runOptionFlag,
  unsetScenarioVariables,
} from "./options/run-options.js";
export { noSuccessMessage } from "./results/failure-explanation.js";
export {
  type ArrivalRateResults,
  type BuildResultsInput,
  buildResults,
  type LoadResults,
  type LoadResultsInput,
  parseResults,
  RESULTS_FORMAT,
  RESULTS_FORMAT_VERSION,
  type RequestSummary,
  ResultsFormatError,
  type ResultsHost,
  readResults,
  type ScenarioSummary,
  type SelfCheckInput,
  type SizingResult,
  type TimelineEntry,
} from "./results/results.js";
export {
  EXIT_CODES,
  type ExitCodeName,
  loadcoreExitCode,
  OUTCOME_EXIT_CODE,
  type RunOutcome,
  runOutcome,
} from "./results/run-outcome.js";
export { formatStatusLine, formatSummary, type SummaryOptions } from "./results/summary.js";
export {
  DEFAULT_SIZING_OPTIONS,
  type LatencyObjective,
  type ObjectivePercentile,
  type PlateauVerdict,
  parseLatencyObjective,
  SizingController,
  type SizingOptions,
  type SizingRateVerdict,
  type SizingStop,
  type SizingStopReason,
  type SizingVerdict,
} from "./sizing/sizing.js";
export { LatencyHistogram, type LatencySummary, type SerializedHistogram } from "./stats/histogram.js";
export {
  type ErrorCounts,
  type GeneratorSample,
  type RequestInterval,
  type RequestTotals,
  type ScenarioInterval,
  type ScenarioTotals,
  type SecondArrivals,
  StatsAggregator,
  type StatsInterval,
  StatsRecorder,
  type StatsTotals,
  type StatusCounts,
  type TimelineLatency,
  type TimelinePoint,
} from "./stats/stats.js";
export { VERSION } from "./version.js";
