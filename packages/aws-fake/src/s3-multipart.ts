import { createHash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";
import { AwsError } from "./wire.js";

/** S3's smallest part, except the last one: 5 MiB. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's highest part number. */
export const MAX_PART_NUMBER = 10_000;

/** The base64 big-endian CRC32 of `data`, as S3 writes `x-amz-checksum-crc32`. */
export function crc32Base64(data: Buffer): string {
  const value = Buffer.alloc(4);
  value.writeUInt32BE(crc32(data) >>> 0);
  return value.toString("base64");
}

/** One uploaded part. */
export interface FakePart {
  body: Buffer;
  /** `"<md5 hex>"`, as S3 quotes it. */
  etag: string;
  crc32: string;
}

/** A multipart upload in progress. */
export interface FakeUpload {
  uploadId: string;
  bucket: string;
  key: string;
  contentType: string;
  /** `CRC32` when CreateMultipartUpload asked for it: every part of the completion must then carry its checksum. */
  checksumAlgorithm: "CRC32" | undefined;
  parts: Map<number, FakePart>;
  initiated: Date;
}

/** One `<Part>` of a CompleteMultipartUpload body. */
export interface CompletedPart {
  partNumber: number;
  etag: string;
  checksumCrc32: string | undefined;
}

/** What a completion assembles: the object's bytes, its multipart ETag and composite checksum. */
export interface AssembledObject {
  body: Buffer;
  etag: string;
  checksumCrc32: string | undefined;
}

/** A new upload id (S3's are long opaque strings). */
export function newUploadId(): string {
  return randomBytes(48).toString("base64url");
}

/** S3's answer to an unknown, aborted or completed upload id. */
export function noSuchUpload(): AwsError {
  return new AwsError(
    "NoSuchUpload",
    "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
    404,
  );
}

const MALFORMED_XML = (): AwsError =>
  new AwsError(
    "MalformedXML",
    "The XML you provided was not well-formed or did not validate against our published schema",
  );

function unescapeXml(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);/g, (_, entity: string) => {
    if (entity.startsWith("#x")) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)));
    return named[entity] as string;
  });
}

/** Reads the `<Part>` list of a CompleteMultipartUpload body, in the order given. */
export function parseCompletion(xml: string): CompletedPart[] {
  if (!/<CompleteMultipartUpload[\s>]/.test(xml)) throw MALFORMED_XML();
  const parts: CompletedPart[] = [];
  for (const [, inner = ""] of xml.matchAll(/<Part>([\s\S]*?)<\/Part>/g)) {
    const field = (name: string): string | undefined => {
      const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(inner);
      return match === null ? undefined : unescapeXml(match[1] as string);
    };
    const partNumber = Number(field("PartNumber"));
    const etag = field("ETag");
    if (!Number.isInteger(partNumber) || etag === undefined) throw MALFORMED_XML();
    parts.push({ partNumber, etag, checksumCrc32: field("ChecksumCRC32") });
  }
  if (parts.length === 0) throw MALFORMED_XML();
  return parts;
}

const unquoted = (etag: string): string => etag.replace(/^"|"$/g, "");

/**
 * Checks a completion as S3 does (part numbers ascending, each part uploaded with that ETag and,
 * for a CRC32 upload, that checksum; every part but the last at least 5 MiB) and joins the parts.
 * The ETag is S3's multipart form: the MD5 of the parts' binary MD5s, `-<count>`.
 */
export function assemble(upload: FakeUpload, completed: readonly CompletedPart[]): AssembledObject {
  let previous = 0;
  for (const entry of completed) {
    if (entry.partNumber <= previous) {
      throw new AwsError(
        "InvalidPartOrder",
        "The list of parts was not in ascending order. The parts list must be specified in order by part number.",
      );
    }
    previous = entry.partNumber;
  }
  const chosen = completed.map((entry, index) => {
    const part = upload.parts.get(entry.partNumber);
    if (part === undefined || unquoted(part.etag) !== unquoted(entry.etag)) {
      throw new AwsError(
        "InvalidPart",
        "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.",
      );
    }
    if (upload.checksumAlgorithm === "CRC32") {
      if (entry.checksumCrc32 === undefined) {
        throw new AwsError(
          "InvalidRequest",
          `The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part ${entry.partNumber} in the request.`,
        );
      }
      if (entry.checksumCrc32 !== part.crc32) {
        throw new AwsError(
          "InvalidPart",
          `One or more of the specified parts could not be found. The part might not have been uploaded, or the specified checksum might not have matched the part's checksum (part ${entry.partNumber}).`,
        );
      }
    }
    if (index < completed.length - 1 && part.body.length < MIN_PART_BYTES) {
      throw new AwsError(
        "EntityTooSmall",
        "Your proposed upload is smaller than the minimum allowed object size.",
      );
    }
    return part;
  });
  const md5s = Buffer.concat(chosen.map((part) => Buffer.from(unquoted(part.etag), "hex")));
  const crcs = Buffer.concat(chosen.map((part) => Buffer.from(part.crc32, "base64")));
  return {
    body: Buffer.concat(chosen.map((part) => part.body)),
    etag: `"${createHash("md5").update(md5s).digest("hex")}-${chosen.length}"`,
    checksumCrc32: upload.checksumAlgorithm === "CRC32" ? `${crc32Base64(crcs)}-${chosen.length}` : undefined,
  };
}
