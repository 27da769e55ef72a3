/** Every stable error code ssm-client raises. */
export type SsmClientErrorCode =
  | "ERR_SSM_USAGE"
  | "ERR_SSM_NO_CREDENTIALS"
  | "ERR_SSM_BAD_CREDENTIALS"
  | "ERR_SSM_BAD_REGION"
  | "ERR_SSM_ACCESS_DENIED"
  | "ERR_SSM_NOT_MANAGED"
  | "ERR_SSM_AGENT_NOT_ONLINE"
  | "ERR_SSM_NO_INSTANCE_PROFILE"
  | "ERR_SSM_CAPACITY"
  | "ERR_SSM_QUOTA"
  | "ERR_SSM_UNKNOWN_INSTANCE_TYPE"
  | "ERR_SSM_INSTANCE_NOT_FOUND"
  | "ERR_SSM_NO_TARGETS"
  | "ERR_SSM_THROTTLED"
  | "ERR_SSM_INVOCATION_NOT_FOUND"
  | "ERR_SSM_COMMAND_TIMEOUT"
  | "ERR_SSM_ABORTED"
  | "ERR_SSM_FILE_TRANSFER"
  | "ERR_SSM_AWS";

/** The base of every error ssm-client raises; `code` is stable and safe to branch on. */
export class SsmClientError extends Error {
  readonly code: SsmClientErrorCode;
  /** The AWS action that failed (`ssm:SendCommand`, `ec2:RunInstances`...), when one did. */
  readonly action: string | undefined;
  /** The AWS error name (`AccessDeniedException`, ...), when the error came from AWS. */
  readonly awsErrorName: string | undefined;

  constructor(
    code: SsmClientErrorCode,
    message: string,
    options: { cause?: unknown; action?: string; awsErrorName?: string } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SsmClientError";
    this.code = code;
    this.action = options.action;
    this.awsErrorName = options.awsErrorName;
  }
}

/** An option or argument is missing or malformed. */
export class UsageError extends SsmClientError {
  constructor(message: string) {
    super("ERR_SSM_USAGE", message);
    this.name = "UsageError";
  }
}

/** The overall deadline of a command passed; the command was cancelled. `outcomes` holds what finished in time. */
export class CommandTimeoutError extends SsmClientError {
  readonly commandId: string;
  readonly pendingInstanceIds: readonly string[];

  constructor(commandId: string, pendingInstanceIds: readonly string[], deadlineMs: number) {
    super(
      "ERR_SSM_COMMAND_TIMEOUT",
      `command ${commandId} was still running on ${pendingInstanceIds.join(", ")} after ${Math.round(deadlineMs / 1000)} s; it was cancelled (raise the deadline with deadlineMs / --timeout)`,
    );
    this.name = "CommandTimeoutError";
    this.commandId = commandId;
    this.pendingInstanceIds = pendingInstanceIds;
  }
}

/** The caller's AbortSignal fired; the command was cancelled. */
export class AbortedError extends SsmClientError {
  constructor(what: string, cause?: unknown) {
    super("ERR_SSM_ABORTED", `${what} was aborted`, cause === undefined ? {} : { cause });
    this.name = "AbortedError";
  }
}

const THROTTLING = new Set([
  "ThrottlingException",
  "Throttling",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "SlowDown",
  "RequestThrottled",
  "RequestThrottledException",
]);

/** Whether an SDK error is AWS saying "slow down" (after the SDK's own retries). */
export function isThrottlingError(error: unknown): boolean {
  return THROTTLING.has((error as { name?: string } | undefined)?.name ?? "");
}

const SSM_CORE_POLICY = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

/** The parts of an SDK error that are safe to keep: what AWS said, never the request that was sent. */
export interface AwsErrorSummary {
  name: string;
  message: string;
  fault?: string;
  httpStatusCode?: number;
  requestId?: string;
  attempts?: number;
}

/**
 * A copy of an SDK error without its `$response`: the raw response keeps a reference to the
 * socket and the request it answered, whose headers carry the access key id and the session
 * token. Coded errors keep this copy as their `cause`, so that no log of an error can leak them.
 */
export function summarizeAwsError(error: unknown): Error & AwsErrorSummary {
  const source = (error ?? {}) as {
    name?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  };
  const summary = new Error(String(source.message ?? "")) as Error & AwsErrorSummary;
  summary.name = String(source.name ?? "Error");
  if (source.$fault !== undefined) summary.fault = source.$fault;
  if (source.$metadata?.httpStatusCode !== undefined)
    summary.httpStatusCode = source.$metadata.httpStatusCode;
  if (source.$metadata?.requestId !== undefined) summary.requestId = source.$metadata.requestId;
  if (source.$metadata?.attempts !== undefined) summary.attempts = source.$metadata.attempts;
  summary.stack = `${summary.name}: ${summary.message}`;
  return summary;
}

/** What a rule reads of an SDK error. */
interface AwsErrorFacts {
  name: string;
  awsMessage: string;
  /** Node's network code (`ENOTFOUND`...), when the call never reached AWS. */
  networkCode: string | undefined;
  action: string;
  /** `: <AWS's message>`, or nothing when AWS said nothing useful. */
  said: string;
}

/** One row of {@link AWS_ERROR_RULES}: which SDK errors it takes, the code and the advice it gives. */
interface AwsErrorRule {
  code: SsmClientErrorCode;
  matches(facts: AwsErrorFacts): boolean;
  message(facts: AwsErrorFacts): string;
}

