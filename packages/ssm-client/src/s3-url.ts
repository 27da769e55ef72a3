/** Where an object is: its bucket and key. */
export interface S3Location {
  bucket: string;
  key: string;
}

/**
 * Reads the bucket and key out of an S3 object URL as SSM gives them in `StandardOutputUrl`:
 * path style (`https://s3.REGION.amazonaws.com/BUCKET/KEY`, or any other host with the bucket as
 * the first path segment) or virtual-hosted style (`https://BUCKET.s3.REGION.amazonaws.com/KEY`).
 */
export function parseS3Url(url: string): S3Location | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const segments = parsed.pathname
    .split("/")
    .slice(1)
    .map((segment) => decodeURIComponent(segment));
  const virtualHost = /^(.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$/.exec(parsed.hostname);
  if (virtualHost !== null) {
    const key = segments.join("/");
    return key === "" ? undefined : { bucket: virtualHost[1] as string, key };
  }
  const [bucket, ...key] = segments;
  if (bucket === undefined || bucket === "" || key.length === 0) return undefined;
  return { bucket, key: key.join("/") };
}
