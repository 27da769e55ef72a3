export {
  type FlagSpec,
  type FlagValues,
  type ParsedRunCommandLine,
  parseRunCommandLine,
} from "./cli/cli-arguments.js";
export type { ArrivalCounts } from "./engine/arrival-rate.js";
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
export type { SelfCheck, SelfCheckOptions, SelfSample } from "./engine/self-check.js";
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
export type { ErrorClass } from "./http/error-class.js";
export {
  jsonRequest,
  type OneOffRequestOptions,
  type OneOffResponse,
  request,
} from "./http/one-off-request.js";
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
  sizingOptionsOf,
  unsetScenarioVariables,
} from "./options/run-options.js";
export { noSuccessMessage } from "./results/failure-explanation.js";
export type {
  EncodedHistogram,
  RequestHistograms,
  ResultsHistograms,
  TimelineHistograms,
} from "./results/histogram-encoding.js";
export {
  type LiveRecord,
  type LiveRecordHeader,
  type LiveSecond,
  liveStopFile,
  readLiveRecord,
} from "./results/live-record.js";
export { type MergedLoader, type MergeInput, type MergeOptions, mergeResults } from "./results/merge.js";
export {
  type ArrivalRateResults,
  type LoadResults,
  type LoadResultsInput,
  parseResults,
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
export { type LiveDecision, LiveSizing } from "./sizing/live-sizing.js";
export type {
  LatencyObjective,
  ObjectivePercentile,
  PlateauVerdict,
  SizingOptions,
  SizingRateVerdict,
  SizingStop,
  SizingStopReason,
  SizingVerdict,
} from "./sizing/sizing.js";
export type { LatencySummary, SerializedHistogram } from "./stats/histogram.js";
export type {
  ErrorCounts,
  GeneratorSample,
  RequestInterval,
  RequestTotals,
  ScenarioInterval,
  ScenarioTotals,
  SecondArrivals,
  StatsInterval,
  StatsTotals,
  StatusCounts,
  TimelineLatency,
  TimelinePoint,
} from "./stats/stats.js";
export { VERSION } from "./version.js";
