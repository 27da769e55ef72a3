// The service side of `sizer aws run`, in this process against aws-fake on loopback (the local engine,
// or where none answers aws-fake's process stand-in, said loudly): the container
// pinned to the node's cores (read back with `docker inspect`), a container that dies mid-run, and
// an interruption (the CLI's Ctrl-C is this AbortController) at each phase of a node's life.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { type AwsFake, startAwsFake } from "@sizer/aws-fake";
import { readMetricsFile } from "@sizer/glances-collector";
import { createAwsClients } from "@sizer/ssm-client";
import { freePort } from "@sizer/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { parseAwsRunArguments } from "../src/aws/aws-arguments.js";
import { type AwsRunResult, runAwsSizing } from "../src/aws/aws-run.js";
import { allowedCpus, formatCpuList } from "../src/cpu-plan.js";
import { exitCodeFor } from "../src/exit-codes.js";
import { containersOf, demoServiceOnFake } from "./aws-fake-environment.js";
import { demoServiceDir, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());
const scenario = join(demoServiceDir, "loadtest.ts");

/** The service as the nodes run it: the local engine, or (none answering) aws-fake's process stand-in. */
const service = demoServiceOnFake();

/** A docker command as the fake's nodes run it (the engine, or the stand-in). */
function docker(fake: AwsFake, ...args: string[]): string {
  return execFileSync(fake.docker, args, { encoding: "utf8" }).trim();
}

function startFake(options: { agentDelayMs?: number } = {}): Promise<AwsFake> {
  return startAwsFake({ publicIpAddress: "127.0.0.1", ...service.fakeOptions, ...options });
}

/** A stream that keeps what is written and calls `onLine` with each line, at once. */
function lineSink(onLine: (line: string) => void): Writable & { text: () => string } {
  let text = "";
  let partial = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      partial += chunk.toString();
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
      done();
    },
  });
  return Object.assign(sink, { text: () => text });
}

interface Run {
  result: AwsRunResult;
  stderr: string;
  stdout: string;
  out: string;
}

/** `sizer aws run` with these flags on t3.micro, `onLine` seeing every progress and output line as it comes. */
async function sizeOnFake(
  fake: AwsFake,
  name: string,
  flags: string[],
  onLine: (line: string, controller: AbortController) => void = () => {},
): Promise<Run> {
  const out = join(folder.path, name);
  const parsed = parseAwsRunArguments(
    [
      "--port",
      String(await freePort()),
      "--instance-types",
      "t3.micro",
      "--instance-profile",
      "sizer-ssm",
      "--scenario",
      scenario,
      "--terminate",
      "--yes",
      "--json",
      "--out",
      out,
      ...flags,
    ],
    { cwd: process.cwd(), now: new Date() },
  );
  if (parsed.help) throw new Error("unexpected --help");
  const controller = new AbortController();
  const stderr = lineSink((line) => onLine(line, controller));
  const stdout = lineSink((line) => onLine(line, controller));
  parsed.options.run.stdout = stdout;
  parsed.options.run.stderr = stderr;
  const result = await runAwsSizing(parsed.options, {
    clients: createAwsClients({
      endpoint: fake.endpoint,
      region: fake.region,
      credentials: fake.credentials,
    }),
    stderr,
    stdout,
    signal: controller.signal,
  });
  return { result, stderr: stderr.text(), stdout: stdout.text(), out };
}

const shortSizing = ["--workers", "6", "--ramp-up", "4", "--duration", "6", "--sizing-window", "2"];
const longLoad = ["--workers", "6", "--ramp-up", "60", "--duration", "300"];

function runningInstances(fake: AwsFake): string[] {
  return [...fake.fleet.instances.values()]
    .filter((instance) => instance.state !== "terminated" && instance.state !== "shutting-down")
    .map((instance) => instance.instanceId);
}

