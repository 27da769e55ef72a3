import { createHash, createHmac } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** A fake AWS account's access key pair; the fake accepts requests signed with it and nothing else. */
export interface FakeCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** What a request must carry to be checked: its raw target (path and query), headers and body. */
export interface SignedRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Why a signature was refused, or who signed it and for which region and service. */
export type SignatureCheck =
  | { ok: true; accessKeyId: string; region: string; service: string }
  | {
      ok: false;
      reason: "missing" | "malformed" | "unknown-key" | "mismatch" | "bad-region";
      service?: string;
    };

const ALGORITHM = "AWS4-HMAC-SHA256";

/** RFC 3986 percent-encoding, as SigV4 wants it (`encodeURIComponent` leaves `!'()*` alone). */
export function escapeUri(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

function canonicalPath(path: string, service: string): string {
  // S3 signs the path as sent; every other service signs it percent-encoded once more.
  if (service === "s3") return path || "/";
  return (
    path
      .split("/")
      .map((segment) => escapeUri(segment))
      .join("/") || "/"
  );
}

function canonicalQuery(query: string): string {
  const pairs: [string, string][] = [];
  for (const part of query.split("&")) {
    if (part === "") continue;
    const equals = part.indexOf("=");
    const key = decodeURIComponent(equals === -1 ? part : part.slice(0, equals));
    const value = equals === -1 ? "" : decodeURIComponent(part.slice(equals + 1));
    if (key.toLowerCase() === "x-amz-signature") continue;
    pairs.push([escapeUri(key), escapeUri(value)]);
  }
  pairs.sort(([keyA, valueA], [keyB, valueB]) =>
    keyA < keyB ? -1 : keyA > keyB ? 1 : valueA < valueB ? -1 : valueA > valueB ? 1 : 0,
  );
  return pairs.map(([key, value]) => `${key}=${value}`).join("&");
}

/** The region names the fake accepts in a credential scope (a typo such as `us-est-1` is refused, as AWS does). */
export const KNOWN_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "ca-central-1",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-central-1",
  "eu-north-1",
  "eu-south-1",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-south-1",
  "sa-east-1",
];

/**
 * Checks a request's SigV4 `Authorization` header the way AWS does: rebuilds the canonical request
 * from what arrived, derives the signing key from the known secret and compares the signatures.
 */
export function checkSignature(
  request: SignedRequest,
  credentials: readonly FakeCredentials[],
  regions: readonly string[] = KNOWN_REGIONS,
): SignatureCheck {
  const authorization = headerValue(request.headers, "authorization");
  if (authorization === undefined) return { ok: false, reason: "missing" };
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(
      authorization.trim(),
    );
  if (match === null) return { ok: false, reason: "malformed" };
  const [, accessKeyId, date, region, service, signedHeaderList, signature] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const known = credentials.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (known === undefined) return { ok: false, reason: "unknown-key", service };
  if (!regions.includes(region)) return { ok: false, reason: "bad-region", service };
  const amzDate = headerValue(request.headers, "x-amz-date");
  if (amzDate === undefined || !amzDate.startsWith(date)) return { ok: false, reason: "malformed", service };

  const queryStart = request.url.indexOf("?");
  const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const query = queryStart === -1 ? "" : request.url.slice(queryStart + 1);
  const signedHeaders = signedHeaderList.split(";");
  const canonicalHeaders = signedHeaders
    .map((name) => `${name}:${(headerValue(request.headers, name) ?? "").trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const payloadHash = headerValue(request.headers, "x-amz-content-sha256") ?? sha256Hex(request.body);
  const canonicalRequest = [
    request.method,
    canonicalPath(path, service),
    canonicalQuery(query),
    canonicalHeaders,
    signedHeaderList,
    payloadHash,
  ].join("\n");
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, amzDate, scope, sha256Hex(canonicalRequest)].join("\n");
  const signingKey = hmac(
    hmac(hmac(hmac(`AWS4${known.secretAccessKey}`, date), region), service),
    "aws4_request",
  );
  const expected = createHmac("sha256", signingKey).update(stringToSign, "utf8").digest("hex");
  if (expected !== signature) return { ok: false, reason: "mismatch", service };
  return { ok: true, accessKeyId, region, service };
}
