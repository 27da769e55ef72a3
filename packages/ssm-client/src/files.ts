import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  type CompletedPart,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { SSMClient } from "@aws-sdk/client-ssm";
import { type Clock, systemClock } from "./clock.js";
import { AbortedError, fromAwsError, isThrottlingError, SsmClientError, UsageError } from "./errors.js";
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
  /** `putFile` through S3: the parts the object was sent in (1: one PutObject). */
  parts?: number;
}

const MiB = 1024 * 1024;
/** S3's limit for one PutObject (5 GiB): a larger file always goes as a multipart upload. */
export const PUT_OBJECT_MAX_BYTES = 5 * 1024 ** 3;
/** S3's largest object (5 TiB). */
export const S3_OBJECT_MAX_BYTES = 5 * 1024 ** 4;
/** S3's smallest part, except the last (5 MiB). */
export const MULTIPART_MIN_PART_BYTES = 5 * MiB;
/** S3's most parts in one upload. */
export const MULTIPART_MAX_PARTS = 10_000;
/** Through S3, a file larger than this goes as a multipart upload, by default (64 MiB). */
export const DEFAULT_MULTIPART_THRESHOLD_BYTES = 64 * MiB;
/** The size of each part of a multipart upload, by default (64 MiB). */
export const DEFAULT_MULTIPART_PART_BYTES = 64 * MiB;

/** Options of {@link putFile}: the transfer's, and how a large file goes through S3. */
export interface PutFileOptions extends FileTransferOptions {
  /** Through S3, a file larger than this goes as a multipart upload (default 64 MiB, at most 5 GiB: S3's largest PutObject). */
  multipartThresholdBytes?: number;
  /** Each part of a multipart upload (default 64 MiB, from 5 MiB to 5 GiB); raised for a file that would need more than 10,000 parts. */
  multipartPartBytes?: number;
}

function sha256(content: Buffer): string {
  return createHash("sha256").update(content).digest("hex");
}

function validate(options: PutFileOptions): void {
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
  const threshold = options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > PUT_OBJECT_MAX_BYTES) {
    throw new UsageError(
      `multipartThresholdBytes must be a whole number of bytes from 1 to ${PUT_OBJECT_MAX_BYTES} (5 GiB, S3's largest PutObject), got ${String(options.multipartThresholdBytes)}`,
    );
  }
  const partBytes = options.multipartPartBytes ?? DEFAULT_MULTIPART_PART_BYTES;
  if (
    !Number.isInteger(partBytes) ||
    partBytes < MULTIPART_MIN_PART_BYTES ||
    partBytes > PUT_OBJECT_MAX_BYTES
  ) {
    throw new UsageError(
      `multipartPartBytes must be a whole number of bytes from ${MULTIPART_MIN_PART_BYTES} (5 MiB) to ${PUT_OBJECT_MAX_BYTES} (5 GiB), S3's part sizes, got ${String(options.multipartPartBytes)}`,
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

/**
 * Runs `work` for indexes 0..count-1, `concurrency` at a time. After a failure no new index
 * starts; the ones under way are waited for (so cleanup never races them), then the first
 * failure is thrown.
 */
async function inPool<T>(
  count: number,
  concurrency: number,
  work: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < count) {
      const index = next++;
      try {
        results[index] = await work(index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  if (failure !== undefined) throw failure.error;
  return results;
}

function objectKey(options: FileTransferOptions): string {
  const name = options.remotePath.split("/").pop() || "file";
  return `${(options.keyPrefix ?? "sizer-ssm/files").replace(/\/+$/, "")}/${randomUUID()}/${name}`;
}

/** What {@link putFile} sends: bytes in memory, or a local file read piece by piece, never whole. */
interface PutSource {
  size: number;
  sha256: string;
  /** The bytes from `start` to `end` (exclusive). */
  slice(start: number, end: number): Promise<Buffer>;
  /** The whole content as a request body: the buffer, or a stream of the file. */
  body(): Buffer | Readable;
  /** The bytes from `start` to `end` (exclusive, `end > start`) as a request body: a view of the buffer, or a bounded stream of the file. */
  part(start: number, end: number): Buffer | Readable;
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
      part: (start, end) => content.subarray(start, end),
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
    part: (start, end) => createReadStream(path, { start, end: end - 1 }),
  };
}

/** One PutObject of the whole source (at most the multipart threshold, so at most 5 GiB), streamed when it is a file. */
async function putObject(s3: S3Client, bucket: string, key: string, source: PutSource): Promise<void> {
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: source.body(), ContentLength: source.size }),
    );
  } catch (error) {
    throw fromAwsError(error, "s3:PutObject");
  }
}

/**
 * The part size and count of a multipart upload of `size` bytes: `partBytes`, raised to a whole
 * number of MiB when the file would need more than S3's 10,000 parts (as the AWS CLI does).
 */
export function multipartPlan(size: number, partBytes: number): { partBytes: number; parts: number } {
  if (size > S3_OBJECT_MAX_BYTES) {
    throw new UsageError(
      `the file is ${size} bytes, over the ${S3_OBJECT_MAX_BYTES} bytes (5 TiB) of S3's largest object: give no bucket (chunks) or a smaller file`,
    );
  }
  const chosen = Math.max(partBytes, Math.ceil(size / MULTIPART_MAX_PARTS / MiB) * MiB);
  return { partBytes: chosen, parts: Math.max(1, Math.ceil(size / chosen)) };
}

