#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { type FaultPlan, parseFaultPlan } from "./faults.js";
import { DEFAULT_FAKE_CREDENTIALS, startAwsFake } from "./server.js";

const USAGE = `Usage: aws-fake [options]

AWS SSM (JSON 1.1), EC2 (Query/XML) and S3 (REST/XML, path style) on 127.0.0.1, for tests.
Requests must be SigV4-signed with the fake key pair printed at start; commands really run with sh,
one working folder per fake instance. Prints the environment to point the AWS CLI, the SDKs or
sizer-ssm at it, then runs until interrupted.

  --port N            port on 127.0.0.1 (default: any free port)
  --instances N       pre-register N running, SSM-managed instances tagged as sizer's service nodes
  --instance-type T   their instance type (default t3.micro)
  --bucket NAME       an S3 bucket that exists from the start (repeatable)
  --region REGION     the region in URLs and ARNs (default us-east-1)
  --public-ip ADDRESS the public IP every instance reports, e.g. 127.0.0.1: commands run on this
                      machine, so a server a command starts is then reachable at the instance's address
  --faults JSON|@FILE scripted faults, e.g. '{"invocationRaceMs":800,"throttle":{"GetCommandInvocation":{"perSecond":20}}}'
                      (invocationRaceMs, throttle, agentNeverOnline, vanishMidCommand, capacityErrors,
                      deliveryDelayMs, outputLimit, errorOutputLimit)
  -h, --help          this text
`;

function fail(message: string): never {
  process.stderr.write(`aws-fake: ${message}\n`);
  process.exit(2);
}

function wholeNumber(value: string | undefined, flag: string, maximum: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > maximum)
    fail(`--${flag} must be a whole number from 0 to ${maximum}, got ${JSON.stringify(value)}`);
  return Number(value);
}

let parsed: ReturnType<typeof parseArgs>;
try {
  parsed = parseArgs({
    options: {
      port: { type: "string" },
      instances: { type: "string" },
      "instance-type": { type: "string" },
      bucket: { type: "string", multiple: true },
      region: { type: "string" },
      "public-ip": { type: "string" },
      faults: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
} catch (error) {
  fail((error as Error).message);
}
const values = parsed.values as Record<string, string | string[] | boolean | undefined>;
if (values.help === true) {
  process.stdout.write(USAGE);
  process.exit(0);
}
let faults: FaultPlan = {};
if (typeof values.faults === "string") {
  const text = values.faults.startsWith("@") ? readFileSync(values.faults.slice(1), "utf8") : values.faults;
  try {
    faults = parseFaultPlan(JSON.parse(text));
  } catch (error) {
    fail(`--faults: ${(error as Error).message}`);
  }
}
if (typeof values["public-ip"] === "string" && !/^\d{1,3}(\.\d{1,3}){3}$/.test(values["public-ip"]))
  fail(`--public-ip must be an IPv4 address such as 127.0.0.1, got ${JSON.stringify(values["public-ip"])}`);
const port = wholeNumber(values.port as string | undefined, "port", 65535);
const instances = wholeNumber(values.instances as string | undefined, "instances", 1000);
try {
  const fake = await startAwsFake({
    faults,
    ...(port === undefined ? {} : { port }),
    ...(instances === undefined ? {} : { instances }),
    ...(typeof values["instance-type"] === "string" ? { instanceType: values["instance-type"] } : {}),
    ...(typeof values.region === "string" ? { region: values.region } : {}),
    ...(Array.isArray(values.bucket) ? { buckets: values.bucket } : {}),
    ...(typeof values["public-ip"] === "string" ? { publicIpAddress: values["public-ip"] } : {}),
  });
  process.stdout.write(
    [
      `export AWS_ENDPOINT_URL=${fake.endpoint}`,
      `export AWS_REGION=${fake.region}`,
      `export AWS_ACCESS_KEY_ID=${DEFAULT_FAKE_CREDENTIALS.accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${DEFAULT_FAKE_CREDENTIALS.secretAccessKey}`,
      `# aws-fake: ${fake.fleet.instances.size} instance(s) online; these keys are the fake's and open nothing on AWS`,
      "",
    ].join("\n"),
  );
  const stop = () => {
    void fake.close().then(() => process.exit(0));
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
} catch (error) {
  fail((error as Error).message);
}
