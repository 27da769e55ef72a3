import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Throttler } from "./faults.js";
import {
  assemble,
  crc32Base64,
  type FakeUpload,
  MAX_PART_NUMBER,
  newUploadId,
  noSuchUpload,
  parseCompletion,
} from "./s3-multipart.js";
import { AwsError, escapeXml, requestId, s3Error, type WireResponse } from "./wire.js";

/** One stored object. */
export interface FakeObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
  /** The composite CRC32 (`<base64>-<parts>`) of an object assembled from CRC32 parts. */
  checksumCrc32?: string;
}

/** The fake's buckets and objects, in memory. */
export class S3Store {
  readonly buckets = new Map<string, Map<string, FakeObject>>();
  /** Multipart uploads in progress, by upload id. */
  readonly uploads = new Map<string, FakeUpload>();

  /** Creates a bucket (no-op when it exists). */
  createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  /** Whether the bucket exists. */
  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** Stores an object; the bucket must exist. */
  put(
    bucket: string,
    key: string,
    body: Buffer,
    contentType = "binary/octet-stream",
    assembled: { etag: string; checksumCrc32: string | undefined } | undefined = undefined,
  ): FakeObject {
    const objects = this.buckets.get(bucket);
    if (objects === undefined) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404);
    const stored: FakeObject = {
      body,
      etag: assembled?.etag ?? `"${createHash("md5").update(body).digest("hex")}"`,
      lastModified: new Date(),
      contentType,
      ...(assembled?.checksumCrc32 === undefined ? {} : { checksumCrc32: assembled.checksumCrc32 }),
    };
    objects.set(key, stored);
    return stored;
  }

  /** Reads an object, or throws S3's NoSuchBucket / NoSuchKey. */
  get(bucket: string, key: string): FakeObject {
    const objects = this.buckets.get(bucket);
    if (objects === undefined) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404);
    const stored = objects.get(key);
    if (stored === undefined) throw new AwsError("NoSuchKey", "The specified key does not exist.", 404);
    return stored;
  }

  /** The upload with this id, for this bucket and key, or S3's NoSuchUpload. */
  upload(bucket: string, key: string, uploadId: string): FakeUpload {
    const upload = this.uploads.get(uploadId);
    if (upload === undefined || upload.bucket !== bucket || upload.key !== key) throw noSuchUpload();
    return upload;
  }
}

/**
 * The S3 operation a path-style request calls (`PutObject`, `UploadPart`...), from its method,
 * key and query; `undefined` for one the fake does not serve.
 */
export function s3Operation(method: string, key: string, query: URLSearchParams): string | undefined {
  if (key === "") {
    if (method === "PUT") return "CreateBucket";
    if (method === "HEAD") return "HeadBucket";
    if (method === "GET" && query.get("list-type") === "2") return "ListObjectsV2";
    return undefined;
  }
  if (method === "POST" && query.has("uploads")) return "CreateMultipartUpload";
  if (method === "POST" && query.has("uploadId")) return "CompleteMultipartUpload";
  if (method === "PUT" && query.has("uploadId")) return query.has("partNumber") ? "UploadPart" : undefined;
  if (method === "DELETE" && query.has("uploadId")) return "AbortMultipartUpload";
  if (query.has("uploadId")) return undefined;
  return { PUT: "PutObject", GET: "GetObject", HEAD: "HeadObject", DELETE: "DeleteObject" }[method];
}

/** The IAM action that allows an S3 operation (the multipart calls need `s3:PutObject`, as on AWS). */
export function s3IamAction(operation: string): string {
  const action: Record<string, string> = {
    HeadObject: "GetObject",
    HeadBucket: "ListBucket",
    ListObjectsV2: "ListBucket",
    CreateMultipartUpload: "PutObject",
    UploadPart: "PutObject",
    CompleteMultipartUpload: "PutObject",
  };
  return `s3:${action[operation] ?? operation}`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/** Decodes an `aws-chunked` body (hex sizes, CRLF-framed chunks, then trailer lines). */
export function decodeAwsChunked(body: Buffer): { data: Buffer; trailers: Record<string, string> } {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", offset);
    if (lineEnd === -1) throw new AwsError("IncompleteBody", "The request body terminated unexpectedly");
    const size = Number.parseInt(body.subarray(offset, lineEnd).toString("latin1").split(";")[0] ?? "", 16);
    if (!Number.isFinite(size)) throw new AwsError("InvalidRequest", "Malformed aws-chunked body");
    offset = lineEnd + 2;
    if (size === 0) break;
    chunks.push(body.subarray(offset, offset + size));
    offset += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of body.subarray(offset).toString("latin1").split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailers };
}

/** How an upload's body was sent: `aws-chunked` (with its trailer), `signed` (hex SHA-256) or `unsigned`. */
export type PayloadMode = "aws-chunked" | "signed" | "unsigned";

