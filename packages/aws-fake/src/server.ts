import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { Ec2Service } from "./ec2-service.js";
import { type FaultPlan, Throttler } from "./faults.js";
import {
  FAKE_AMI_PARAMETERS,
  FAKE_INSTANCE_TYPES,
  type FakeInstance,
  Fleet,
  SSM_CORE_POLICY,
} from "./fleet.js";
import { type PayloadMode, S3Service, S3Store } from "./s3-service.js";
import { checkSignature, type FakeCredentials, KNOWN_REGIONS, type SignatureCheck } from "./sigv4.js";
import { FAKE_ACCOUNT_ID, SsmService } from "./ssm-service.js";
import { AwsError, ec2Error, jsonError, s3Error, type WireResponse } from "./wire.js";

/** A fake credential, optionally denied some IAM actions (`ssm:SendCommand`, `ec2:RunInstances`...). */
export interface FakeCredentialEntry extends FakeCredentials {
  /** IAM actions this key is not allowed to call; the fake answers with the service's access-denied error. */
  deny?: string[];
}

/** Options of {@link startAwsFake}; every one has a default. */
export interface AwsFakeOptions {
  /** The port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** The keys requests must be signed with (default: {@link DEFAULT_FAKE_CREDENTIALS}). */
  credentials?: FakeCredentialEntry[];
  /** The region the fake reports in URLs and ARNs (default `us-east-1`); any known region is accepted in signatures. */
  region?: string;
  /** How many running, SSM-managed instances to pre-register (default 0). */
  instances?: number;
  /** The tags of the pre-registered instances (default: sizer's service-node tags, see {@link DEFAULT_INSTANCE_TAGS}). */
  instanceTags?: Record<string, string>;
  /** Instance type of the pre-registered instances (default `t3.micro`). */
  instanceType?: string;
  /** Instance profile names and their role's managed policies (default: `sizer-ssm` with AmazonSSMManagedInstanceCore, `no-ssm` with none). */
  instanceProfiles?: Record<string, string[]>;
  /** Buckets that exist from the start. */
  buckets?: string[];
  /** Scripted faults. */
  faults?: FaultPlan;
  /** Milliseconds from RunInstances to `running` (default 50). */
  launchDelayMs?: number;
  /** Milliseconds from `running` to the SSM agent being `Online` (default 100). */
  agentDelayMs?: number;
  /** Milliseconds an instance stays `shutting-down` before `terminated` (default 50); its security groups cannot be deleted meanwhile. */
  terminateDelayMs?: number;
  /** The folder holding the instances' working folders (default: a new temporary folder, removed on close). */
  directory?: string;
}

/** A running fake. */
export interface AwsFake {
  /** `http://127.0.0.1:PORT`: give it to the SDK clients as `endpoint` (S3 with `forcePathStyle: true`). */
  endpoint: string;
  port: number;
  region: string;
  /** The first configured key pair. */
  credentials: FakeCredentials;
  fleet: Fleet;
  ssm: SsmService;
  store: S3Store;
  throttler: Throttler;
  /** Every request the fake received, by operation (for tests and benchmarks). */
  calls: Map<string, number>;
  /** How many S3 uploads arrived `aws-chunked`, `signed` or `unsigned`. */
  s3PayloadModes: Map<PayloadMode, number>;
  /** Stops the server, kills running scripts and removes the temporary folder. */
  close(): Promise<void>;
}

/** The key pair a fake accepts when none is configured. Fake values: they open nothing anywhere. */
export const DEFAULT_FAKE_CREDENTIALS: FakeCredentials = {
  accessKeyId: "AKIAFAKE0000EXAMPLE1",
  secretAccessKey: "fake/Secret+Key0000000000000000000EXAMPLE",
};

/** The tags of pre-registered instances: what sizer's service nodes carry. */
export const DEFAULT_INSTANCE_TAGS: Readonly<Record<string, string>> = {
  "sizer:role": "service",
  "sizer:run-id": "aws-fake",
  "sizer:creator": "aws-fake",
};

const INSTANCE_S3_PREFIX = "/__aws-fake/instance-s3/";

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

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(response: ServerResponse, answer: WireResponse): void {
  const body = typeof answer.body === "string" ? Buffer.from(answer.body, "utf8") : answer.body;
  response.writeHead(answer.status, { "content-length": String(body.length), ...answer.headers });
  response.end(body);
}

type Protocol = "ssm" | "ec2" | "s3";

