import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { type AwsFake, startAwsFake } from "../src/index.js";
import { clientsFor } from "./helpers.js";

const MiB = 1024 * 1024;

let fake: AwsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** Creates a CRC32 upload of `b/k` and uploads `parts` (the second one streamed); their ETags and checksums. */
async function uploadParts(s3: S3Client, parts: Buffer[]) {
  const created = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: "b", Key: "k", ChecksumAlgorithm: "CRC32" }),
  );
  const uploadId = created.UploadId as string;
  const uploaded = [];
  for (const [index, part] of parts.entries()) {
    const output = await s3.send(
      new UploadPartCommand({
        Bucket: "b",
        Key: "k",
        UploadId: uploadId,
        PartNumber: index + 1,
        Body: index === 1 ? Readable.from([part]) : part,
        ContentLength: part.length,
        ChecksumAlgorithm: "CRC32",
      }),
    );
    uploaded.push({ PartNumber: index + 1, ETag: output.ETag, ChecksumCRC32: output.ChecksumCRC32 });
  }
  return { uploadId, uploaded };
}

describe("S3 multipart uploads on the fake", () => {
  it("assembles the parts into one object with S3's multipart ETag, and keeps no upload after", async () => {
    fake = await startAwsFake({ buckets: ["b"] });
    const { s3 } = clientsFor(fake);
    const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(2 * MiB + 7)];
    const { uploadId, uploaded } = await uploadParts(s3, parts);
    expect(fake.store.uploads.size).toBe(1);
    expect(fake.s3PayloadModes.get("aws-chunked")).toBe(1);
    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "b",
        Key: "k",
        UploadId: uploadId,
        MultipartUpload: { Parts: uploaded },
      }),
    );
    const md5s = Buffer.concat(parts.map((part) => createHash("md5").update(part).digest()));
    expect(completed.ETag).toBe(`"${createHash("md5").update(md5s).digest("hex")}-3"`);
    expect(completed.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==-3$/);
    expect(fake.store.uploads.size).toBe(0);
    const object = await s3.send(new GetObjectCommand({ Bucket: "b", Key: "k" }));
    expect(object.ETag).toBe(completed.ETag);
    const body = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    expect(body.equals(Buffer.concat(parts))).toBe(true);
    expect(fake.calls.get("UploadPart")).toBe(3);
    expect(fake.calls.get("CompleteMultipartUpload")).toBe(1);
  });

  it("refuses a too-small part that is not the last, parts out of order, a wrong ETag or a missing checksum", async () => {
    fake = await startAwsFake({ buckets: ["b"] });
    const { s3 } = clientsFor(fake);
    const { uploadId, uploaded } = await uploadParts(s3, [
      randomBytes(5 * MiB),
      randomBytes(MiB),
      randomBytes(10),
    ]);
    const complete = (Parts: typeof uploaded) =>
      s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: "b",
          Key: "k",
          UploadId: uploadId,
          MultipartUpload: { Parts },
        }),
      );
    const [first, second, third] = uploaded as [
      (typeof uploaded)[0],
      (typeof uploaded)[0],
      (typeof uploaded)[0],
    ];
    await expect(complete([first, second, third])).rejects.toMatchObject({
      name: "EntityTooSmall",
      $metadata: { httpStatusCode: 400 },
    });
    await expect(complete([second, first])).rejects.toMatchObject({ name: "InvalidPartOrder" });
    await expect(complete([first, first])).rejects.toMatchObject({ name: "InvalidPartOrder" });
    await expect(complete([{ ...first, ETag: '"0123"' }, second])).rejects.toMatchObject({
      name: "InvalidPart",
    });
    await expect(complete([first, { ...third, PartNumber: 4 }])).rejects.toMatchObject({
      name: "InvalidPart",
    });
    await expect(complete([{ ...first, ChecksumCRC32: undefined }, third])).rejects.toMatchObject({
      name: "InvalidRequest",
      message: expect.stringContaining("missing for part 1"),
    });
    // the small part is fine as the last one: parts not listed are dropped
    await complete([first, third]);
    expect(fake.store.get("b", "k").body.length).toBe(5 * MiB + 10);
    expect(fake.store.uploads.size).toBe(0);
  });

  it("answers NoSuchUpload for an unknown or aborted upload", async () => {
    fake = await startAwsFake({ buckets: ["b"] });
    const { s3 } = clientsFor(fake);
    const { uploadId } = await uploadParts(s3, [randomBytes(10)]);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: "b", Key: "k", UploadId: uploadId }));
    expect(fake.store.uploads.size).toBe(0);
    await expect(
      s3.send(new AbortMultipartUploadCommand({ Bucket: "b", Key: "k", UploadId: uploadId })),
    ).rejects.toMatchObject({ name: "NoSuchUpload", $metadata: { httpStatusCode: 404 } });
    await expect(
      s3.send(
        new UploadPartCommand({
          Bucket: "b",
          Key: "k",
          UploadId: "nope",
          PartNumber: 1,
          Body: Buffer.from("x"),
        }),
      ),
    ).rejects.toMatchObject({ name: "NoSuchUpload" });
    expect(fake.store.buckets.get("b")?.size).toBe(0);
  });

  it("throttles the multipart calls by their S3 names", async () => {
    fake = await startAwsFake({ buckets: ["b"], faults: { throttle: { UploadPart: { every: 2 } } } });
    const { s3 } = clientsFor(fake);
    const created = await s3.send(new CreateMultipartUploadCommand({ Bucket: "b", Key: "k" }));
    const part = (PartNumber: number) =>
      s3.send(
        new UploadPartCommand({
          Bucket: "b",
          Key: "k",
          UploadId: created.UploadId,
          PartNumber,
          Body: Buffer.from("part"),
        }),
      );
    await part(1);
    await expect(part(2)).rejects.toMatchObject({ name: "SlowDown", $metadata: { httpStatusCode: 503 } });
    expect(fake.throttler.refused.get("UploadPart")).toBe(1);
  });
});
