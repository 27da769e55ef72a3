// `sizer run --image` against a real Docker engine: images built here from this machine's node
// (no registry), containers on the host's network (the engine runs without a bridge), so every
// request stays on 127.0.0.1.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { readMetricsFile } from "@sizer/glances-collector";
import { buildNodeImage, describeWith, freePort } from "@sizer/test-utils";
import { afterAll, beforeAll, expect, it } from "vitest";
import { CONTAINER_LABEL, removeLeftoverContainers } from "../src/docker-service.js";
import { runCli } from "./cli-run.js";
import { cliPath, demoServiceDir, fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** The names of the containers that carry sizer's label. */
function labelledContainers(): string[] {
  return docker("ps", "--all", "--filter", `label=${CONTAINER_LABEL}`, "--format", "{{.Names}}")
    .split("\n")
    .filter((line) => line !== "");
}

interface Verdict {
  status: string;
  capacity: { found: boolean; throughput: number | null };
  bottleneck: { resource: string; scope: string; summary: string };
  trustworthy: boolean;
  warnings: string[];
}

function verdictOf(events: Array<Record<string, unknown>>): Verdict {
  const verdict = events.find((event) => event.event === "verdict");
  if (!verdict) throw new Error(`no verdict event in ${JSON.stringify(events.map((event) => event.event))}`);
  return verdict as unknown as Verdict;
}

describeWith("docker", "sizer run --image on a real Docker engine", () => {
  let demoImage = "";
  let fixturesImage = "";
  beforeAll(() => {
    demoImage = buildNodeImage({
      serviceFolder: demoServiceDir,
      entry: "server.mjs",
      name: "sizer-test-demo",
    }).image;
    fixturesImage = buildNodeImage({
      serviceFolder: fixture("."),
      entry: "cpu-server.mjs",
      name: "sizer-test-cpu",
    }).image;
  }, 300_000);

  it("sizes the demo service in a container: container metrics against its memory limit, its log, nothing left behind", {
    timeout: 200_000,
  }, async () => {
    const out = join(folder.path, "demo-image");
    const before = new Set(labelledContainers());
    const outcome = await runCli([
      "run",
      "--image",
      demoImage,
      "--port",
      String(await freePort()),
      "--service-memory",
      "256m",
      "--scenario",
      join(demoServiceDir, "loadtest.ts"),
      "--workers",
      "30",
      "--ramp-up",
      "6",
      "--sizing-window",
      "3",
      "--duration",
      "15",
      "--json",
      "--out",
      out,
    ]);
    expect(outcome.stderr).not.toMatch(/internal error/);
    expect(outcome.code).toBe(0);
    const record = JSON.parse(readFileSync(join(out, "command.json"), "utf8")) as {
      service: { kind: string; description: string; containers: string[] };
    };
    expect(record.service.kind).toBe("docker");
    expect(record.service.description).toContain("host network");
    const [container] = record.service.containers;
    expect(container).toMatch(/^sizer_\d+_[0-9a-f]{6}$/);
    const metrics = await readMetricsFile(join(out, "metrics.csv"));
    const names = metrics.metrics.map((metric) => metric.name);
    expect(names).toContain(`container.${container}.cpu.percent`);
    expect(names).toContain(`container.${container}.mem.usage`);
    const limits = metrics.samples.map((sample) => sample.values[`container.${container}.mem.limit`]);
    expect(limits.some((limit) => limit === 256 * 1024 * 1024)).toBe(true);
    expect(readFileSync(join(out, "service.log"), "utf8")).toContain("listening on http://127.0.0.1:");
    expect(verdictOf(outcome.events).capacity.throughput).toBeGreaterThan(0);
    expect(labelledContainers().filter((name) => !before.has(name))).toEqual([]);
  });

  it("names the CPU of a CPU-bound container against its cpuset", { timeout: 200_000 }, async () => {
    const out = join(folder.path, "cpu-image");
    const outcome = await runCli([
      "run",
      "--image",
      fixturesImage,
      "--port",
      String(await freePort()),
      "--service-env",
      "COST_MS=8",
      "--service-cpus",
      "1",
      "--load-cpus",
      "0",
      "--scenario",
      fixture("hello.ts"),
      "--workers",
      "16",
      "--ramp-up",
      "12",
      "--sizing-window",
      "3",
      "--duration",
      "25",
      "--json",
      "--out",
      out,
    ]);
    expect(outcome.code).toBe(0);
    const verdict = verdictOf(outcome.events);
    expect(verdict.bottleneck.resource, JSON.stringify(verdict)).toBe("cpu");
    if (verdict.bottleneck.scope === "container") {
      expect(verdict.bottleneck.summary).toMatch(/of its 1 core/);
    } else {
      // On a machine busy with other work the host's CPU can run out before the container's core:
      // then the verdict must say that the host ran out because of others, and not be trusted.
      expect(verdict.bottleneck.scope, JSON.stringify(verdict)).toBe("host");
      expect(verdict.trustworthy).toBe(false);
      expect(verdict.warnings.join("\n")).toMatch(/Other processes used [\d.]+ of the host's \d+ cores/);
    }
  });

  it("reports a container that exits mid-run: exit 4, its exit code and log, a partial report", {
    timeout: 200_000,
  }, async () => {
    const dying = buildNodeImage({
      serviceFolder: fixture("."),
      entry: "dying-server.mjs",
      name: "sizer-test-dying",
    }).image;
    const out = join(folder.path, "dying-image");
    const outcome = await runCli([
      "run",
      "--image",
      dying,
      "--port",
      String(await freePort()),
      "--service-env",
      "DIE_AFTER=60",
      "--scenario",
      fixture("hello.ts"),
      "--workers",
      "10",
      "--ramp-up",
      "10",
      "--duration",
      "40",
      "--quiet",
      "--out",
      out,
    ]);
    expect(outcome.code).toBe(4);
    expect(outcome.stderr).toContain("fatal: out of widgets after 60 requests");
    expect(JSON.parse(readFileSync(join(out, "command.json"), "utf8"))).toMatchObject({
      status: "service-died",
      serviceExit: { code: 3, signal: null, atSeconds: expect.any(Number) },
    });
    expect(existsSync(join(out, "report.html"))).toBe(true);
    expect(labelledContainers().filter((name) => name.startsWith("sizer_"))).not.toContain(
      JSON.parse(readFileSync(join(out, "command.json"), "utf8")).service.containers[0],
    );
  });

  it("refuses a port already taken on this machine before starting a container (exit 3)", async () => {
    const server = createServer();
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as { port: number };
    const before = new Set(labelledContainers());
    try {
      const outcome = await runCli([
        "run",
        "--image",
        demoImage,
        "--port",
        String(port),
        "--docker-network",
        "host",
        "--scenario",
        join(demoServiceDir, "loadtest.ts"),
        "--out",
        join(folder.path, "taken"),
      ]);
      expect(outcome.code).toBe(3);
      expect(outcome.stderr).toContain(`port ${port} is already in use on this machine`);
      expect(labelledContainers().filter((name) => !before.has(name))).toEqual([]);
    } finally {
      server.close();
    }
  });

  it("removes the containers of a sizer that is gone, and no other container", async () => {
    const gone = spawn(process.execPath, ["-e", ""]);
    await once(gone, "exit");
    const suffix = Math.random().toString(16).slice(2, 8);
    const leftover = `sizer_${gone.pid}_${suffix}`;
    const stillRunning = `sizer_${process.pid}_${suffix}`;
    const unrelated = `unrelated_${suffix}`;
    docker("create", "--name", leftover, "--label", `${CONTAINER_LABEL}=${gone.pid}`, demoImage);
    docker("create", "--name", stillRunning, "--label", `${CONTAINER_LABEL}=${process.pid}`, demoImage);
    docker("create", "--name", unrelated, demoImage);
    try {
      const removed = await removeLeftoverContainers("docker");
      expect(removed).toContain(leftover);
      expect(removed).not.toContain(stillRunning);
      const names = docker("ps", "--all", "--format", "{{.Names}}").split("\n");
      expect(names).not.toContain(leftover);
      expect(names).toContain(stillRunning);
      expect(names).toContain(unrelated);
    } finally {
      for (const name of [leftover, stillRunning, unrelated]) {
        try {
          docker("rm", "--force", name);
        } catch {}
      }
    }
  });

  it("removes its container on Ctrl-C and writes a partial report (exit 130)", {
    timeout: 120_000,
  }, async () => {
    const out = join(folder.path, "interrupted-image");
    const child = spawn(
      process.execPath,
      [
        cliPath,
        "run",
        "--image",
        demoImage,
        "--port",
        String(await freePort()),
        "--scenario",
        join(demoServiceDir, "loadtest.ts"),
        "--workers",
        "20",
        "--ramp-up",
        "60",
        "--duration",
        "90",
        "--out",
        out,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = once(child, "exit");
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (/ramping up/.test(output)) {
          clearInterval(timer);
          resolve();
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`sizer ended before the load: ${output}`));
        }
      }, 200);
    });
    child.kill("SIGINT");
    const [code] = await exited;
    expect(code).toBe(130);
    const record = JSON.parse(readFileSync(join(out, "command.json"), "utf8")) as {
      status: string;
      service: { containers: string[] };
    };
    expect(record.status).toBe("interrupted");
    expect(labelledContainers()).not.toContain(record.service.containers[0]);
    expect(existsSync(join(out, "report.html"))).toBe(true);
  });
});
