// `sizer aws run` against aws-fake on loopback: the real SDK clients, SSM commands that really run
// (here, on this machine), and the service as a real container on the local Docker engine.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_FAKE_CREDENTIALS, NO_ENGINE_NOTE, startAwsFake } from "@sizer/aws-fake";
import { readMetricsFile } from "@sizer/glances-collector";
import { cleanupNodes, createAwsClients } from "@sizer/ssm-client";
import { buildNodeImage, freePort, itWith, startCli } from "@sizer/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import {
  awsRunArguments,
  containersOf,
  demoServiceOnFake,
  fakeEnvironment,
  smallSizing,
} from "./aws-fake-environment.js";
import { runCli } from "./cli-run.js";
import { cliPath, demoServiceDir, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

const scenario = join(demoServiceDir, "loadtest.ts");

describe("sizer aws run: options", () => {
  const base = ["aws", "run", "--image", "example/service:1", "--port", "8080", "--scenario", scenario];

  it("refuses to launch without --yes when there is no terminal, before any AWS call", async () => {
    const outcome = await runCli(
      [...base, "--instance-types", "t3.micro", "--out", join(folder.path, "no-yes")],
      {
        // no AWS at all: the refusal must come first
        env: { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_REGION: "us-east-1" },
      },
    );
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain("--yes");
    expect(outcome.stderr).not.toContain("    at ");
  });

  it("prints its help, and refuses an unknown aws command", async () => {
    const help = await runCli(["aws", "run", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--instance-types LIST");
    expect(help.stdout).toContain("--terminate");
    expect(help.stdout).toContain("--service-cpus LIST");
    const unknown = await runCli(["aws", "launch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("sizer aws launch");
  });

  it("refuses a bad --price, naming it", async () => {
    for (const price of ["t3.micro=free", "t3.micro=-1", "c7g.large=0.1"]) {
      const outcome = await runCli([...base, "--instance-types", "t3.micro", "--price", price, "--yes"]);
      expect(outcome.code, price).toBe(2);
      expect(outcome.stderr, price).toContain("--price");
    }
  });

  it("refuses an unknown flag, a sizer run flag that has no meaning here, and a bad instance type", async () => {
    const unknown = await runCli([...base, "--instance-types", "t3.micro", "--no-such-flag", "--yes"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--no-such-flag");
    const serviceCmd = await runCli([...base, "--instance-types", "t3.micro", "--service-cmd", "x", "--yes"]);
    expect(serviceCmd.code).toBe(2);
    expect(serviceCmd.stderr).toContain("--service-cmd");
    const badType = await runCli([...base, "--instance-types", "t3.micro,big one", "--yes"]);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toContain("--instance-types");
  });
});

describe("sizer aws run on aws-fake", () => {
  // The local engine where one answers (always under CI), else the service as a process, said loudly.
  it("sizes the service on two instance types, compares them, and leaves nothing tagged behind", {
    timeout: 600_000,
  }, async () => {
    const service = demoServiceOnFake();
    const image = service.image;
    // Commands run on this machine: the instances' public address is loopback.
    const fake = await startAwsFake({ publicIpAddress: "127.0.0.1", ...service.fakeOptions });
    try {
      const out = join(folder.path, "two-types");
      const started = Date.now();
      const outcome = await runCli(
        awsRunArguments({
          service: ["--image", image, "--port", String(await freePort())],
          types: "t3.micro,c6i.large",
          flags: [
            ...["--price", "t3.micro=0.0104", "--price", "c6i.large=0.085", "--scenario", scenario],
            ...smallSizing(10, 6, 10, 3),
            "-q",
          ],
          out,
        }),
        { env: fakeEnvironment(fake), timeoutMs: 540_000 },
      );
      process.stderr.write(
        `sizer aws run on the fake, two types: ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      expect(outcome.code, outcome.stderr).toBe(0);
      // without an engine the run says, for each node, that the service ran as a process
      expect(outcome.stderr.includes(`docker: ${NO_ENGINE_NOTE}image ${image} runs as a process`)).toBe(
        !service.engine,
      );
      // one progress line per node and phase
      for (const phase of [
        "launching",
        "agent online",
        "image loaded",
        "started, recording",
        "collecting",
        "done:",
      ])
        expect(
          outcome.stderr.match(new RegExp(`\\[aws\\] t3\\.micro .*${phase}|\\[aws\\] t3\\.micro: ${phase}`)),
          phase,
        ).not.toBeNull();
      expect(outcome.stderr).not.toContain(DEFAULT_FAKE_CREDENTIALS.secretAccessKey);

      const comparison = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8"));
      expect(comparison.types.map((type: { instanceType: string }) => type.instanceType)).toEqual([
        "t3.micro",
        "c6i.large",
      ]);
      for (const type of comparison.types) {
        expect(type.measured, JSON.stringify(type)).toBe(true);
        expect(type.capacity).toBeGreaterThan(0);
        expect(type.requestsPerSecondPerVcpu).toBeCloseTo(type.capacity / type.facts.vcpus, 1);
        expect(type.requestsPerDollar).toBe(Math.round((type.capacity * 3600) / type.usdPerHour));
        const typeDir = join(out, type.instanceType);
        for (const file of ["report.html", "results.json", "summary.json", "service.log", "node.json"])
          expect(existsSync(join(typeDir, file)), `${type.instanceType}/${file}`).toBe(true);
        // the node's metrics, recorded there: the service's container, read with the producer's reader
        const metrics = await readMetricsFile(join(typeDir, "metrics.csv"));
        const node = JSON.parse(readFileSync(join(typeDir, "node.json"), "utf8"));
        const containerCpu = `container.sizer-${node.instanceId}.cpu.percent`;
        expect(metrics.samples.length).toBeGreaterThan(5);
        expect(metrics.samples.some((sample) => (sample.values[containerCpu] ?? 0) > 0)).toBe(true);
        expect(node.facts.vcpus).toBe(2);
        // the report knows the instance type
        const summary = JSON.parse(readFileSync(join(typeDir, "summary.json"), "utf8"));
        expect(JSON.stringify(summary)).toContain(type.instanceType);
      }
      expect(comparison.types[0].facts.memoryMiB).toBe(1024);
      expect(comparison.types[1].facts.memoryMiB).toBe(4096);
      expect(readFileSync(join(out, "comparison.md"), "utf8")).toContain(
        "| [c6i.large](c6i.large/report.html)",
      );

      // --terminate: no tagged instance left running, the security group gone, no container left
      const left = [...fake.fleet.instances.values()].filter(
        (instance) => instance.state !== "terminated" && instance.state !== "shutting-down",
      );
      expect(left.map((instance) => instance.instanceId)).toEqual([]);
      expect(
        [...fake.fleet.securityGroups.values()].filter((group) => group.tags.has("sizer:run-id")),
      ).toEqual([]);
      // no container of this run left, on the engine or the stand-in (other runs may share the engine)
      expect(containersOf(fake, comparison.runId)).toBe("");
    } finally {
      await fake.close();
    }
  });

  const shortSizing = ["--workers", "6", "--ramp-up", "4", "--duration", "6", "--sizing-window", "2"];

  itWith(
    "docker",
    "keeps the node by default and reuses it by its tags next time; cleanup by tags removes it",
    {
      timeout: 600_000,
    },
    async () => {
      const image = buildNodeImage({
        serviceFolder: demoServiceDir,
        entry: "server.mjs",
        name: "sizer-test-demo",
      }).image;
      const fake = await startAwsFake({ publicIpAddress: "127.0.0.1" });
      try {
        const port = String(await freePort());
        const common = ["aws", "run", "--image", image, "--port", port, "--instance-types", "t3.small"];
        const rest = ["--instance-profile", "sizer-ssm", "--scenario", scenario, ...shortSizing, "--yes"];
        const first = await runCli([...common, ...rest, "-q", "--out", join(folder.path, "keep-1")], {
          env: fakeEnvironment(fake),
          timeoutMs: 300_000,
        });
        expect(first.code, first.stderr).toBe(0);
        const kept = [...fake.fleet.instances.values()].filter((instance) => instance.state === "running");
        expect(kept).toHaveLength(1);
        const second = await runCli([...common, ...rest, "--json", "--out", join(folder.path, "keep-2")], {
          env: fakeEnvironment(fake),
          timeoutMs: 300_000,
        });
        expect(second.code, second.stderr).toBe(0);
        expect(second.stderr).toContain(`reuse ${kept[0]?.instanceId}`);
        expect(second.stderr).not.toContain("launching");
        expect(fake.fleet.instances.size).toBe(1);
        // --json: stdout is JSON events only, the comparison the last one
        const last = second.events.at(-1);
        expect(last?.event).toBe("comparison");
        expect(second.stdout.split("\n").filter((line) => line !== "" && !line.startsWith("{"))).toEqual([]);

        const clients = createAwsClients({
          endpoint: fake.endpoint,
          region: fake.region,
          credentials: fake.credentials,
        });
        await cleanupNodes({ ec2: clients.ec2 });
        await expect
          .poll(
            async () =>
              (await cleanupNodes({ ec2: clients.ec2 })).securityGroups.filter((group) => !group.deleted)
                .length,
            {
              timeout: 30_000,
            },
          )
          .toBe(0);
        expect([...fake.fleet.instances.values()].filter((instance) => instance.state === "running")).toEqual(
          [],
        );
      } finally {
        await fake.close();
      }
    },
  );

  itWith(
    "docker",
    "on Ctrl-C stops the container, terminates what it launched and still writes what was measured",
    {
      timeout: 600_000,
    },
    async () => {
      const image = buildNodeImage({
        serviceFolder: demoServiceDir,
        entry: "server.mjs",
        name: "sizer-test-demo",
      }).image;
      const fake = await startAwsFake({ publicIpAddress: "127.0.0.1" });
      try {
        const out = join(folder.path, "interrupted");
        const run = startCli(
          cliPath,
          awsRunArguments({
            service: ["--image", image, "--port", String(await freePort())],
            types: "t3.micro",
            flags: [
              "--scenario",
              scenario,
              "--workers",
              "10",
              "--ramp-up",
              "60",
              "--duration",
              "300",
              "--json",
            ],
            out,
          }),
          { env: fakeEnvironment(fake), timeoutMs: 400_000 },
        );
        let stdout = "";
        run.child.stdout?.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        // the load is on: loadcore's seconds arrive
        await expect
          .poll(() => stdout.split("\n").filter((line) => line.includes('"event":"progress"')).length, {
            timeout: 300_000,
            interval: 500,
          })
          .toBeGreaterThan(2);
        run.child.kill("SIGINT");
        const outcome = await run.done;
        expect(outcome.code, outcome.stderr).toBe(130);
        const comparison = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8"));
        expect(comparison.types[0]).toMatchObject({
          instanceType: "t3.micro",
          measured: true,
          partial: true,
        });
        expect(existsSync(join(out, "t3.micro", "report.html"))).toBe(true);
        const metrics = await readMetricsFile(join(out, "t3.micro", "metrics.csv"));
        expect(metrics.samples.length).toBeGreaterThan(0);
        expect([...fake.fleet.instances.values()].filter((instance) => instance.state === "running")).toEqual(
          [],
        );
        expect(containersOf(fake, comparison.runId)).toBe("");
      } finally {
        await fake.close();
      }
    },
  );

  itWith(
    "docker",
    "brings a docker save archive to the node through S3 and runs the image it loads",
    {
      timeout: 600_000,
    },
    async () => {
      const built = buildNodeImage({
        serviceFolder: demoServiceDir,
        entry: "server.mjs",
        name: "sizer-test-demo",
      }).image;
      // A name the engine does not have: only the node's `docker load` can bring it back.
      const archived = `sizer-test-archive:${process.pid}-${Date.now()}`;
      const archive = join(folder.path, "service.tar");
      execFileSync("docker", ["tag", built, archived]);
      execFileSync("docker", ["save", "-o", archive, archived]);
      execFileSync("docker", ["rmi", archived]);
      const fake = await startAwsFake({ publicIpAddress: "127.0.0.1", buckets: ["sizer-files"] });
      try {
        const out = join(folder.path, "archive");
        const outcome = await runCli(
          awsRunArguments({
            service: ["--image-file", archive, "--bucket", "sizer-files", "--port", String(await freePort())],
            types: "t3.micro",
            flags: ["--scenario", scenario, ...shortSizing, "-q"],
            out,
          }),
          { env: fakeEnvironment(fake), timeoutMs: 400_000 },
        );
        expect(outcome.code, outcome.stderr).toBe(0);
        expect(outcome.stderr).toContain("through s3://sizer-files");
        expect(outcome.stderr).toContain(`image loaded: ${archived}`);
        const node = JSON.parse(readFileSync(join(out, "t3.micro", "node.json"), "utf8"));
        expect(node.image).toBe(archived);
        expect(JSON.parse(readFileSync(join(out, "comparison.json"), "utf8")).types[0].measured).toBe(true);
        // the temporary object is gone from the bucket
        expect([...(fake.store.buckets.get("sizer-files")?.keys() ?? [])]).toEqual([]);
      } finally {
        await fake.close();
        execFileSync("docker", ["rmi", "--force", archived], { stdio: "ignore" });
      }
    },
  );
});

describe("sizer aws run on aws-fake, without Docker", () => {
  it("a node whose agent never comes online: said, not measured, terminated, exit 11 (nodeUnavailable), the comparison still written", {
    timeout: 300_000,
  }, async () => {
    const fake = await startAwsFake({ publicIpAddress: "127.0.0.1", faults: { agentNeverOnline: true } });
    try {
      const out = join(folder.path, "never-online");
      const outcome = await runCli(
        awsRunArguments({
          service: ["--image", "example/service:1", "--port", "8080"],
          types: "t3.micro",
          flags: ["--online-timeout", "3", "--scenario", scenario],
          out,
        }),
        { env: fakeEnvironment(fake), timeoutMs: 200_000 },
      );
      expect(outcome.code, outcome.stderr).toBe(11);
      expect(outcome.stderr).toContain("was not online after 3 s");
      const comparison = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8"));
      expect(comparison.types[0]).toMatchObject({ instanceType: "t3.micro", measured: false });
      expect(comparison.types[0].error).toContain("AmazonSSMManagedInstanceCore");
      expect([...fake.fleet.instances.values()].filter((instance) => instance.state === "running")).toEqual(
        [],
      );
      expect(outcome.stderr).not.toContain(DEFAULT_FAKE_CREDENTIALS.secretAccessKey);
    } finally {
      await fake.close();
    }
  });

  it("a node whose Docker engine does not answer: said loudly, exit 3, nothing left running", {
    timeout: 300_000,
  }, async () => {
    const fake = await startAwsFake({ publicIpAddress: "127.0.0.1" });
    // The fake's instances reach this machine's engine through DOCKER_HOST: here, nowhere.
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${join(folder.path, "no-docker.sock")}`;
    try {
      const out = join(folder.path, "no-engine");
      const outcome = await runCli(
        awsRunArguments({
          service: ["--image", "example/service:1", "--port", "8080"],
          types: "t3.micro",
          flags: ["--scenario", scenario],
          out,
        }),
        { env: fakeEnvironment(fake), timeoutMs: 200_000 },
      );
      expect(outcome.code, outcome.stderr).toBe(3);
      expect(outcome.stderr).toContain("the Docker engine of this node does not answer");
      const comparison = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8"));
      expect(comparison.types[0]).toMatchObject({ measured: false });
      expect([...fake.fleet.instances.values()].filter((instance) => instance.state === "running")).toEqual(
        [],
      );
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
      await fake.close();
    }
  });
});