const BAD_CREDENTIAL_NAMES = new Set([
  "UnrecognizedClientException",
  "InvalidClientTokenId",
  "InvalidSignatureException",
  "SignatureDoesNotMatch",
  "AuthFailure",
  "InvalidAccessKeyId",
  "ExpiredToken",
  "ExpiredTokenException",
  "IncompleteSignatureException",
  "MissingAuthenticationTokenException",
]);
const ACCESS_DENIED_NAMES = new Set([
  "AccessDeniedException",
  "AccessDenied",
  "UnauthorizedOperation",
  "UnauthorizedAccess",
]);
const QUOTA_NAMES = new Set([
  "InstanceLimitExceeded",
  "VcpuLimitExceeded",
  "MaxSpotInstanceCountExceeded",
  "ResourceLimitExceeded",
]);
const BAD_REGION_MESSAGE = /scoped to a valid region|region is wrong|Region is missing|Invalid region/i;

/** The SDK errors that get their own code, first match wins; anything else is `ERR_SSM_AWS`. */
const AWS_ERROR_RULES: readonly AwsErrorRule[] = [
  {
    code: "ERR_SSM_NO_CREDENTIALS",
    matches: ({ name, awsMessage }) =>
      name === "CredentialsProviderError" || /Could not load credentials/i.test(awsMessage),
    message: ({ action }) =>
      `no AWS credentials found for ${action}: set AWS_PROFILE (or --profile), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance role or SSO login provides them`,
  },
  {
    code: "ERR_SSM_BAD_REGION",
    matches: ({ awsMessage, networkCode }) =>
      BAD_REGION_MESSAGE.test(awsMessage) || networkCode === "ENOTFOUND",
    message: ({ action, said }) =>
      `${action} failed: the region is missing or not a valid AWS region (set AWS_REGION or --region, e.g. us-east-1)${said}`,
  },
  {
    code: "ERR_SSM_BAD_CREDENTIALS",
    matches: ({ name }) => BAD_CREDENTIAL_NAMES.has(name),
    message: ({ action, name }) =>
      `${action} was refused: AWS did not accept the credentials (${name}); check the access key and secret, or renew the session`,
  },
  {
    code: "ERR_SSM_ACCESS_DENIED",
    matches: ({ name }) => ACCESS_DENIED_NAMES.has(name),
    message: ({ action }) =>
      `access denied for ${action}: the caller's IAM policy must allow ${action} (see the README for the least-privilege policy)`,
  },
  {
    code: "ERR_SSM_NOT_MANAGED",
    matches: ({ name }) => name === "InvalidInstanceId",
    message: ({ action, said }) =>
      `${action} failed: the instance is not managed by SSM or its agent is not online (it needs an instance profile with ${SSM_CORE_POLICY}, outbound HTTPS, and a running agent)${said}`,
  },
  {
    code: "ERR_SSM_NO_INSTANCE_PROFILE",
    matches: ({ name, awsMessage }) =>
      name === "InvalidParameterValue" && /iamInstanceProfile/i.test(awsMessage),
    message: ({ action, said }) =>
      `${action} failed: the instance profile does not exist; create one whose role has ${SSM_CORE_POLICY}${said}`,
  },
  {
    code: "ERR_SSM_UNKNOWN_INSTANCE_TYPE",
    matches: ({ name, awsMessage }) =>
      name === "InvalidInstanceType" || (name === "InvalidParameterValue" && /InstanceType/.test(awsMessage)),
    message: ({ action, said }) => `${action} failed: unknown instance type${said}`,
  },
  {
    code: "ERR_SSM_CAPACITY",
    matches: ({ name }) => /^Insufficient\w*Capacity$/.test(name),
    message: ({ action, said }) =>
      `${action} failed: AWS has no capacity for this instance type right now; try another type, subnet or availability zone, or later${said}`,
  },
  {
    code: "ERR_SSM_QUOTA",
    matches: ({ name }) => QUOTA_NAMES.has(name),
    message: ({ action, name, said }) =>
      `${action} failed: an account quota is reached (${name}); terminate unused instances (sizer-ssm cleanup) or ask for a quota increase${said}`,
  },
  {
    code: "ERR_SSM_INSTANCE_NOT_FOUND",
    matches: ({ name }) => name === "InvalidInstanceID.NotFound" || name === "InvalidInstanceID.Malformed",
    message: ({ action, said }) => `${action} failed: no such instance${said}`,
  },
  {
    code: "ERR_SSM_THROTTLED",
    matches: ({ name }) => THROTTLING.has(name),
    message: ({ action }) =>
      `${action} was throttled by AWS even after retries; lower the concurrency or retry later`,
  },
  {
    code: "ERR_SSM_INVOCATION_NOT_FOUND",
    matches: ({ name }) => name === "InvocationDoesNotExist",
    message: ({ action }) => `${action} failed: the command invocation does not exist`,
  },
];

/**
 * Turns an SDK error into a coded error that says what to do. `action` names the call
 * (`ssm:SendCommand`). The message is built from the error's name and AWS's message, never from
 * the request, so credentials cannot leak into it.
 */
export function fromAwsError(error: unknown, action: string): SsmClientError {
  if (error instanceof SsmClientError) return error;
  const source = error as { name?: string; message?: string; code?: string } | undefined;
  const name = source?.name ?? "Error";
  const awsMessage = source?.message ?? "";
  const said = awsMessage === "" || awsMessage === "UnknownError" ? "" : `: ${awsMessage}`;
  const facts: AwsErrorFacts = { name, awsMessage, networkCode: source?.code, action, said };
  const options = { cause: summarizeAwsError(error), action, awsErrorName: name };
  const rule = AWS_ERROR_RULES.find((candidate) => candidate.matches(facts));
  if (rule !== undefined) return new SsmClientError(rule.code, rule.message(facts), options);
  return new SsmClientError("ERR_SSM_AWS", `${action} failed: ${name}${said}`, options);
}
