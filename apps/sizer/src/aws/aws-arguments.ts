import { existsSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { checkCidr, checkRegion, isInstanceTypeName } from "@sizer/ssm-client";
import { SizerUsageError } from "../errors.js";
import { parseRunArguments } from "../run-arguments.js";
import type { SizerRunOptions } from "../sizer-options.js";
import { readPricesFile } from "./prices.js";

/** What `sizer aws run` was asked, validated. */
export interface AwsRunOptions {
  /** The image pulled on each node, or the `docker save` archive uploaded to it. */
  image: { kind: "registry"; image: string } | { kind: "archive"; file: string };
  /** `--port`: where the container listens (host networking: the node's port). */
  port: number;
  instanceTypes: string[];
  /** `--price TYPE=USD_PER_HOUR`. */
  prices: Record<string, number>;
  /** `--terminate`: remove what the run launched at the end; default keep it for the next run. */
  terminate: boolean;
  yes: boolean;
  /** `--instance-profile` (default `sizer-node`): its role needs AmazonSSMManagedInstanceCore. */
  instanceProfile: string;
  region?: string | undefined;
  /** `--bucket`: files (the image archive, metrics) go through it instead of in chunks. */
  bucket?: string | undefined;
  subnetId?: string | undefined;
  securityGroupIds?: string[] | undefined;
  /** `--allow-from CIDR` (repeatable): who may reach `port` through the security group sizer creates. */
  allowFrom: string[];
  /** `--max-lifetime` minutes (default 120): the nodes shut themselves down then. */
  maxLifetimeMinutes: number;
  /** `--online-timeout` seconds for the SSM agent (default 600). */
  onlineTimeoutSeconds: number;
  /** The `sizer run` options each instance type is sized with (service: the node's URL, set per node). */
  run: SizerRunOptions;
  /**
   * `--loaders N`: the load runs from N loader nodes per instance type instead of this machine, each
   * with its share of the workers, stopped by one global sizing decision, their results merged exactly. `--loader-type` (default c6i.large) and
   * `--loader-command` (how loadcore runs there, {@link DEFAULT_LOADER_COMMAND} by the scenario's kind),
   * `--loader-start-margin` (seconds from sending the loaders' commands to their agreed start, default 10).
   */
  loaders?: { count: number; instanceType: string; command: string; startMarginSeconds: number } | undefined;
}

/** `--loader-start-margin`'s default: seconds from sending the loaders' commands to their agreed start. */
export const DEFAULT_LOADER_START_MARGIN_SECONDS = 10;

/**
 * `--loader-command`'s default, from the npm registry (the node needs Node.js 20 or later): loadcore
 * for a scenario file (`--scenario`), moloslave for a test of a Git repo (`--repo`, `--test`).
 */
export const DEFAULT_LOADER_COMMAND = {
  file: "npx -y @sizer/loadcore",
  repo: "npx -y @sizer/moloslave",
} as const;

/** The flags of `sizer aws run` on top of `sizer run`'s load, scenario and report flags. */
const AWS_FLAGS: Record<string, { value: boolean; multiple?: boolean }> = {
  "--image": { value: true },
  "--image-file": { value: true },
  "--instance-types": { value: true },
  "--price": { value: true, multiple: true },
  "--prices": { value: true },
  "--keep": { value: false },
  "--terminate": { value: false },
  "--yes": { value: false },
  "--instance-profile": { value: true },
  "--region": { value: true },
  "--bucket": { value: true },
  "--subnet": { value: true },
  "--security-group": { value: true, multiple: true },
  "--allow-from": { value: true, multiple: true },
  "--max-lifetime": { value: true },
  "--online-timeout": { value: true },
  "--port": { value: true },
  "--loaders": { value: true },
  "--loader-type": { value: true },
  "--loader-command": { value: true },
  "--loader-start-margin": { value: true },
};

/** `sizer run` flags that make no sense on a node sizer deploys itself (yet). */
const NOT_ON_AWS = [
  "--service-cmd",
  "--service-cwd",
  "--url",
  "--pid",
  "--glances-url",
  "--collector",
  "--load-cpus",
  "--docker-network",
  "--service-memory",
  "--service-env",
];

function wholeNumber(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new SizerUsageError(flag, `${flag} must be a whole number from ${min} to ${max}, got '${text}'`);
  return Number(text);
}

/** The flags of `sizer aws run` given, by flag (each value in order), and the flags left for `sizer run`. */
interface SplitArguments {
  own: Map<string, string[]>;
  rest: string[];
}

/** Takes out `sizer aws run`'s own flags with their values; refuses what does not apply on AWS. */
function splitAwsArguments(args: readonly string[]): { help: true } | ({ help: false } & SplitArguments) {
  const own = new Map<string, string[]>();
  const rest: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    if (arg === "--help" || arg === "-h") return { help: true };
    const equals = arg.indexOf("=");
    const flag = arg.startsWith("--") && equals > 0 ? arg.slice(0, equals) : arg;
    if (NOT_ON_AWS.includes(flag))
      throw new SizerUsageError(
        flag,
        `${flag} is not supported by 'sizer aws run' (see 'sizer aws run --help')`,
      );
    const spec = AWS_FLAGS[flag];
    if (spec === undefined) {
      rest.push(arg);
      continue;
    }
    let value = "";
    if (spec.value) {
      if (equals > 0 && flag !== arg) value = arg.slice(equals + 1);
      else {
        const next = args[index + 1];
        if (next === undefined || next.startsWith("--"))
          throw new SizerUsageError(flag, `${flag} needs a value`);
        value = next;
        index += 1;
      }
    }
    const values = own.get(flag) ?? [];
    if (values.length > 0 && !spec.multiple)
      throw new SizerUsageError(flag, `${flag} is given twice; give it once`);
    own.set(flag, [...values, value]);
  }
  return { help: false, own, rest };
}

