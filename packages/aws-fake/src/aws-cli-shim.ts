import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Where the instances' own S3 requests go: their instance role, not a signed client. */
export const INSTANCE_S3_PREFIX = "/__aws-fake/instance-s3/";

const AWS_CLI_SHIM = `// aws-fake's stand-in for the AWS CLI on a fake instance: \`aws s3 cp SRC DST\`, one side s3://BUCKET/KEY.
import { readFileSync, writeFileSync } from "node:fs";
const [service, command, source, destination] = process.argv.slice(2);
const endpoint = process.env.AWS_FAKE_ENDPOINT;
function fail(message) { process.stderr.write(message + "\\n"); process.exit(1); }
if (service !== "s3" || command !== "cp" || !source || !destination) fail("aws-fake: only 'aws s3 cp SRC DST' is available on a fake instance");
function objectUrl(uri) {
  const path = uri.slice(5);
  const slash = path.indexOf("/");
  if (slash <= 0) fail("aws-fake: bad S3 URI " + uri);
  const key = path.slice(slash + 1).split("/").map(encodeURIComponent).join("/");
  return endpoint + "${INSTANCE_S3_PREFIX}" + encodeURIComponent(path.slice(0, slash)) + "/" + key;
}
await (async () => {
  if (source.startsWith("s3://")) {
    const response = await fetch(objectUrl(source));
    if (!response.ok) fail("fatal error: An error occurred (" + response.status + ") when calling the HeadObject operation: " + (await response.text()));
    writeFileSync(destination, Buffer.from(await response.arrayBuffer()));
    process.stdout.write("download: " + source + " to " + destination + "\\n");
  } else if (destination.startsWith("s3://")) {
    let body;
    try { body = readFileSync(source); } catch (error) { fail("The user-provided path " + source + " does not exist."); }
    const response = await fetch(objectUrl(destination), { method: "PUT", body });
    if (!response.ok) fail("upload failed: " + source + " to " + destination + " An error occurred (" + response.status + "): " + (await response.text()));
    process.stdout.write("upload: " + source + " to " + destination + "\\n");
  } else fail("aws-fake: one side of 'aws s3 cp' must be s3://");
})();
`;

/** Writes the `aws` stand-in into `root/bin` and returns that folder, to put first in the scripts' PATH. */
export function installAwsCliShim(root: string): string {
  const binDirectory = join(root, "bin");
  mkdirSync(binDirectory, { recursive: true });
  writeFileSync(join(binDirectory, "aws-cli-shim.mjs"), AWS_CLI_SHIM);
  writeFileSync(join(binDirectory, "aws"), '#!/bin/sh\nexec node "$(dirname "$0")/aws-cli-shim.mjs" "$@"\n');
  chmodSync(join(binDirectory, "aws"), 0o755);
  return binDirectory;
}