describe("sizer aws run, the service on its node", () => {
  const serviceImage = () => service.image;

  it("pins the container to every core of its node, as the report and node.json say", {
    timeout: 300_000,
  }, async () => {
    const fake = await startFake();
    try {
      let cpuset: string | undefined;
      const run = await sizeOnFake(fake, "pinned", ["--image", serviceImage(), ...shortSizing], (line) => {
        const started = /\[aws\] t3\.micro (i-\w+): container (\S+) started/.exec(line);
        if (started)
          cpuset = docker(fake, "inspect", "--format", "{{.HostConfig.CpusetCpus}}", started[2] as string);
      });
      expect(run.result.error, run.stderr).toBeUndefined();
      // the node is this machine: its cores are this process's
      const cores = allowedCpus();
      expect(cpuset).toBe(formatCpuList(cores));
      const typeDir = join(run.out, "t3.micro");
      expect(JSON.parse(readFileSync(join(typeDir, "node.json"), "utf8")).serviceCpus).toEqual(cores);
      const summary = JSON.parse(readFileSync(join(typeDir, "summary.json"), "utf8"));
      expect(summary.analysis?.serviceCores ?? summary.serviceCores).toMatchObject({ count: cores.length });
      const command = JSON.parse(readFileSync(join(typeDir, "command.json"), "utf8"));
      expect(command.cpuPlan).toMatchObject({ serviceCpus: cores, shared: false });
      expect(run.stderr).toContain(
        `service on core(s) ${formatCpuList(cores)} (all of the ${cores.length} core(s)`,
      );
    } finally {
      await fake.close();
    }
  });

  it("--service-cpus: the container gets those cores of its node; a core the node lacks fails the type, naming the flag", {
    timeout: 300_000,
  }, async () => {
    const fake = await startFake();
    try {
      const cores = allowedCpus();
      // one core past the node's last: refused once the node said its cores, before the image or any container
      const missing = (cores.at(-1) ?? 0) + 1;
      const refused = await sizeOnFake(fake, "cpus-refused", [
        ...["--image", serviceImage(), "--service-cpus", String(missing), ...shortSizing],
      ]);
      expect(refused.result.error?.code, refused.stderr).toBe("ERR_SIZER_USAGE");
      expect(exitCodeFor(refused.result.error?.code ?? "")).toBe(2);
      expect(refused.result.error?.message).toBe(
        `--service-cpus names core(s) ${missing} but ${refused.result.launched[0]} (t3.micro) offers ${formatCpuList(cores)}`,
      );
      expect(refused.stderr).not.toContain("image loaded");
      expect(containersOf(fake, refused.result.runId)).toBe("");
      expect(runningInstances(fake)).toEqual([]);

      // the node's last core alone: the container, node.json and command.json say that one
      const last = cores.at(-1) ?? 0;
      let cpuset: string | undefined;
      const run = await sizeOnFake(
        fake,
        "cpus-one",
        ["--image", serviceImage(), "--service-cpus", String(last), ...shortSizing],
        (line) => {
          const started = /\[aws\] t3\.micro (i-\w+): container (\S+) started/.exec(line);
          if (started)
            cpuset = docker(fake, "inspect", "--format", "{{.HostConfig.CpusetCpus}}", started[2] as string);
        },
      );
      expect(run.result.error, run.stderr).toBeUndefined();
      expect(cpuset).toBe(String(last));
      const typeDir = join(run.out, "t3.micro");
      expect(JSON.parse(readFileSync(join(typeDir, "node.json"), "utf8")).serviceCpus).toEqual([last]);
      const command = JSON.parse(readFileSync(join(typeDir, "command.json"), "utf8"));
      expect(command.cpuPlan).toMatchObject({ serviceCpus: [last], shared: false });
      expect(run.stderr).toContain(`service on core(s) ${last} (1 of the ${cores.length} core(s)`);
    } finally {
      await fake.close();
    }
  });

  it("a container that dies mid-run: exit 4, its log brought back and quoted, what was measured written", {
    timeout: 300_000,
  }, async () => {
    const fake = await startFake();
    try {
      let container = "";
      let progressEvents = 0;
      const run = await sizeOnFake(fake, "died", ["--image", serviceImage(), ...longLoad], (line) => {
        const started = /container (\S+) started/.exec(line);
        if (started) container = started[1] as string;
        // the load is on: the service dies under it
        if (line.includes('"event":"progress"') && ++progressEvents === 3) docker(fake, "kill", container);
      });
      expect(run.result.interrupted).toBe(false);
      expect(run.result.error?.code, run.stderr).toBe("ERR_SIZER_SERVICE_EXITED");
      expect(exitCodeFor(run.result.error?.code ?? "")).toBe(4);
      // the log came back from the node and is quoted: the demo service said where it listens
      expect(run.result.error?.message).toContain("its log (service.log) ends");
      expect(run.result.error?.message).toContain("listening on");
      expect(run.result.error?.message).toContain("exit code 137");
      const typeDir = join(run.out, "t3.micro");
      expect(readFileSync(join(typeDir, "service.log"), "utf8")).toContain("listening on");
      const comparison = JSON.parse(readFileSync(join(run.out, "comparison.json"), "utf8"));
      expect(comparison.types[0]).toMatchObject({ measured: true, partial: true });
      expect((await readMetricsFile(join(typeDir, "metrics.csv"))).samples.length).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(typeDir, "command.json"), "utf8")).status).toBe("service-died");
      expect(containersOf(fake, run.result.runId)).toBe("");
      expect(runningInstances(fake)).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  // Ctrl-C at each phase: the trigger is the first line of that phase, the run is interrupted there.
  const phases: Array<{
    phase: string;
    /** The line of that phase to interrupt at, and how many of them to wait for (default 1). */
    when: RegExp;
    count?: number;
    flags: () => string[];
    measured: boolean;
    agentDelayMs?: number;
  }> = [
    {
      phase: "waiting for the agent",
      when: /t3\.micro i-\w+: launched/,
      flags: () => ["--image", serviceImage()],
      measured: false,
      agentDelayMs: 60_000,
    },
    {
      phase: "loading the image",
      when: /uploading .*service\.tar/,
      flags: () => ["--image-file", archive(), ...shortSizing],
      measured: false,
    },
    {
      phase: "waiting for health",
      when: /waiting for health/,
      flags: () => ["--image", serviceImage(), ...shortSizing],
      measured: false,
    },
    {
      phase: "the load",
      // a few seconds in: the node's recorder has rows by then
      when: /"event":"progress"/,
      count: 3,
      flags: () => ["--image", serviceImage(), ...longLoad],
      measured: true,
    },
    {
      phase: "collection",
      when: /collecting: stopping/,
      flags: () => ["--image", serviceImage(), ...shortSizing],
      measured: true,
    },
  ];
  let archiveFile = "";
  const archive = () => {
    if (archiveFile) return archiveFile;
    archiveFile = join(folder.path, "service.tar");
    // Interrupted while it uploads, the archive never reaches `docker load`: without an engine any bytes do.
    if (service.engine) execFileSync("docker", ["save", "-o", archiveFile, serviceImage()]);
    else writeFileSync(archiveFile, randomBytes(200_000));
    return archiveFile;
  };

  for (const { phase, when, count = 1, flags, measured, agentDelayMs } of phases) {
    it(`Ctrl-C during ${phase}: interrupted (exit 130), no container, nothing launched left, the comparison written`, {
      timeout: 300_000,
    }, async () => {
      const fake = await startFake(agentDelayMs ? { agentDelayMs } : {});
      try {
        let seen = false;
        let matched = 0;
        const run = await sizeOnFake(
          fake,
          `interrupted-${phase.replace(/\W+/g, "-")}`,
          flags(),
          (line, controller) => {
            if (!seen && when.test(line) && ++matched === count) {
              seen = true;
              controller.abort(new Error("SIGINT"));
            }
          },
        );
        expect(seen, run.stderr).toBe(true);
        expect(run.result.interrupted).toBe(true);
        expect(containersOf(fake, run.result.runId), run.stderr).toBe("");
        expect(runningInstances(fake), run.stderr).toEqual([]);
        expect(run.result.terminated).toEqual(run.result.launched);
        const comparison = JSON.parse(readFileSync(join(run.out, "comparison.json"), "utf8"));
        expect(comparison.types[0].measured, JSON.stringify(comparison.types[0])).toBe(measured);
        if (measured) {
          // interrupted during the load the report is partial; during collection the load had ended
          expect(comparison.types[0].partial).toBe(phase === "the load");
          const typeDir = join(run.out, "t3.micro");
          for (const file of ["results.json", "report.html", "service.log"])
            expect(existsSync(join(typeDir, file)), file).toBe(true);
          expect((await readMetricsFile(join(typeDir, "metrics.csv"))).samples.length).toBeGreaterThan(0);
        }
      } finally {
        await fake.close();
      }
    });
  }
});
