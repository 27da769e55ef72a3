import { execFileSync } from "node:child_process";
import { type AwsFake, type AwsFakeOptions, DEFAULT_FAKE_CREDENTIALS } from "@sizer/aws-fake";
import { buildNodeImage, skipReason } from "@sizer/test-utils";
import { demoServiceDir } from "./helpers.js";

/** The environment that points sizer's AWS clients at a running aws-fake. */
export function fakeEnvironment(fake: AwsFake): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: fake.endpoint,
    AWS_REGION: fake.region,
    AWS_ACCESS_KEY_ID: DEFAULT_FAKE_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEFAULT_FAKE_CREDENTIALS.secretAccessKey,
  };
}

/** How the fake's nodes run the demo service: the image, and the fake's options that go with it. */
export interface DemoServiceOnFake {
  /** True with the local Docker engine, false with aws-fake's process stand-in. */
  engine: boolean;
  image: string;
  fakeOptions: Pick<AwsFakeOptions, "processImages">;
}

/** A Node service as the fake's nodes run it: its folder, its entry, the name of its image. */
export interface NodeServiceImage {
  serviceFolder: string;
  entry: string;
  name: string;
}

/**
 * A Node service as the fake's nodes run it: a real image on the local Docker engine, or, where no
 * engine answers (or SIZER_TEST_NO_ENGINE=1 asks, to try that path here), its entry run as a process
 * by aws-fake's `docker` stand-in, said loudly. Under CI (CI=true) the engine is required: a missing
 * one fails the test instead.
 */
export function serviceOnFake(service: NodeServiceImage): DemoServiceOnFake {
  const noEngine = process.env.SIZER_TEST_NO_ENGINE === "1" ? "SIZER_TEST_NO_ENGINE=1" : skipReason("docker");
  if (noEngine === undefined) return { engine: true, image: buildNodeImage(service).image, fakeOptions: {} };
  process.stderr.write(
    `\n*** NO DOCKER ENGINE (${noEngine}): the fake's nodes run ${service.name} as a process, not in a container ***\n\n`,
  );
  const image = `${service.name}:process`;
  return {
    engine: false,
    image,
    fakeOptions: {
      processImages: { [image]: { command: [process.execPath, service.entry], cwd: service.serviceFolder } },
    },
  };
}

/** The demo service as the fake's nodes run it (see {@link serviceOnFake}). */
export function demoServiceOnFake(): DemoServiceOnFake {
  return serviceOnFake({ serviceFolder: demoServiceDir, entry: "server.mjs", name: "sizer-test-demo" });
}

/** The containers a run left where the fake's nodes run them (the engine, or the stand-in), by the run's label. */
export function containersOf(fake: AwsFake, runId: string): string {
  return execFileSync(
    fake.docker,
    ["ps", "-a", "--filter", `label=io.sizer.aws-run=${runId}`, "--format", "{{.Names}}"],
    { encoding: "utf8" },
  ).trim();
}

/**
 * The arguments of a `sizer aws run` on the fake: the service's flags (`--image I --port P`, or
 * others), the instance types on the test profile `sizer-ssm`, the test's own flags, then the end
 * every test wants: its nodes terminated, no confirmation asked, the output folder.
 */
export function awsRunArguments(run: {
  service: readonly string[];
  types: string;
  flags: readonly string[];
  out: string;
}): string[] {
  return [
    "aws",
    "run",
    ...run.service,
    ...["--instance-types", run.types, "--instance-profile", "sizer-ssm"],
    ...run.flags,
    ...["--terminate", "--yes", "--out", run.out],
  ];
}

/** A short sizing on the fake: `workers` ramped over `rampUp` s, `duration` s at most, a sizing window of `window` s. */
export function smallSizing(workers: number, rampUp: number, duration: number, window: number): string[] {
  return [
    ...["--workers", String(workers), "--ramp-up", String(rampUp), "--duration", String(duration)],
    ...["--sizing-window", String(window)],
  ];
}
