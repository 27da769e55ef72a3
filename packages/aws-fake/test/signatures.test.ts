import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DescribeInstanceInformationCommand } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AwsFake, startAwsFake } from "../src/index.js";
import { clientsFor } from "./helpers.js";

let fake: AwsFake;
beforeAll(async () => {
  fake = await startAwsFake({ instances: 1, buckets: ["outputs"] });
});
afterAll(() => fake.close());

async function failure(call: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  const error = (await call.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )) as { name: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (error === undefined) throw new Error("the call succeeded");
  return { name: error.name, status: error.$metadata?.httpStatusCode };
}

describe("SigV4 signatures", () => {
  it("accepts requests signed with the configured key, for each service", async () => {
    const { ssm, ec2, s3 } = clientsFor(fake);
    const information = await ssm.send(new DescribeInstanceInformationCommand({}));
    expect(information.InstanceInformationList).toHaveLength(1);
    const instances = await ec2.send(new DescribeInstancesCommand({}));
    expect(instances.Reservations?.[0]?.Instances?.[0]?.State?.Name).toBe("running");
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: "outputs" }));
    expect(listing.KeyCount).toBe(0);
  });

  it("refuses a wrong secret with each service's real error", async () => {
    const { ssm, ec2, s3 } = clientsFor(fake, { secretAccessKey: "not-the-secret" });
    expect(await failure(ssm.send(new DescribeInstanceInformationCommand({})))).toEqual({
      name: "InvalidSignatureException",
      status: 400,
    });
    expect(await failure(ec2.send(new DescribeInstancesCommand({})))).toEqual({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
    expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: "outputs" })))).toEqual({
      name: "SignatureDoesNotMatch",
      status: 403,
    });
  });

  it("refuses an unknown access key id", async () => {
    const { ssm, ec2, s3 } = clientsFor(fake, { accessKeyId: "AKIAUNKNOWN000000000" });
    expect((await failure(ssm.send(new DescribeInstanceInformationCommand({})))).name).toBe(
      "UnrecognizedClientException",
    );
    expect((await failure(ec2.send(new DescribeInstancesCommand({})))).name).toBe("AuthFailure");
    expect((await failure(s3.send(new ListObjectsV2Command({ Bucket: "outputs" })))).name).toBe(
      "InvalidAccessKeyId",
    );
  });

  it("refuses a request signed for a region that does not exist", async () => {
    const { ssm } = clientsFor(fake, { region: "us-nowhere-9" });
    expect((await failure(ssm.send(new DescribeInstanceInformationCommand({})))).name).toBe(
      "InvalidSignatureException",
    );
  });

  it("refuses an unsigned request", async () => {
    const response = await fetch(fake.endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AmazonSSM.DescribeInstanceInformation",
      },
      body: "{}",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ __type: "MissingAuthenticationTokenException" });
  });

  it("answers a denied action with the service's access-denied error, naming the action", async () => {
    const restricted = await startAwsFake({
      credentials: [
        { ...fake.credentials, deny: ["ssm:DescribeInstanceInformation", "ec2:DescribeInstances"] },
      ],
    });
    try {
      const { ssm, ec2 } = clientsFor(restricted);
      const error = (await ssm
        .send(new DescribeInstanceInformationCommand({}))
        .catch((thrown) => thrown)) as Error;
      expect(error.name).toBe("AccessDeniedException");
      expect(error.message).toContain("ssm:DescribeInstanceInformation");
      expect((await failure(ec2.send(new DescribeInstancesCommand({})))).name).toBe("UnauthorizedOperation");
    } finally {
      await restricted.close();
    }
  });
});