/** `--image` or `--image-file`, exactly one. */
function readImage(
  imageName: string | undefined,
  imageFile: string | undefined,
  cwd: string,
): AwsRunOptions["image"] {
  if ((imageName === undefined) === (imageFile === undefined))
    throw new SizerUsageError(
      "--image",
      "say which service to deploy: --image IMAGE (pulled on each node) or --image-file ARCHIVE (a 'docker save' archive), one of them",
    );
  if (imageName !== undefined) {
    if (imageName.trim() === "" || imageName.startsWith("-"))
      throw new SizerUsageError("--image", `--image must name a Docker image, got '${imageName}'`);
    return { kind: "registry", image: imageName };
  }
  const file = resolve(cwd, imageFile as string);
  if (!existsSync(file) || !statSync(file).isFile())
    throw new SizerUsageError("--image-file", `--image-file ${imageFile}: no such file`);
  return { kind: "archive", file };
}

/** `--instance-types`: needed, each a type name, none twice. */
function readInstanceTypes(typesText: string | undefined): string[] {
  if (typesText === undefined)
    throw new SizerUsageError("--instance-types", "--instance-types is needed, such as t3.micro,c7g.large");
  const instanceTypes = typesText.split(",").map((type) => type.trim());
  for (const type of instanceTypes) {
    if (!isInstanceTypeName(type))
      throw new SizerUsageError(
        "--instance-types",
        `--instance-types: '${type}' is not an instance type name such as t3.micro`,
      );
  }
  if (new Set(instanceTypes).size !== instanceTypes.length)
    throw new SizerUsageError("--instance-types", `--instance-types names a type twice: ${typesText}`);
  return instanceTypes;
}

/**
 * The hourly price of each instance type sized: from `--prices FILE` (which may price more types), then
 * each `--price TYPE=USD_PER_HOUR`, which must name one of the instance types and wins over the file.
 */
function readPrices(
  entries: readonly string[],
  pricesFile: string | undefined,
  instanceTypes: readonly string[],
): Record<string, number> {
  const listed = pricesFile === undefined ? {} : readPricesFile(pricesFile);
  const prices: Record<string, number> = Object.fromEntries(
    Object.entries(listed).filter(([type]) => instanceTypes.includes(type)),
  );
  for (const entry of entries) {
    const match = /^([^=]+)=(\d+(\.\d+)?)$/.exec(entry);
    if (!match || Number(match[2]) <= 0)
      throw new SizerUsageError(
        "--price",
        `--price must be TYPE=USD_PER_HOUR with a positive price, such as t3.micro=0.0104, got '${entry}'`,
      );
    const type = match[1] as string;
    if (!instanceTypes.includes(type))
      throw new SizerUsageError("--price", `--price ${entry}: ${type} is not one of --instance-types`);
    prices[type] = Number(match[2]);
  }
  return prices;
}

