export type { AwsClientOptions, AwsClients, AwsCredentials } from "./aws-clients.js";
export { checkRegion, createAwsClients } from "./aws-clients.js";
export type { Clock } from "./clock.js";
export type { AwsErrorSummary, SsmClientErrorCode } from "./errors.js";
export { AbortedError, CommandTimeoutError, SsmClientError } from "./errors.js";
export {
  INVOCATION_EXIT_CODE,
  invocationExitCode,
  SSM_ERROR_EXIT_CODE,
  ssmExitCode,
} from "./exit-codes.js";
export type { FileTransferOptions, FileTransferResult, PutFileOptions } from "./files.js";
export { getFile, putFile } from "./files.js";
export {
  type AllowIngressOptions,
  allowIngress,
  checkCidr,
  type OpenNodePortOptions,
  openNodePort,
} from "./ingress.js";
export type { CommandOutcome, InvocationStatus } from "./invocation.js";
export { worstStatus } from "./invocation.js";
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
  cleanupNodes,
  describeInstanceType,
  findReusableNode,
  isInstanceTypeName,
  launchNode,
  listNodes,
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
export type { S3Location } from "./s3-url.js";
export { exportLines, shellCommand, shellQuote } from "./shell-quote.js";
