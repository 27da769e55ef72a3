import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { crc32 } from "node:zlib";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { type AwsFake, startAwsFake } from "../src/index.js";
import { decodeAwsChunked } from "../src/s3-service.js";
import { clientsFor } from "./helpers.js";

let fake: AwsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

describe("S3 on the fake", () => {
  it("takes a streamed upload as the SDK sends it by default (aws-chunked, CRC32 trailer) and gives it back", async () => {
    fake = await startAwsFake({ buckets: ["b"] });
    const { s3 } = clientsFor(fake);
    const content = randomBytes(300_000);
    await s3.send(
      new PutObjectCommand({
        Bucket: "b",
        Key: "dir/streamed file.bin",
        Body: Readable.from([content]),
        ContentLength: content.length,
      }),
    );
    expect(fake.s3PayloadModes.get("aws-chunked")).toBe(1);
    const object = await s3.send(
      new GetObjectCommand({ Bucket: "b", Key: "dir/streamed file.bin", ChecksumMode: "ENABLED" }),
    );
    expect(Buffer.from((await object.Body?.transformToByteArray()) ?? []).equals(content)).toBe(true);
    const listing = await s3.send(new ListObjectsV2Command({ Bucket: "b", Prefix: "dir/" }));
    expect(listing.Contents?.map((entry) => [entry.Key, entry.Size])).toEqual([
      ["dir/streamed file.bin", 300_000],
    ]);
    await s3.send(new DeleteObjectCommand({ Bucket: "b", Key: "dir/streamed file.bin" }));
    await expect(
      s3.send(new GetObjectCommand({ Bucket: "b", Key: "dir/streamed file.bin" })),
    ).rejects.toMatchObject({
      name: "NoSuchKey",
      $metadata: { httpStatusCode: 404 },
    });
  });

  it("refuses an upload whose checksum does not match its bytes", async () => {
    fake = await startAwsFake({ buckets: ["b"] });
    const { s3 } = clientsFor(fake);
    await expect(
      s3.send(
        new PutObjectCommand({
          Bucket: "b",
          Key: "k",
          Body: Buffer.from("payload"),
          ChecksumCRC32: "AAAAAA==",
        }),
      ),
    ).rejects.toMatchObject({ name: "BadDigest" });
    expect(fake.store.buckets.get("b")?.size).toBe(0);
    await expect(
      s3.send(new PutObjectCommand({ Bucket: "missing", Key: "k", Body: "x" })),
    ).rejects.toMatchObject({
      name: "NoSuchBucket",
    });
  });

  it("decodes aws-chunked framing and its trailers", () => {
    const data = Buffer.from("hello, chunked world");
    const checksum = Buffer.alloc(4);
    checksum.writeUInt32BE(crc32(data) >>> 0);
    const body = Buffer.concat([
      Buffer.from("5\r\nhello\r\n"),
      Buffer.from(`${(data.length - 5).toString(16)}\r\n`),
      data.subarray(5),
      Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${checksum.toString("base64")}\r\n\r\n`),
    ]);
    const decoded = decodeAwsChunked(body);
    expect(decoded.data.equals(data)).toBe(true);
    expect(decoded.trailers).toEqual({ "x-amz-checksum-crc32": checksum.toString("base64") });
  });
});
