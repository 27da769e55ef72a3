import { EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { SSMClient } from "@aws-sdk/client-ssm";
import { UsageError } from "./errors.js";

/** Static credentials, or a provider the SDK calls (the default is the SDK's credential chain). */
export type AwsCredentials =
  | { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  | (() => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string }>);

/** How to reach AWS; everything defaults to the usual AWS conventions (environment, profile, credential chain). */
export interface AwsClientOptions {
  /** The region (default: `AWS_REGION`, `AWS_DEFAULT_REGION`, then the profile's). */
  region?: string;
  /** A named profile of `~/.aws/config` (default: `AWS_PROFILE`). */
  profile?: string;
  /** Credentials (default: the SDK's chain: environment, SSO, profile, instance role...). */
  credentials?: AwsCredentials;
  /** One endpoint for SSM, EC2 and S3, such as an aws-fake's (default: `AWS_ENDPOINT_URL` and its per-service variants, else AWS). */
  endpoint?: string;
  /** Attempts per call, retries included (default 5). */
  maxAttempts?: number;
  /** The SDK's retry mode (default `adaptive`: a client-side rate limiter on top of backoff, which keeps polling under SSM's rate limits). */
  retryMode?: "standard" | "adaptive";
}

/** The three SDK clients ssm-client uses. */
export interface AwsClients {
  ssm: SSMClient;
  ec2: EC2Client;
  s3: S3Client;
}

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;

/** Checks a region name's shape (`us-east-1`); AWS itself refuses names that look right but do not exist. */
export function checkRegion(region: string, source: string): void {
  if (!REGION_PATTERN.test(region)) {
    throw new UsageError(`${source} ${JSON.stringify(region)} is not an AWS region name such as us-east-1`);
  }
}

/** Creates the SSM, EC2 and S3 clients with one configuration: adaptive retries, S3 path style when an endpoint is set. */
export function createAwsClients(
  options: AwsClientOptions = {},
  environment: NodeJS.ProcessEnv = process.env,
): AwsClients {
  if (options.region !== undefined) checkRegion(options.region, "region");
  else if (environment.AWS_REGION) checkRegion(environment.AWS_REGION, "AWS_REGION");
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 20) {
    throw new UsageError(
      `maxAttempts must be a whole number from 1 to 20, got ${String(options.maxAttempts)}`,
    );
  }
  if (options.endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new UsageError(`endpoint ${JSON.stringify(options.endpoint)} is not a URL`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new UsageError(`endpoint ${JSON.stringify(options.endpoint)} must be an http or https URL`);
    }
  }
  const config = {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    maxAttempts,
    retryMode: options.retryMode ?? "adaptive",
  };
  const customS3Endpoint =
    options.endpoint !== undefined ||
    Boolean(environment.AWS_ENDPOINT_URL) ||
    Boolean(environment.AWS_ENDPOINT_URL_S3);
  return {
    ssm: new SSMClient(config),
    ec2: new EC2Client(config),
    s3: new S3Client({ ...config, forcePathStyle: customS3Endpoint }),
  };
}
