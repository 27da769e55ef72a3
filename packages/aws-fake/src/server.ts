import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { installAwsCliShim } from "./aws-cli-shim.js";
import { installDockerProcessShim, type ProcessImage, stopProcessContainers } from "./docker-process-shim.js";
import { Ec2Service } from "./ec2-service.js";
import { type FaultPlan, Throttler } from "./faults.js";
import {
  FAKE_AMI_PARAMETERS,
  FAKE_INSTANCE_TYPES,
  type FakeInstance,
  type FakeInstanceType,
  Fleet,
  SSM_CORE_POLICY,
} from "./fleet.js";
import { createRequestListener, type FakeCredentialEntry } from "./request-router.js";
import { type PayloadMode, S3Service, S3Store } from "./s3-service.js";
import { type FakeCredentials, KNOWN_REGIONS } from "./sigv4.js";
import { SsmService } from "./ssm-service.js";

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
  /**
   * The public IP address every instance reports (default none). Commands run on this machine, so
   * `127.0.0.1` makes a server an instance's command starts reachable at the instance's address.
   */
  publicIpAddress?: string;
  /** The folder holding the instances' working folders (default: a new temporary folder, removed on close). */
  directory?: string;
  /**
   * Where no Docker engine answers: the images the nodes' `docker` runs as plain processes, by
   * name. Given, the nodes' scripts find a `docker` stand-in first in their PATH (never the real
   * one): `run` starts the image's command (pinned with taskset to `--cpuset-cpus`) and says on
   * stderr that no container is used; `stats`, `logs`, `wait`, `rm`, `ps`, `inspect` follow it.
   * Absent (the default): the nodes use this machine's engine.
   */
  processImages?: Record<string, ProcessImage>;
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
  /**
   * The `docker` command the nodes run: `docker` (this machine's engine), or the path of the
   * stand-in that runs {@link AwsFakeOptions.processImages} as processes.
   */
  docker: string;
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

/** The options that need checking, checked (a `TypeError` names the bad one). */
function checkedOptions(options: AwsFakeOptions): {
  credentials: FakeCredentialEntry[];
  region: string;
  instanceCount: number;
  instanceType: FakeInstanceType;
} {
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
  return { credentials, region, instanceCount, instanceType };
}

/** Pre-registers running, SSM-managed instances named `aws-fake-1`, `aws-fake-2`... */
function registerInstances(
  fleet: Fleet,
  count: number,
  instanceType: FakeInstanceType,
  tags: Readonly<Record<string, string>>,
): void {
  const image = FAKE_AMI_PARAMETERS[
    `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${instanceType.architecture}`
  ] as { imageId: string };
  for (let index = 0; index < count; index++) {
    fleet.add({
      instanceType: instanceType.instanceType,
      imageId: image.imageId,
      architecture: instanceType.architecture,
      tags: { ...tags, Name: `aws-fake-${index + 1}` },
      instanceProfile: "sizer-ssm",
      state: "running",
      agentOnline: true,
    });
  }
}

async function listenOnLoopback(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Starts the fake on 127.0.0.1: SSM (JSON 1.1), EC2 (Query/XML) and S3 (REST/XML, path style) on
 * one port, every request's SigV4 signature checked against the configured keys, commands run for
 * real with `sh` in a working folder per instance.
 */
export async function startAwsFake(options: AwsFakeOptions = {}): Promise<AwsFake> {
  const { credentials, region, instanceCount, instanceType } = checkedOptions(options);
  const faults = options.faults ?? {};
  const ownDirectory = options.directory === undefined;
  const root = options.directory ?? mkdtempSync(join(tmpdir(), "aws-fake-"));
  const binDirectory = installAwsCliShim(root);
  const dockerState = options.processImages
    ? installDockerProcessShim(root, options.processImages)
    : undefined;

  const fleet = new Fleet(root, options.instanceProfiles ?? { "sizer-ssm": [SSM_CORE_POLICY], "no-ssm": [] });
  fleet.terminateDelayMs = options.terminateDelayMs ?? 50;
  fleet.publicIpAddress = options.publicIpAddress;
  const store = new S3Store();
  for (const bucket of options.buckets ?? []) store.createBucket(bucket);
  const throttler = new Throttler(faults.throttle);
  let endpoint = "";
  const environment = (): Record<string, string> => ({
    PATH: [binDirectory, dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(delimiter),
    LANG: "C.UTF-8",
    AWS_FAKE_ENDPOINT: endpoint,
    // The instances' Docker engine is this machine's: reached the way this process reaches it.
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
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
  registerInstances(fleet, instanceCount, instanceType, options.instanceTags ?? DEFAULT_INSTANCE_TAGS);
  const calls = new Map<string, number>();

  const server = createServer(createRequestListener({ credentials, ssm, ec2, s3, calls }));
  const port = await listenOnLoopback(server, options.port ?? 0);
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
    docker: dockerState ? join(binDirectory, "docker") : "docker",
    async close() {
      ssm.close();
      if (dockerState) stopProcessContainers(dockerState);
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