/** Whether a failed part is worth sending again: throttling, a server error, a broken connection. */
function isRetryablePartError(error: unknown): boolean {
  const facts = error as { name?: string; code?: string; $metadata?: { httpStatusCode?: number } };
  return (
    isThrottlingError(error) ||
    (facts.$metadata?.httpStatusCode ?? 0) >= 500 ||
    ["ECONNRESET", "EPIPE", "ETIMEDOUT", "ECONNREFUSED"].includes(facts.code ?? "") ||
    facts.name === "TimeoutError"
  );
}

interface UploadTarget {
  Bucket: string;
  Key: string;
  UploadId: string;
}

/**
 * Sends part `index` (a bounded stream of the file, CRC32 computed by the SDK). The SDK does not
 * retry a streamed body, so a throttled or broken part is sent again here from a new stream, up
 * to the client's `maxAttempts`, with a growing pause.
 */
async function uploadPart(
  s3: S3Client,
  target: UploadTarget,
  source: PutSource,
  partBytes: number,
  index: number,
  signal: AbortSignal,
  clock: Clock,
): Promise<CompletedPart> {
  const start = index * partBytes;
  const end = Math.min(source.size, start + partBytes);
  const attempts = await s3.config.maxAttempts();
  for (let attempt = 1; ; attempt++) {
    try {
      const output = await s3.send(
        new UploadPartCommand({
          ...target,
          PartNumber: index + 1,
          Body: source.part(start, end),
          ContentLength: end - start,
          ChecksumAlgorithm: "CRC32",
        }),
        { abortSignal: signal },
      );
      return { PartNumber: index + 1, ETag: output.ETag, ChecksumCRC32: output.ChecksumCRC32 };
    } catch (error) {
      if (signal.aborted || attempt >= attempts || !isRetryablePartError(error)) {
        throw fromAwsError(error, "s3:UploadPart");
      }
      await clock.sleep(Math.min(5_000, 100 * 2 ** attempt), signal);
    }
  }
}

/**
 * A multipart upload of the source: CreateMultipartUpload (CRC32 parts), the parts `concurrency`
 * at a time, each read as a bounded stream, then CompleteMultipartUpload with their ETags and
 * checksums. On any failure, or when the signal aborts, the parts under way are stopped and the
 * upload is aborted (AbortMultipartUpload), so S3 keeps none of it. Returns the part count.
 */
async function multipartUpload(
  options: PutFileOptions,
  s3: S3Client,
  bucket: string,
  key: string,
  source: PutSource,
): Promise<number> {
  const plan = multipartPlan(source.size, options.multipartPartBytes ?? DEFAULT_MULTIPART_PART_BYTES);
  const signal = options.signal;
  const failed = (error: unknown, action: string): SsmClientError =>
    signal?.aborted
      ? new AbortedError(`putFile to ${options.instanceId}`, error)
      : fromAwsError(error, action);
  let uploadId: string | undefined;
  try {
    const created = await s3.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: "CRC32" }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    uploadId = created.UploadId;
  } catch (error) {
    throw failed(error, "s3:CreateMultipartUpload");
  }
  if (uploadId === undefined)
    throw fromAwsError(new Error("no UploadId came back"), "s3:CreateMultipartUpload");
  const target: UploadTarget = { Bucket: bucket, Key: key, UploadId: uploadId };
  const stop = new AbortController();
  const partSignal = signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]);
  const clock = options.clock ?? systemClock;
  let action = "s3:UploadPart";
  // the first part to fail, not the parts stopped because of it
  let firstFailure: { error: unknown } | undefined;
  try {
    const parts = await inPool(plan.parts, options.concurrency ?? 4, async (index) => {
      try {
        return await uploadPart(s3, target, source, plan.partBytes, index, partSignal, clock);
      } catch (error) {
        firstFailure ??= { error };
        stop.abort();
        throw error;
      }
    });
    action = "s3:CompleteMultipartUpload";
    await s3.send(
      new CompleteMultipartUploadCommand({ ...target, MultipartUpload: { Parts: parts } }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    return plan.parts;
  } catch (error) {
    await s3.send(new AbortMultipartUploadCommand(target)).catch(() => undefined);
    throw failed(firstFailure?.error ?? error, action);
  }
}

/**
 * Puts `content`, or the local `file` (read piece by piece: a large file is never held in memory),
 * at `remotePath` on an instance, through S3 when a bucket is given (one PutObject, streamed; above
 * `multipartThresholdBytes`, a multipart upload of bounded streams, several parts at once), otherwise in base64 chunks (one command each, several at once) joined on the instance; the
 * SHA-256 of what landed is checked against what was sent.
 */
export async function putFile(
  options: PutFileOptions & ({ content: Buffer; file?: undefined } | { file: string; content?: undefined }),
): Promise<FileTransferResult> {
  validate(options);
  const source = await putSource(options);
  const expected = source.sha256;
  const target = shellQuote(options.remotePath);
  const staging = `${options.remotePath}.sizer-put-${randomUUID().slice(0, 8)}`;
  if (options.bucket !== undefined) {
    const s3 = options.s3 as S3Client;
    const key = objectKey(options);
    const threshold = options.multipartThresholdBytes ?? DEFAULT_MULTIPART_THRESHOLD_BYTES;
    let parts = 1;
    if (source.size > threshold) parts = await multipartUpload(options, s3, options.bucket, key, source);
    else await putObject(s3, options.bucket, key, source);
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
      return { bytes: source.size, sha256: expected, via: "s3", commands: 1, parts };
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
