export type { AwsClientOptions, AwsClients, AwsCredentials } from "./aws-clients.js";
export { checkRegion, createAwsClients } from "./aws-clients.js";
export type { Clock } from "./clock.js";
export { systemClock } from "./clock.js";
export type { AwsErrorSummary, SsmClientErrorCode } from "./errors.js";
export {
  AbortedError,
  CommandTimeoutError,
  fromAwsError,
  isThrottlingError,
  SsmClientError,
  summarizeAwsError,
  UsageError,
} from "./errors.js";
export {
  INVOCATION_EXIT_CODE,
  invocationExitCode,
  SSM_ERROR_EXIT_CODE,
  ssmExitCode,
} from "./exit-codes.js";
export type { FileTransferOptions, FileTransferResult } from "./files.js";
export { GET_CHUNK_BYTES, getFile, PUT_CHUNK_BYTES, putFile } from "./files.js";
export {
  type AllowIngressOptions,
  allowIngress,
  checkCidr,
  type OpenNodePortOptions,
  openNodePort,
} from "./ingress.js";
export type { CommandOutcome, InvocationStatus } from "./invocation.js";
export {
  INLINE_STDERR_LIMIT,
  INLINE_STDOUT_LIMIT,
  INVOCATION_STATUSES,
  invocationStatus,
  worstStatus,
} from "./invocation.js";
export { describeCleanup, formatNodeLine, NODE_LINE_COLUMNS } from "./node-report.js";
export type {
  CleanupOptions,
  CleanupResult,
  InstanceTypeFacts,
  LaunchedNode,
  LaunchNodeOptions,
  NodeFilter,
  SizerNode,
  SizerSecurityGroup,
  UserDataOptions,
  WaitOnlineOptions,
} from "./nodes.js";
export {
  amazonLinuxParameter,
  cleanupNodes,
  defaultCreator,
  describeInstanceType,
  findReusableNode,
  isInstanceTypeName,
  latestAmazonLinuxAmi,
  launchNode,
  listNodes,
  nodeUserData,
  SIZER_TAGS,
  SSM_MANAGED_POLICY,
  terminateNodes,
  waitForNodeOnline,
} from "./nodes.js";
export { runCommand } from "./run-command.js";
export type {
  CommandTargets,
  PollOptions,
  RunCommandOptions,
  RunCommandResult,
  RunStats,
} from "./run-command-options.js";
export { MAX_DEADLINE_MS, validateRunCommandOptions } from "./run-command-options.js";
export type { S3Location } from "./s3-url.js";
export { parseS3Url } from "./s3-url.js";
export { exportLines, shellCommand, shellQuote } from "./shell-quote.js";
