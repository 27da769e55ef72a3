import { createHash, randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getFile, putFile } from "../src/index.js";
import { FAST_POLL, fakeAws } from "./helpers.js";

const FIVE_MB = 5 * 1024 * 1024;

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
});