/** Runs one of ssm-client's checks of a value, its refusal a usage error naming `flag`. */
export function awsUsage(flag: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    throw new SizerUsageError(flag, (error as Error).message);
  }
}

/** `--loaders N`, `--loader-type T`, `--loader-command CMD` and `--loader-start-margin S`: the last three only with the first. */
function readLoaders(
  one: (flag: string) => string | undefined,
  scenarioKind: "file" | "repo",
): AwsRunOptions["loaders"] {
  const countText = one("--loaders");
  if (countText === undefined) {
    for (const flag of ["--loader-type", "--loader-command", "--loader-start-margin"])
      if (one(flag) !== undefined) throw new SizerUsageError(flag, `${flag} goes with --loaders N`);
    return undefined;
  }
  const count = wholeNumber("--loaders", countText, 1, 100);
  const instanceType = one("--loader-type") ?? "c6i.large";
  if (!isInstanceTypeName(instanceType))
    throw new SizerUsageError(
      "--loader-type",
      `--loader-type: '${instanceType}' is not an instance type name`,
    );
  const command = one("--loader-command") ?? DEFAULT_LOADER_COMMAND[scenarioKind];
  if (command.trim() === "") throw new SizerUsageError("--loader-command", "--loader-command is empty");
  const startMarginSeconds = wholeNumber(
    "--loader-start-margin",
    one("--loader-start-margin") ?? String(DEFAULT_LOADER_START_MARGIN_SECONDS),
    1,
    300,
  );
  return { count, instanceType, command, startMarginSeconds };
}

/** `--instance-profile` (default sizer-node), `--region` and `--bucket`, each a valid AWS name. */
function readPlacement(one: (flag: string) => string | undefined): {
  instanceProfile: string;
  region: string | undefined;
  bucket: string | undefined;
} {
  const instanceProfile = one("--instance-profile") ?? "sizer-node";
  if (!/^[\w+=,.@-]{1,128}$/.test(instanceProfile))
    throw new SizerUsageError(
      "--instance-profile",
      `--instance-profile '${instanceProfile}' is not an instance profile name`,
    );
  const region = one("--region");
  if (region !== undefined) awsUsage("--region", () => checkRegion(region, "--region"));
  const bucket = one("--bucket");
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new SizerUsageError("--bucket", `--bucket must be an S3 bucket name, got '${bucket}'`);
  return { instanceProfile, region, bucket };
}

/**
 * Validates the flags of `sizer aws run`: its own (image, instance types, prices, lifecycle, AWS
 * placement), then the rest through `sizer run`'s one parser, with the service as a URL that each
 * node's address replaces. Every mistake is a {@link SizerUsageError} naming the flag.
 */
export function parseAwsRunArguments(
  args: readonly string[],
  context: { cwd: string; now: Date },
): { help: true } | { help: false; options: AwsRunOptions } {
  const split = splitAwsArguments(args);
  if (split.help) return { help: true };
  const { own, rest } = split;
  const one = (flag: string) => own.get(flag)?.[0];

  const image = readImage(one("--image"), one("--image-file"), context.cwd);
  const portText = one("--port");
  if (portText === undefined)
    throw new SizerUsageError("--port", "--port is needed: the port the container listens on");
  const port = wholeNumber("--port", portText, 1, 65535);
  const instanceTypes = readInstanceTypes(one("--instance-types"));
  const pricesFile = own.get("--prices")?.[0];
  const prices = readPrices(
    own.get("--price") ?? [],
    pricesFile === undefined ? undefined : resolve(context.cwd, pricesFile),
    instanceTypes,
  );
  if (own.has("--keep") && own.has("--terminate"))
    throw new SizerUsageError("--terminate", "give --keep or --terminate, not both");
  const { instanceProfile, region, bucket } = readPlacement(one);
  const allowFrom = own.get("--allow-from") ?? [];
  for (const cidr of allowFrom) awsUsage("--allow-from", () => checkCidr(cidr, "--allow-from"));
  if (allowFrom.length > 0 && own.has("--security-group"))
    throw new SizerUsageError(
      "--allow-from",
      "--allow-from opens the port in the security group sizer creates; with --security-group, open it in your group yourself",
    );

  // The rest is `sizer run`'s: parsed by its one parser, the service a placeholder URL.
  const parsed = parseRunArguments([...rest, "--url", `http://127.0.0.1:${port}/`], context);
  if (parsed.help) return { help: true };
  return {
    help: false,
    options: {
      image,
      port,
      instanceTypes,
      prices,
      terminate: own.has("--terminate"),
      yes: own.has("--yes"),
      instanceProfile,
      region,
      bucket,
      subnetId: one("--subnet"),
      securityGroupIds: own.get("--security-group"),
      allowFrom,
      maxLifetimeMinutes: wholeNumber("--max-lifetime", one("--max-lifetime") ?? "120", 1, 10_080),
      onlineTimeoutSeconds: wholeNumber("--online-timeout", one("--online-timeout") ?? "600", 1, 3600),
      run: parsed.options,
      loaders: readLoaders(one, parsed.options.scenario.kind),
    },
  };
}