/** Works out the object bytes of a PutObject and checks every checksum the client sent. */
function payload(headers: IncomingHttpHeaders, body: Buffer, modes: Map<PayloadMode, number>): Buffer {
  const contentHash = header(headers, "x-amz-content-sha256") ?? "";
  const mode: PayloadMode = contentHash.startsWith("STREAMING-")
    ? "aws-chunked"
    : /^[0-9a-f]{64}$/.test(contentHash)
      ? "signed"
      : "unsigned";
  modes.set(mode, (modes.get(mode) ?? 0) + 1);
  let data = body;
  let checksum = header(headers, "x-amz-checksum-crc32");
  if (contentHash.startsWith("STREAMING-")) {
    if (contentHash !== "STREAMING-UNSIGNED-PAYLOAD-TRAILER") {
      throw new AwsError("NotImplemented", `aws-fake does not implement ${contentHash}`, 501);
    }
    const decoded = decodeAwsChunked(body);
    data = decoded.data;
    checksum = decoded.trailers["x-amz-checksum-crc32"] ?? checksum;
    const declared = header(headers, "x-amz-decoded-content-length");
    if (declared !== undefined && Number(declared) !== data.length) {
      throw new AwsError(
        "IncompleteBody",
        "You did not provide the number of bytes specified by the Content-Length HTTP header",
      );
    }
  } else if (/^[0-9a-f]{64}$/.test(contentHash)) {
    if (createHash("sha256").update(body).digest("hex") !== contentHash) {
      throw new AwsError(
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    }
  }
  if (checksum !== undefined && checksum !== crc32Base64(data)) {
    throw new AwsError("BadDigest", "The CRC32 you specified did not match the calculated checksum.");
  }
  const md5 = header(headers, "content-md5");
  if (md5 !== undefined && md5 !== createHash("md5").update(data).digest("base64")) {
    throw new AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.");
  }
  return data;
}

/** S3 over REST/XML, path style: the bucket and object calls files and command outputs use. */
export class S3Service {
  readonly #store: S3Store;
  readonly #throttler: Throttler;
  /** How many uploads arrived in each payload mode. */
  readonly payloadModes = new Map<PayloadMode, number>();

  constructor(store: S3Store, throttler: Throttler) {
    this.#store = store;
    this.#throttler = throttler;
  }

  /** Answers one path-style S3 request (`/bucket/key`). */
  handle(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer): WireResponse {
    const target = new URL(url, "http://aws-fake");
    const [, rawBucket = "", ...rawKey] = target.pathname.split("/");
    const bucket = decodeURIComponent(rawBucket);
    const key = rawKey.map((segment) => decodeURIComponent(segment)).join("/");
    const resource = target.pathname;
    try {
      const operation = this.#operation(method, key, target.searchParams);
      this.#throttler.check("s3", operation);
      return this.#answer(operation, bucket, key, target.searchParams, headers, body);
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      const response = s3Error(error, resource);
      return method === "HEAD" ? { ...response, body: "" } : response;
    }
  }

  #operation(method: string, key: string, query: URLSearchParams): string {
    const operation = s3Operation(method, key, query);
    if (operation !== undefined) return operation;
    throw new AwsError(
      "NotImplemented",
      "A header or query you provided implies functionality that is not implemented",
      501,
    );
  }

  #answer(
    operation: string,
    bucket: string,
    key: string,
    query: URLSearchParams,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): WireResponse {
    const id = requestId();
    const base = { "x-amz-request-id": id };
    switch (operation) {
      case "CreateBucket":
        this.#store.createBucket(bucket);
        return { status: 200, headers: { ...base, location: `/${bucket}` }, body: "" };
      case "HeadBucket":
        if (!this.#store.hasBucket(bucket)) throw new AwsError("NotFound", "Not Found", 404);
        return { status: 200, headers: base, body: "" };
      case "PutObject": {
        const data = payload(headers, body, this.payloadModes);
        const stored = this.#store.put(
          bucket,
          key,
          data,
          header(headers, "content-type") ?? "binary/octet-stream",
        );
        return {
          status: 200,
          headers: { ...base, etag: stored.etag, "x-amz-checksum-crc32": crc32Base64(data) },
          body: "",
        };
      }
      case "GetObject":
      case "HeadObject": {
        const stored = this.#store.get(bucket, key);
        const responseHeaders: Record<string, string> = {
          ...base,
          etag: stored.etag,
          "last-modified": stored.lastModified.toUTCString(),
          "content-type": stored.contentType,
          "content-length": String(stored.body.length),
        };
        if (header(headers, "x-amz-checksum-mode") === "ENABLED") {
          responseHeaders["x-amz-checksum-crc32"] = stored.checksumCrc32 ?? crc32Base64(stored.body);
          if (stored.checksumCrc32 !== undefined) responseHeaders["x-amz-checksum-type"] = "COMPOSITE";
        }
        return { status: 200, headers: responseHeaders, body: operation === "GetObject" ? stored.body : "" };
      }
      case "DeleteObject":
        this.#store.buckets.get(bucket)?.delete(key);
        return { status: 204, headers: base, body: "" };
      case "ListObjectsV2": {
        const objects = this.#store.buckets.get(bucket);
        if (objects === undefined)
          throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404);
        const prefix = query.get("prefix") ?? "";
        const keys = [...objects.keys()]
          .filter((name) => name.startsWith(prefix))
          .sort()
          .slice(0, 1000);
        const contents = keys
          .map((name) => {
            const stored = objects.get(name) as FakeObject;
            return `<Contents><Key>${escapeXml(name)}</Key><LastModified>${stored.lastModified.toISOString()}</LastModified><ETag>${escapeXml(stored.etag)}</ETag><Size>${stored.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
          })
          .join("");
        return {
          status: 200,
          headers: { ...base, "content-type": "application/xml" },
          body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${escapeXml(bucket)}</Name><Prefix>${escapeXml(prefix)}</Prefix><KeyCount>${keys.length}</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>${contents}</ListBucketResult>`,
        };
      }
      default:
        return this.#multipart(operation, bucket, key, query, headers, body);
    }
  }

  /** CreateMultipartUpload, UploadPart, CompleteMultipartUpload and AbortMultipartUpload. */
  #multipart(
    operation: string,
    bucket: string,
    key: string,
    query: URLSearchParams,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): WireResponse {
    const base = { "x-amz-request-id": requestId() };
    const xml = (root: string, members: string): WireResponse => ({
      status: 200,
      headers: { ...base, "content-type": "application/xml" },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${members}</${root}>`,
    });
    const names = `<Bucket>${escapeXml(bucket)}</Bucket><Key>${escapeXml(key)}</Key>`;
    switch (operation) {
      case "CreateMultipartUpload": {
        if (!this.#store.hasBucket(bucket))
          throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404);
        const algorithm = header(headers, "x-amz-checksum-algorithm");
        if (algorithm !== undefined && algorithm.toUpperCase() !== "CRC32") {
          throw new AwsError(
            "NotImplemented",
            `aws-fake does not implement ${algorithm} multipart checksums`,
            501,
          );
        }
        const checksumType = header(headers, "x-amz-checksum-type");
        if (checksumType !== undefined && checksumType !== "COMPOSITE") {
          throw new AwsError("NotImplemented", `aws-fake does not implement ${checksumType} checksums`, 501);
        }
        const upload = {
          uploadId: newUploadId(),
          bucket,
          key,
          contentType: header(headers, "content-type") ?? "binary/octet-stream",
          checksumAlgorithm: algorithm === undefined ? undefined : ("CRC32" as const),
          parts: new Map(),
          initiated: new Date(),
        };
        this.#store.uploads.set(upload.uploadId, upload);
        const answer = xml(
          "InitiateMultipartUploadResult",
          `${names}<UploadId>${upload.uploadId}</UploadId>`,
        );
        if (upload.checksumAlgorithm !== undefined) {
          answer.headers["x-amz-checksum-algorithm"] = upload.checksumAlgorithm;
          answer.headers["x-amz-checksum-type"] = "COMPOSITE";
        }
        return answer;
      }
      case "UploadPart": {
        const upload = this.#store.upload(bucket, key, query.get("uploadId") ?? "");
        const partNumber = Number(query.get("partNumber"));
        if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
          throw new AwsError(
            "InvalidArgument",
            "Part number must be an integer between 1 and 10000, inclusive",
          );
        }
        const data = payload(headers, body, this.payloadModes);
        const part = {
          body: data,
          etag: `"${createHash("md5").update(data).digest("hex")}"`,
          crc32: crc32Base64(data),
        };
        upload.parts.set(partNumber, part);
        return {
          status: 200,
          headers: { ...base, etag: part.etag, "x-amz-checksum-crc32": part.crc32 },
          body: "",
        };
      }
      case "CompleteMultipartUpload": {
        const upload = this.#store.upload(bucket, key, query.get("uploadId") ?? "");
        const assembled = assemble(upload, parseCompletion(body.toString("utf8")));
        const stored = this.#store.put(bucket, key, assembled.body, upload.contentType, assembled);
        this.#store.uploads.delete(upload.uploadId);
        const checksum =
          stored.checksumCrc32 === undefined
            ? ""
            : `<ChecksumCRC32>${stored.checksumCrc32}</ChecksumCRC32><ChecksumType>COMPOSITE</ChecksumType>`;
        return xml(
          "CompleteMultipartUploadResult",
          `<Location>${escapeXml(`http://${bucket}.s3.amazonaws.com/${key}`)}</Location>${names}<ETag>${escapeXml(stored.etag)}</ETag>${checksum}`,
        );
      }
      case "AbortMultipartUpload": {
        const upload = this.#store.upload(bucket, key, query.get("uploadId") ?? "");
        this.#store.uploads.delete(upload.uploadId);
        return { status: 204, headers: base, body: "" };
      }
      default:
        throw new AwsError("NotImplemented", "Not implemented", 501);
    }
  }
}