function protocolOf(request: IncomingMessage, body: Buffer): Protocol {
  const target = request.headers["x-amz-target"];
  if (typeof target === "string" && target.startsWith("AmazonSSM.")) return "ssm";
  if (
    request.method === "POST" &&
    request.url === "/" &&
    String(request.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded") &&
    body.toString("utf8", 0, 7) === "Action="
  ) {
    return "ec2";
  }
  return "s3";
}

function operationOf(protocol: Protocol, request: IncomingMessage, body: Buffer): string {
  if (protocol === "ssm") return String(request.headers["x-amz-target"]).slice("AmazonSSM.".length);
  if (protocol === "ec2") return new URLSearchParams(body.toString("utf8")).get("Action") ?? "";
  const path = (request.url ?? "/").split("?")[0] ?? "/";
  const hasKey = path.split("/").filter(Boolean).length > 1;
  const method = request.method ?? "GET";
  if (!hasKey) return method === "PUT" ? "CreateBucket" : method === "HEAD" ? "HeadBucket" : "ListBucket";
  return { PUT: "PutObject", GET: "GetObject", HEAD: "GetObject", DELETE: "DeleteObject" }[method] ?? method;
}

const REJECTIONS: Record<Protocol, Record<Exclude<SignatureCheck, { ok: true }>["reason"], AwsError>> = {
  ssm: {
    missing: new AwsError("MissingAuthenticationTokenException", "Missing Authentication Token"),
    malformed: new AwsError(
      "IncompleteSignatureException",
      "The request signature does not conform to AWS standards.",
    ),
    "unknown-key": new AwsError(
      "UnrecognizedClientException",
      "The security token included in the request is invalid.",
    ),
    mismatch: new AwsError(
      "InvalidSignatureException",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
    ),
    "bad-region": new AwsError("InvalidSignatureException", "Credential should be scoped to a valid region."),
  },
  ec2: {
    missing: new AwsError("AuthFailure", "AWS was not able to validate the provided access credentials", 401),
    malformed: new AwsError(
      "AuthFailure",
      "AWS was not able to validate the provided access credentials",
      401,
    ),
    "unknown-key": new AwsError(
      "AuthFailure",
      "AWS was not able to validate the provided access credentials",
      401,
    ),
    mismatch: new AwsError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
      403,
    ),
    "bad-region": new AwsError("AuthFailure", "Credential should be scoped to a valid region.", 401),
  },
  s3: {
    missing: new AwsError("AccessDenied", "Access Denied", 403),
    malformed: new AwsError("AuthorizationHeaderMalformed", "The authorization header is malformed.", 400),
    "unknown-key": new AwsError(
      "InvalidAccessKeyId",
      "The AWS Access Key Id you provided does not exist in our records.",
      403,
    ),
    mismatch: new AwsError(
      "SignatureDoesNotMatch",
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      403,
    ),
    "bad-region": new AwsError(
      "AuthorizationHeaderMalformed",
      "The authorization header is malformed; the region is wrong.",
      400,
    ),
  },
};

function denied(protocol: Protocol, action: string): AwsError {
  const who = `User: arn:aws:iam::${FAKE_ACCOUNT_ID}:user/aws-fake is not authorized to perform: ${action}`;
  if (protocol === "ssm")
    return new AwsError(
      "AccessDeniedException",
      `${who} because no identity-based policy allows the ${action} action`,
    );
  if (protocol === "ec2")
    return new AwsError(
      "UnauthorizedOperation",
      `You are not authorized to perform this operation. ${who}`,
      403,
    );
  return new AwsError("AccessDenied", "Access Denied", 403);
}

function errorResponse(protocol: Protocol, error: AwsError): WireResponse {
  if (protocol === "ssm") return jsonError(error);
  if (protocol === "ec2") return ec2Error(error);
  return s3Error(error);
}

/**
 * Starts the fake on 127.0.0.1: SSM (JSON 1.1), EC2 (Query/XML) and S3 (REST/XML, path style) on
 * one port, every request's SigV4 signature checked against the configured keys, commands run for
 * real with `sh` in a working folder per instance.
 */