/** The output folder of one instance type inside the run's folder. */
export function typeFolder(outDir: string, instanceType: string): string {
  return join(outDir, instanceType);
}

/** `sizer aws run --help`. */
export const AWS_RUN_HELP = `Usage: sizer aws run (--image IMAGE | --image-file ARCHIVE) --port PORT
                     --instance-types T1[,T2...] --scenario FILE [sizing flags of sizer run]

Sizes a service on dedicated EC2 nodes, one per instance type (one type after the other when the
load comes from this machine, whose cores two loads would share; all at once with --loaders): finds a
node sizer tagged for the type (or launches one), brings the image there through SSM, starts the
container with host networking and records its resources on the node, applies the load from this
machine to the node's address, then brings the metrics and the service's log back and writes the
report of each type in OUT/<type>/, and OUT/comparison.json and OUT/comparison.md.

  --image IMAGE              pulled on each node from its registry (when the node does not have it)
  --image-file ARCHIVE       a 'docker save' archive, uploaded to each node (through --bucket, else in chunks)
  --port PORT                the port the container listens on (given to it as PORT)
  --instance-types LIST      comma-separated instance types, such as t3.micro,c7g.large
  --price TYPE=USD_PER_HOUR  the hourly price of a type, for requests per dollar (repeatable)
  --prices FILE              hourly prices of many types: JSON {"t3.micro": 0.0104} or CSV TYPE,USD_PER_HOUR lines
  --keep                     leave the nodes running for the next run, reused by their tags (default)
  --terminate                terminate the nodes this run launched, and their security group
  --yes                      launch without asking (needed without a terminal)
  --instance-profile NAME    the nodes' instance profile; its role needs AmazonSSMManagedInstanceCore (default sizer-node)
  --region REGION            else AWS_REGION or the profile's
  --bucket BUCKET            S3 bucket for files (the image archive); the nodes' role needs s3:GetObject/PutObject on sizer-ssm/*
  --subnet ID, --security-group ID   where nodes are launched (default: the default subnet, a group sizer creates)
  --allow-from CIDR          open --port to this IPv4 range in the group sizer creates (repeatable;
                             e.g. your address/32; never opened to 0.0.0.0/0 unless you give it)
  --max-lifetime MINUTES     the nodes shut themselves down (and terminate) after this long (default 120)
  --online-timeout SECONDS   how long to wait for a node's SSM agent (default 600)
  --service-cpus LIST        the node's cores the container gets (--cpuset-cpus), e.g. 0 or 0-1
                             (default: all of them); checked against each node's own cores
  --loaders N                run the load from N loader nodes per instance type (tagged
                             sizer:role=loader, reused like service nodes) instead of this machine:
                             each runs the scenario (--scenario FILE uploaded, or --repo/--test
                             cloned there by moloslave) with its share of the workers, all from one agreed
                             time, and all stop together once the merged error ratio passes the
                             tolerance (one decision on their live records); their results are merged
                             exactly (loadcore merge); a loader that dies is left out and named
  --loader-type TYPE         the loaders' instance type (default c6i.large)
  --loader-command CMD       how loadcore runs on a loader (default: npx -y @sizer/loadcore, or with
                             --repo npx -y @sizer/moloslave, which also needs git; Node.js 20+)
  --loader-start-margin SECONDS
                             from sending the loaders' commands to their agreed start: each command
                             must reach its loader by then (default 10)

The node's port must be reachable from this machine (its security group and network): open it with
--allow-from (the loaders, in the node's network, need nothing). Every sizing flag of 'sizer run' applies (--workers, --ramp-up, --duration,
--sizing-window, --health-url, --ready-timeout, --out, --json, -q...). Ctrl-C stops the load,
stops the containers, terminates what --terminate would and still writes what was measured.
`;
