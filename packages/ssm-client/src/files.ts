import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import type { Clock } from "./clock.js";
import { fromAwsError, SsmClientError, UsageError } from "./errors.js";
import { type CommandOutcome, INLINE_STDOUT_LIMIT } from "./invocation.js";
import { runCommand } from "./run-command.js";
import type { PollOptions } from "./run-command-options.js";
import { shellQuote } from "./shell-quote.js";

/** Raw bytes per upload command: 36,000 base64 characters, well under SendCommand's parameter size limit. */
export const PUT_CHUNK_BYTES = 27_000;
/** Raw bytes per download command: 23,996 base64 characters, under the 24,000-character inline output limit. */
export const GET_CHUNK_BYTES = 17_997;

/** What both directions need. */
export interface FileTransferOptions {
  ssm: SSMClient;
  /** Needed with `bucket`. */
  s3?: S3Client;
  instanceId: string;
  /** The path on the instance (relative paths are relative to the command's working folder). */
  remotePath: string;
  /** Move the bytes through this bucket (one command each way); without it, in chunks through command output. */
  bucket?: string;
  /** Key prefix of the temporary objects (default `sizer-ssm/files`); they are deleted after the transfer. */
  keyPrefix?: string;
  /** Chunk commands in flight at once (default 4). */
  concurrency?: number;
  /** Deadline of each command (default 300 s). */
  deadlineMs?: number;
  signal?: AbortSignal;
  poll?: PollOptions;
  clock?: Clock;
}

/** How a transfer went. */
export interface FileTransferResult {
  bytes: number;
  /** Hex SHA-256 of the content, checked on both sides. */
  sha256: string;
  via: "s3" | "chunks";
  /** Run Command commands used. */
  commands: number;
}

function sha256(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

function validate(options: FileTransferOptions): void {
  if (options.remotePath === "" || options.remotePath.includes("\u0000")) {
    throw new UsageError("remotePath must be a non-empty path without NUL characters");
  }
  if (options.bucket !== undefined && options.s3 === undefined)
    throw new UsageError("bucket needs the s3 client");
  const concurrency = options.concurrency ?? 4;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 32) {
    throw new UsageError(
      `concurrency must be a whole number from 1 to 32, got ${String(options.concurrency)}`,
    );
  }
}

