import { EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import {
  GetCommandInvocationCommand,
  type GetCommandInvocationCommandOutput,
  SSMClient,
} from "@aws-sdk/client-ssm";
import type { AwsFake } from "../src/index.js";

/** The real SDK clients, pointed at the fake, with the SDK's retries off unless asked for. */
export function clientsFor(
  fake: AwsFake,
  overrides: { secretAccessKey?: string; accessKeyId?: string; maxAttempts?: number; region?: string } = {},
) {
  const config = {
    endpoint: fake.endpoint,
    region: overrides.region ?? fake.region,
    credentials: {
      accessKeyId: overrides.accessKeyId ?? fake.credentials.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? fake.credentials.secretAccessKey,
    },
    maxAttempts: overrides.maxAttempts ?? 1,
  };
  return {
    ssm: new SSMClient(config),
    ec2: new EC2Client(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

/** Polls GetCommandInvocation until the invocation ends; the fake's own behaviour, no client logic. */
export async function invocationResult(
  ssm: SSMClient,
  commandId: string,
  instanceId: string,
): Promise<GetCommandInvocationCommandOutput> {
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      const output = await ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: instanceId }),
      );
      if (!["Pending", "InProgress", "Delayed", "Cancelling"].includes(output.Status ?? "")) return output;
    } catch (error) {
      if ((error as Error).name !== "InvocationDoesNotExist") throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`invocation ${commandId} on ${instanceId} did not end`);
}