export async function startAwsFake(options: AwsFakeOptions = {}): Promise<AwsFake> {
  const credentials: FakeCredentialEntry[] = options.credentials ?? [DEFAULT_FAKE_CREDENTIALS];
  if (credentials.length === 0) throw new TypeError("credentials must list at least one key pair");
  const region = options.region ?? "us-east-1";
  if (!KNOWN_REGIONS.includes(region))
    throw new TypeError(`region ${JSON.stringify(region)} is not a known AWS region`);
  const instanceCount = options.instances ?? 0;
  if (!Number.isInteger(instanceCount) || instanceCount < 0 || instanceCount > 1000) {
    throw new TypeError(`instances must be a whole number from 0 to 1000, got ${String(options.instances)}`);
  }
  const instanceType = FAKE_INSTANCE_TYPES.find(
    (type) => type.instanceType === (options.instanceType ?? "t3.micro"),
  );
  if (instanceType === undefined) {
    throw new TypeError(
      `instanceType must be one of ${FAKE_INSTANCE_TYPES.map((type) => type.instanceType).join(", ")}`,
    );
  }
  const faults = options.faults ?? {};
  const ownDirectory = options.directory === undefined;
  const root = options.directory ?? mkdtempSync(join(tmpdir(), "aws-fake-"));
  const binDirectory = join(root, "bin");
  mkdirSync(binDirectory, { recursive: true });
  writeFileSync(join(binDirectory, "aws-cli-shim.mjs"), AWS_CLI_SHIM);
  writeFileSync(join(binDirectory, "aws"), '#!/bin/sh\nexec node "$(dirname "$0")/aws-cli-shim.mjs" "$@"\n');
  chmodSync(join(binDirectory, "aws"), 0o755);

  const fleet = new Fleet(root, options.instanceProfiles ?? { "sizer-ssm": [SSM_CORE_POLICY], "no-ssm": [] });
  fleet.terminateDelayMs = options.terminateDelayMs ?? 50;
  const store = new S3Store();
  for (const bucket of options.buckets ?? []) store.createBucket(bucket);
  const throttler = new Throttler(faults.throttle);
  let endpoint = "";
  const environment = (): Record<string, string> => ({
    PATH: [binDirectory, dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(delimiter),
    LANG: "C.UTF-8",
    AWS_FAKE_ENDPOINT: endpoint,
  });
  const ssm = new SsmService({ fleet, store, faults, throttler, region, environment });
  const ec2 = new Ec2Service({
    fleet,
    faults,
    throttler,
    region,
    launchDelayMs: options.launchDelayMs ?? 50,
    agentDelayMs: options.agentDelayMs ?? 100,
  });
  const s3 = new S3Service(store, throttler);
  const image = FAKE_AMI_PARAMETERS[
    `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${instanceType.architecture}`
  ] as { imageId: string };
  for (let index = 0; index < instanceCount; index++) {
    fleet.add({
      instanceType: instanceType.instanceType,
      imageId: image.imageId,
      architecture: instanceType.architecture,
      tags: { ...(options.instanceTags ?? DEFAULT_INSTANCE_TAGS), Name: `aws-fake-${index + 1}` },
      instanceProfile: "sizer-ssm",
      state: "running",
      agentOnline: true,
    });
  }
  const calls = new Map<string, number>();

  const server: Server = createServer((request, response) => {
    void (async () => {
      const body = await readBody(request);
      const url = request.url ?? "/";
      if (url.startsWith(INSTANCE_S3_PREFIX)) {
        // The instances' own S3 access (their instance role), used by the `aws s3 cp` stand-in.
        const answer = s3.handle(
          request.method ?? "GET",
          `/${url.slice(INSTANCE_S3_PREFIX.length)}`,
          {},
          body,
        );
        send(response, answer);
        return;
      }
      const protocol = protocolOf(request, body);
      const operation = operationOf(protocol, request, body);
      calls.set(operation, (calls.get(operation) ?? 0) + 1);
      const check = checkSignature(
        { method: request.method ?? "GET", url, headers: request.headers, body },
        credentials,
      );
      if (!check.ok) {
        send(response, errorResponse(protocol, REJECTIONS[protocol][check.reason]));
        return;
      }
      const action = `${protocol}:${operation}`;
      const entry = credentials.find((candidate) => candidate.accessKeyId === check.accessKeyId);
      if (entry?.deny?.includes(action)) {
        send(response, errorResponse(protocol, denied(protocol, action)));
        return;
      }
      if (protocol === "ssm") send(response, await ssm.handle(operation, body));
      else if (protocol === "ec2") send(response, ec2.handle(body));
      else send(response, s3.handle(request.method ?? "GET", url, request.headers, body));
    })().catch((error: unknown) => {
      if (!response.headersSent) {
        send(response, jsonError(new AwsError("InternalServerError", `aws-fake: ${String(error)}`, 500)));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  endpoint = `http://127.0.0.1:${port}`;
  const first = credentials[0] as FakeCredentials;

  return {
    endpoint,
    port,
    region,
    credentials: { accessKeyId: first.accessKeyId, secretAccessKey: first.secretAccessKey },
    fleet,
    ssm,
    store,
    throttler,
    calls,
    s3PayloadModes: s3.payloadModes,
    async close() {
      ssm.close();
      ec2.close();
      fleet.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (ownDirectory) rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** The instances of a fake that are running with their agent online. */
export function managedInstances(fake: AwsFake): FakeInstance[] {
  return [...fake.fleet.instances.values()].filter(
    (instance) => instance.state === "running" && instance.agentOnline,
  );
}