async function runOn(options: FileTransferOptions, script: string, what: string): Promise<CommandOutcome> {
  const result = await runCommand({
    ssm: options.ssm,
    targets: { instanceIds: [options.instanceId] },
    script,
    deadlineMs: options.deadlineMs ?? 300_000,
    executionTimeoutSeconds: 600,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.poll === undefined ? {} : { poll: options.poll }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const outcome = result.outcomes[0] as CommandOutcome;
  if (outcome.status !== "Success") {
    throw new SsmClientError(
      "ERR_SSM_FILE_TRANSFER",
      `${what} on ${options.instanceId} failed (${outcome.status}${outcome.exitCode === null ? "" : `, exit ${outcome.exitCode}`}): ${outcome.stderr.trim().slice(-500) || "no error output"}`,
    );
  }
  return outcome;
}

/** The hex SHA-256 at the start of `sha256sum`'s output line, or a transfer error. */
function remoteChecksum(output: string, remotePath: string): string {
  const line = output.trim().split("\n").pop() ?? "";
  const match = /^([0-9a-f]{64})\b/.exec(line);
  if (match === null)
    throw new SsmClientError(
      "ERR_SSM_FILE_TRANSFER",
      `no checksum came back for ${remotePath}: ${JSON.stringify(line.slice(0, 200))}`,
    );
  return match[1] as string;
}

function checkSame(expected: string, actual: string, what: string): void {
  if (expected !== actual) {
    throw new SsmClientError(
      "ERR_SSM_FILE_TRANSFER",
      `${what}: checksum mismatch (sent ${expected}, got ${actual})`,
    );
  }
}

async function inPool<T>(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < count) {
      const index = next++;
      try {
        results[index] = await work(index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

function objectKey(options: FileTransferOptions): string {
  const name = options.remotePath.split("/").pop() || "file";
  return `${(options.keyPrefix ?? "sizer-ssm/files").replace(/\/+$/, "")}/${randomUUID()}/${name}`;
}

/** S3's limit for one PutObject: a larger file needs a multipart upload, which putFile does not do. */
export const PUT_OBJECT_MAX_BYTES = 5 * 1024 ** 3;

/** What {@link putFile} sends: bytes in memory, or a local file read piece by piece, never whole. */
interface PutSource {
  size: number;
  sha256: string;
  /** The bytes from `start` to `end` (exclusive). */
  slice(start: number, end: number): Promise<Buffer>;
  /** The whole content as a request body: the buffer, or a stream of the file. */
  body(): Buffer | Readable;
}

async function putSource(options: { content?: Buffer; file?: string }): Promise<PutSource> {
  const { content, file } = options;
  if ((content === undefined) === (file === undefined))
    throw new UsageError("putFile needs either content or file, not both");
  if (content !== undefined) {
    return {
      size: content.length,
      sha256: sha256(content),
      slice: async (start, end) => content.subarray(start, end),
      body: () => content,
    };
  }
  const path = file as string;
  let size: number;
  const hash = createHash("sha256");
  try {
    size = (await stat(path)).size;
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    throw new SsmClientError("ERR_SSM_USAGE", `cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    size,
    sha256: hash.digest("hex"),
    async slice(start, end) {
      const handle = await open(path, "r");
      try {
        const buffer = Buffer.alloc(end - start);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, start);
        return buffer.subarray(0, bytesRead);
      } finally {
        await handle.close();
      }
    },
    body: () => createReadStream(path),
  };
}

/** One PutObject of the whole source, streamed when it is a file. */
async function putObject(s3: S3Client, bucket: string, key: string, source: PutSource): Promise<void> {
  if (source.size > PUT_OBJECT_MAX_BYTES)
    throw new UsageError(
      `the file is ${source.size} bytes, over the ${PUT_OBJECT_MAX_BYTES} bytes of one S3 PutObject: give no bucket (chunks) or a smaller file`,
    );
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: source.body(), ContentLength: source.size }),
    );
  } catch (error) {
    throw fromAwsError(error, "s3:PutObject");
  }
}

/**
 * Puts `content`, or the local `file` (read piece by piece: a large file is never held in memory),
 * at `remotePath` on an instance, through S3 when a bucket is given (one PutObject, streamed),
 * otherwise in base64 chunks (one command each, several at once) joined on the instance; the
 * SHA-256 of what landed is checked against what was sent.
 */
export async function putFile(
  options: FileTransferOptions &
    ({ content: Buffer; file?: undefined } | { file: string; content?: undefined }),
): Promise<FileTransferResult> {
  validate(options);
  const source = await putSource(options);
  const expected = source.sha256;
  const target = shellQuote(options.remotePath);
  const staging = `${options.remotePath}.sizer-put-${randomUUID().slice(0, 8)}`;
  if (options.bucket !== undefined) {
    const s3 = options.s3 as S3Client;
    const key = objectKey(options);
    await putObject(s3, options.bucket, key, source);
    try {
      const outcome = await runOn(
        options,
        [
          `mkdir -p -- "$(dirname -- ${target})"`,
          `aws s3 cp ${shellQuote(`s3://${options.bucket}/${key}`)} ${shellQuote(staging)} >/dev/null`,
          `mv -f -- ${shellQuote(staging)} ${target}`,
          `sha256sum -- ${target}`,
        ].join(" && "),
        `copying from s3://${options.bucket}`,
      );
      checkSame(expected, remoteChecksum(outcome.stdout, options.remotePath), `put ${options.remotePath}`);
      return { bytes: source.size, sha256: expected, via: "s3", commands: 1 };
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key })).catch(() => undefined);
    }
  }
  const chunkCount = Math.max(1, Math.ceil(source.size / PUT_CHUNK_BYTES));
  const stagingQuoted = shellQuote(staging);
  await runOn(options, `mkdir -p -- "$(dirname -- ${target})" ${stagingQuoted}`, "preparing the upload");
  try {
    await inPool(chunkCount, options.concurrency ?? 4, async (index) => {
      const part = (await source.slice(index * PUT_CHUNK_BYTES, (index + 1) * PUT_CHUNK_BYTES)).toString(
        "base64",
      );
      const partPath = shellQuote(`${staging}/part-${String(index).padStart(6, "0")}`);
      return runOn(
        options,
        `printf '%s' ${shellQuote(part)} | base64 -d > ${partPath}`,
        `upload chunk ${index + 1}/${chunkCount}`,
      );
    });
    const outcome = await runOn(
      options,
      [
        `cat ${stagingQuoted}/part-* > ${shellQuote(`${staging}.joined`)}`,
        `mv -f -- ${shellQuote(`${staging}.joined`)} ${target}`,
        `rm -rf -- ${stagingQuoted}`,
        `sha256sum -- ${target}`,
      ].join(" && "),
      "joining the upload",
    );
    checkSame(expected, remoteChecksum(outcome.stdout, options.remotePath), `put ${options.remotePath}`);
  } catch (error) {
    await runOn(options, `rm -rf -- ${stagingQuoted}`, "cleaning up").catch(() => undefined);
    throw error;
  }
  return { bytes: source.size, sha256: expected, via: "chunks", commands: chunkCount + 2 };
}

/**
 * Gets the file at `remotePath` from an instance, through S3 when a bucket is given, otherwise in
 * base64 chunks that each fit in a command's inline output; the SHA-256 is checked.
 */
export async function getFile(
  options: FileTransferOptions,
): Promise<FileTransferResult & { content: Buffer }> {
  validate(options);
  const target = shellQuote(options.remotePath);
  if (options.bucket !== undefined) {
    const s3 = options.s3 as S3Client;
    const key = objectKey(options);
    try {
      const outcome = await runOn(
        options,
        `aws s3 cp ${target} ${shellQuote(`s3://${options.bucket}/${key}`)} >/dev/null && sha256sum -- ${target}`,
        `copying ${options.remotePath} to s3://${options.bucket}`,
      );
      const expected = remoteChecksum(outcome.stdout, options.remotePath);
      let content: Buffer;
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
        content = Buffer.from((await object.Body?.transformToByteArray()) ?? new Uint8Array());
      } catch (error) {
        throw fromAwsError(error, "s3:GetObject");
      }
      checkSame(expected, sha256(content), `get ${options.remotePath}`);
      return { content, bytes: content.length, sha256: expected, via: "s3", commands: 1 };
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key })).catch(() => undefined);
    }
  }
  const facts = await runOn(
    options,
    `wc -c < ${target} && sha256sum -- ${target}`,
    `reading ${options.remotePath}`,
  );
  const [sizeLine = ""] = facts.stdout.trim().split("\n");
  const size = Number(sizeLine.trim());
  if (!Number.isInteger(size) || size < 0) {
    throw new SsmClientError("ERR_SSM_FILE_TRANSFER", `could not read the size of ${options.remotePath}`);
  }
  const expected = remoteChecksum(facts.stdout, options.remotePath);
  const chunkCount = Math.ceil(size / GET_CHUNK_BYTES);
  const parts = await inPool(chunkCount, options.concurrency ?? 4, async (index) => {
    const outcome = await runOn(
      options,
      `dd if=${target} bs=${GET_CHUNK_BYTES} skip=${index} count=1 2>/dev/null | base64 -w 0`,
      `download chunk ${index + 1}/${chunkCount}`,
    );
    if (outcome.stdoutTruncated || outcome.stdout.length >= INLINE_STDOUT_LIMIT) {
      throw new SsmClientError("ERR_SSM_FILE_TRANSFER", `download chunk ${index + 1} came back truncated`);
    }
    return Buffer.from(outcome.stdout.trim(), "base64");
  });
  const content = Buffer.concat(parts);
  checkSame(expected, sha256(content), `get ${options.remotePath}`);
  return { content, bytes: content.length, sha256: expected, via: "chunks", commands: chunkCount + 1 };
}
