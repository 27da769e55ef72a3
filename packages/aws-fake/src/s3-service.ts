import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { crc32 } from "node:zlib";
import type { Throttler } from "./faults.js";
import { AwsError, escapeXml, requestId, s3Error, type WireResponse } from "./wire.js";

/** One stored object. */
export interface FakeObject {
  body: Buffer;
  etag: string;
  lastModified: Date;
  contentType: string;
}

/** The fake's buckets and objects, in memory. */
export class S3Store {
  readonly buckets = new Map<string, Map<string, FakeObject>>();

  /** Creates a bucket (no-op when it exists). */
  createBucket(bucket: string): void {
    if (!this.buckets.has(bucket)) this.buckets.set(bucket, new Map());
  }

  /** Whether the bucket exists. */
  hasBucket(bucket: string): boolean {
    return this.buckets.has(bucket);
  }

  /** Stores an object; the bucket must exist. */
  put(bucket: string, key: string, body: Buffer, contentType = "binary/octet-stream"): FakeObject {
    const objects = this.buckets.get(bucket);
    if (objects === undefined) throw new AwsError("NoSuchBucket", "The specified bucket does not exist", 404);
    const stored: FakeObject = {
      body,
      etag: `"${createHash("md5").update(body).digest("hex")}"`,
      lastModified: new Date(),
      contentType,
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
}

function crc32Base64(data: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(data) >>> 0);
  return value.toString("base64");
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
    if (key === "") {
      if (method === "PUT") return "CreateBucket";
      if (method === "HEAD") return "HeadBucket";
      if (method === "GET" && query.get("list-type") === "2") return "ListObjectsV2";
    } else {
      if (method === "PUT" && !query.has("uploadId")) return "PutObject";
      if (method === "GET") return "GetObject";
      if (method === "HEAD") return "HeadObject";
      if (method === "DELETE") return "DeleteObject";
    }
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
          responseHeaders["x-amz-checksum-crc32"] = crc32Base64(stored.body);
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
        throw new AwsError("NotImplemented", "Not implemented", 501);
    }
  }
}
