import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { multipartPlan } from "../src/files.js";
import { getFile, putFile } from "../src/index.js";
import { FAST_POLL, fakeAws } from "./helpers.js";

const FIVE_MB = 5 * 1024 * 1024;
const MiB = 1024 * 1024;
/** Small multipart settings: a 12 MiB file goes in 5, 5 and 2 MiB parts. */
const SMALL_PARTS = { multipartThresholdBytes: 8 * MiB, multipartPartBytes: 5 * MiB } as const;

describe("files", () => {
  it("round-trips a 5 MB file byte for byte in chunks, without a bucket", { timeout: 240_000 }, async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1 });
    const instanceId = instanceIds[0] as string;
    const content = randomBytes(FIVE_MB);
    const put = await putFile({
      ...clients,
      instanceId,
      remotePath: "data/big file.bin",
      content,
      concurrency: 8,
      poll: FAST_POLL,
    });
    expect(put).toMatchObject({ bytes: FIVE_MB, via: "chunks" });
    expect(put.commands).toBeGreaterThan(FIVE_MB / 36_000);
    const onInstance = readFileSync(
      join(fake.fleet.instances.get(instanceId)?.directory ?? "", "data", "big file.bin"),
    );
    expect(onInstance.equals(content)).toBe(true);
    const got = await getFile({
      ...clients,
      instanceId,
      remotePath: "data/big file.bin",
      concurrency: 8,
      poll: FAST_POLL,
    });
    expect(got.via).toBe("chunks");
    expect(got.content.equals(content)).toBe(true);
    expect(got.sha256).toBe(createHash("sha256").update(content).digest("hex"));
  });

  it("round-trips a 5 MB file through S3 when a bucket is given, and removes the temporary objects", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1, buckets: ["transfer"] });
    const instanceId = instanceIds[0] as string;
    const content = randomBytes(FIVE_MB);
    const put = await putFile({
      ...clients,
      instanceId,
      remotePath: "it's here.bin",
      content,
      bucket: "transfer",
      poll: FAST_POLL,
    });
    expect(put).toMatchObject({ via: "s3", commands: 1 });
    const got = await getFile({
      ...clients,
      instanceId,
      remotePath: "it's here.bin",
      bucket: "transfer",
      poll: FAST_POLL,
    });
    expect(got.content.equals(content)).toBe(true);
    expect(fake.store.buckets.get("transfer")?.size).toBe(0);
  });

  it("moves an empty file and a small text file", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1 });
    const instanceId = instanceIds[0] as string;
    await putFile({ ...clients, instanceId, remotePath: "empty", content: Buffer.alloc(0), poll: FAST_POLL });
    expect(
      (await getFile({ ...clients, instanceId, remotePath: "empty", poll: FAST_POLL })).content.length,
    ).toBe(0);
    const text = Buffer.from("héllo $(whoami) `id`\n");
    await putFile({ ...clients, instanceId, remotePath: "$(x).txt", content: text, poll: FAST_POLL });
    expect(
      (await getFile({ ...clients, instanceId, remotePath: "$(x).txt", poll: FAST_POLL })).content.equals(
        text,
      ),
    ).toBe(true);
  });

  it("puts a local file read piece by piece, in chunks and through S3 (streamed), byte for byte", {
    timeout: 240_000,
  }, async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1, buckets: ["transfer"] });
    const instanceId = instanceIds[0] as string;
    const directory = fake.fleet.instances.get(instanceId)?.directory ?? "";
    // not a whole number of chunks: the last piece is short
    const content = randomBytes(3 * 27_000 + 1234);
    const local = join(directory, "..", "local.bin");
    writeFileSync(local, content);
    const chunks = await putFile({
      ...clients,
      instanceId,
      remotePath: "chunks.bin",
      file: local,
      poll: FAST_POLL,
    });
    expect(chunks).toMatchObject({ bytes: content.length, via: "chunks", commands: 4 + 2 });
    expect(readFileSync(join(directory, "chunks.bin")).equals(content)).toBe(true);
    const streamed = await putFile({
      ...clients,
      instanceId,
      remotePath: "s3.bin",
      file: local,
      bucket: "transfer",
      poll: FAST_POLL,
    });
    expect(streamed).toMatchObject({ bytes: content.length, via: "s3", sha256: chunks.sha256 });
    expect(readFileSync(join(directory, "s3.bin")).equals(content)).toBe(true);
    expect(fake.store.buckets.get("transfer")?.size).toBe(0);
    await expect(
      putFile({
        ...clients,
        instanceId,
        remotePath: "x",
        file: join(directory, "no-such.bin"),
        poll: FAST_POLL,
      }),
    ).rejects.toMatchObject({ code: "ERR_SSM_USAGE", message: expect.stringContaining("no-such.bin") });
  });

  it("says which file is missing on the instance", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1 });
    await expect(
      getFile({ ...clients, instanceId: instanceIds[0] as string, remotePath: "nope.txt", poll: FAST_POLL }),
    ).rejects.toMatchObject({ code: "ERR_SSM_FILE_TRANSFER", message: expect.stringContaining("nope.txt") });
  });

  it("detects a file changed on the instance between its checksum and its chunks", async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1 });
    const instanceId = instanceIds[0] as string;
    const directory = fake.fleet.instances.get(instanceId)?.directory ?? "";
    writeFileSync(join(directory, "moving.bin"), randomBytes(400_000));
    const getting = getFile({
      ...clients,
      instanceId,
      remotePath: "moving.bin",
      concurrency: 1,
      poll: { initialDelayMs: 100, maxDelayMs: 100 },
    });
    await expect.poll(() => fake.ssm.commands.size, { timeout: 10_000 }).toBeGreaterThan(1);
    writeFileSync(join(directory, "moving.bin"), randomBytes(400_000));
    await expect(getting).rejects.toMatchObject({
      code: "ERR_SSM_FILE_TRANSFER",
      message: expect.stringContaining("checksum mismatch"),
    });
  });

  it("puts a file over the threshold as a multipart upload of streamed parts, byte for byte, and leaves nothing in S3", {
    timeout: 120_000,
  }, async () => {
    const { fake, clients, instanceIds } = await fakeAws({ instances: 1, buckets: ["transfer"] });
    const instanceId = instanceIds[0] as string;
    const directory = fake.fleet.instances.get(instanceId)?.directory ?? "";
    const content = randomBytes(12 * MiB + 3);
    const local = join(directory, "..", "image.tar");
    writeFileSync(local, content);
    const put = await putFile({
      ...clients,
      ...SMALL_PARTS,
      instanceId,
      remotePath: "work/image.tar",
      file: local,
      bucket: "transfer",
      concurrency: 3,
      poll: FAST_POLL,
    });
    expect(put).toMatchObject({ via: "s3", parts: 3, bytes: content.length });
    expect(put.sha256).toBe(createHash("sha256").update(content).digest("hex"));
    expect(readFileSync(join(directory, "work", "image.tar")).equals(content)).toBe(true);
    expect(fake.calls.get("UploadPart")).toBe(3);
    expect(fake.calls.get("PutObject")).toBeUndefined();
    // each part streamed with its CRC32 in the trailer, checked by the fake
    expect(fake.s3PayloadModes.get("aws-chunked")).toBe(3);
    expect(fake.store.uploads.size).toBe(0);
    expect(fake.store.buckets.get("transfer")?.size).toBe(0);
    // at or under the threshold: one PutObject
    const small = await putFile({
      ...clients,
      ...SMALL_PARTS,
      instanceId,
      remotePath: "small.bin",
      content: content.subarray(0, 8 * MiB),
      bucket: "transfer",
      poll: FAST_POLL,
    });
    expect(small.parts).toBe(1);
    expect(fake.calls.get("PutObject")).toBe(1);
  });

  it("sends a throttled part again from a new stream", { timeout: 120_000 }, async () => {
    const { fake, clients, instanceIds } = await fakeAws({
      instances: 1,
      buckets: ["transfer"],
      faults: { throttle: { UploadPart: { every: 2 } } },
    });
    const instanceId = instanceIds[0] as string;
    const directory = fake.fleet.instances.get(instanceId)?.directory ?? "";
    const content = randomBytes(12 * MiB);
    const local = join(directory, "..", "throttled.bin");
    writeFileSync(local, content);
    const put = await putFile({
      ...clients,
      ...SMALL_PARTS,
      instanceId,
      remotePath: "throttled.bin",
      file: local,
      bucket: "transfer",
      concurrency: 1,
      poll: FAST_POLL,
    });
    expect(put.parts).toBe(3);
    expect(fake.throttler.refused.get("UploadPart")).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(directory, "throttled.bin")).equals(content)).toBe(true);
  });

  it("aborts the multipart upload when a part keeps failing, and says which call failed", {
    timeout: 120_000,
  }, async () => {
    const { fake, clients, instanceIds } = await fakeAws(
      { instances: 1, buckets: ["transfer"], faults: { throttle: { UploadPart: { every: 1 } } } },
      { maxAttempts: 2 },
    );
    const instanceId = instanceIds[0] as string;
    const directory = fake.fleet.instances.get(instanceId)?.directory ?? "";
    const local = join(directory, "..", "failing.bin");
    writeFileSync(local, randomBytes(12 * MiB));
    await expect(
      putFile({
        ...clients,
        ...SMALL_PARTS,
        instanceId,
        remotePath: "failing.bin",
        file: local,
        bucket: "transfer",
        poll: FAST_POLL,
      }),
    ).rejects.toMatchObject({ code: "ERR_SSM_THROTTLED", action: "s3:UploadPart", awsErrorName: "SlowDown" });
    expect(fake.calls.get("AbortMultipartUpload")).toBe(1);
    expect(fake.calls.get("CompleteMultipartUpload")).toBeUndefined();
    expect(fake.store.uploads.size).toBe(0);
    expect(fake.store.buckets.get("transfer")?.size).toBe(0);
    expect(fake.ssm.commands.size).toBe(0);
  });

  it("aborts the multipart upload when the signal aborts mid-upload", { timeout: 120_000 }, async () => {
    // every other part is throttled: each refusal is followed by a pause before the part goes again
    const { fake, clients, instanceIds } = await fakeAws({
      instances: 1,
      buckets: ["transfer"],
      faults: { throttle: { UploadPart: { every: 2 } } },
    });
    const instanceId = instanceIds[0] as string;
    const local = join(fake.fleet.instances.get(instanceId)?.directory ?? "", "..", "aborted.bin");
    writeFileSync(local, randomBytes(12 * MiB));
    const controller = new AbortController();
    const putting = putFile({
      ...clients,
      ...SMALL_PARTS,
      instanceId,
      remotePath: "aborted.bin",
      file: local,
      bucket: "transfer",
      concurrency: 1,
      signal: controller.signal,
      poll: FAST_POLL,
    });
    await expect
      .poll(() => fake.throttler.refused.get("UploadPart") ?? 0, { timeout: 30_000 })
      .toBeGreaterThan(0);
    controller.abort();
    await expect(putting).rejects.toMatchObject({ code: "ERR_SSM_ABORTED" });
    expect(fake.calls.get("AbortMultipartUpload")).toBe(1);
    expect(fake.calls.get("CompleteMultipartUpload")).toBeUndefined();
    expect(fake.store.uploads.size).toBe(0);
    expect(fake.ssm.commands.size).toBe(0);
  });

  it("names a bad multipart option and its range", async () => {
    const { clients, instanceIds } = await fakeAws({ instances: 1 });
    const base = {
      ...clients,
      instanceId: instanceIds[0] as string,
      remotePath: "x",
      content: Buffer.from("x"),
    };
    for (const [options, name] of [
      [
        { multipartThresholdBytes: 0 },
        "multipartThresholdBytes must be a whole number of bytes from 1 to 5368709120",
      ],
      [{ multipartThresholdBytes: 6 * 1024 ** 3 }, "multipartThresholdBytes"],
      [{ multipartThresholdBytes: 1.5 }, "multipartThresholdBytes"],
      [
        { multipartPartBytes: 4 * MiB },
        "multipartPartBytes must be a whole number of bytes from 5242880 (5 MiB)",
      ],
      [{ multipartPartBytes: 6 * 1024 ** 3 }, "multipartPartBytes"],
    ] as const) {
      await expect(putFile({ ...base, ...options })).rejects.toMatchObject({
        code: "ERR_SSM_USAGE",
        message: expect.stringContaining(name),
      });
    }
  });

  it("keeps a big file within S3's 10,000 parts by raising the part size", () => {
    const GiB = 1024 ** 3;
    expect(multipartPlan(15 * GiB, 64 * MiB)).toEqual({ partBytes: 64 * MiB, parts: 240 });
    expect(multipartPlan(12 * MiB, 5 * MiB)).toEqual({ partBytes: 5 * MiB, parts: 3 });
    const terabyte = multipartPlan(1024 * GiB, 64 * MiB);
    expect(terabyte.parts).toBeLessThanOrEqual(10_000);
    expect(terabyte.partBytes % MiB).toBe(0);
    expect(terabyte.partBytes).toBeGreaterThan(64 * MiB);
    const largest = multipartPlan(5 * 1024 * GiB, 5 * MiB);
    expect(largest.parts).toBeLessThanOrEqual(10_000);
    expect(largest.partBytes).toBeLessThanOrEqual(5 * GiB);
    expect(() => multipartPlan(5 * 1024 * GiB + 1, 64 * MiB)).toThrow(/5 TiB/);
  });
});
