// `sizer aws run --loaders N` against aws-fake: the loader nodes' commands really run loadcore on this
// machine (the fake runs what it receives), the service a real container on the local Docker engine
// (always under CI), or where none answers aws-fake's process stand-in, said loudly (see serviceOnFake).
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AwsFake, startAwsFake } from "@sizer/aws-fake";
import { readMetricsFile } from "@sizer/glances-collector";
import { readResults } from "@sizer/loadcore";
import { freePort, processAlive, startCli } from "@sizer/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { parseAwsRunArguments } from "../src/aws/aws-arguments.js";
import { loaderFlags, mergeLoaders, shares } from "../src/aws/loaders.js";
import { loaderPrepareScript, loaderRunScript, loaderStopScript } from "../src/aws/node-scripts.js";
import {
  awsRunArguments,
  containersOf,
  demoServiceOnFake,
  fakeEnvironment,
  serviceOnFake,
  smallSizing,
} from "./aws-fake-environment.js";
import { runCli } from "./cli-run.js";
import { cliPath, demoServiceDir, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

/** loadcore as built in this repository, run by the loaders (a real node would use npx). */
const LOADCORE = `${process.execPath} ${fileURLToPath(new URL("../../../packages/loadcore/dist/cli.js", import.meta.url))}`;

/** Kills the second loader's loadcore (SIGKILL) once it wrote 4 seconds of its live record: a loader dying mid-run. */
async function killSecondLoader(fake: AwsFake, stop: AbortSignal): Promise<string | undefined> {
  while (!stop.aborted) {
    const loaders = [...fake.fleet.instances.values()]
      .filter((instance) => instance.tags.get("sizer:role") === "loader")
      .sort((left, right) => left.launchTime.getTime() - right.launchTime.getTime());
    const second = loaders[1];
    const folder = second === undefined ? undefined : join(second.directory, "sizer-aws", "load");
    if (second !== undefined && folder !== undefined && existsSync(join(folder, "live.ndjson"))) {
      const lines = readFileSync(join(folder, "live.ndjson"), "utf8").split("\n").length - 1;
      if (lines >= 5) {
        process.kill(Number(readFileSync(join(folder, "loadcore.pid"), "utf8")), "SIGKILL");
        return second.instanceId;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return undefined;
}

describe("sizer aws run --loaders: options and shares", () => {
  const base = [
    "aws",
    "run",
    "--image",
    "example/service:1",
    "--port",
    "8080",
    "--instance-types",
    "t3.micro",
  ];
  const scenario = ["--scenario", join(demoServiceDir, "loadtest.ts"), "--yes"];

  it("refuses --loaders out of range, a loader flag without --loaders, a bad --loader-type, before any AWS call", async () => {
    const env = { AWS_ENDPOINT_URL: "http://127.0.0.1:9", AWS_REGION: "us-east-1" };
    for (const [args, flag] of [
      [["--loaders", "0"], "--loaders"],
      [["--loaders", "two"], "--loaders"],
      [["--loader-type", "c6i.large"], "--loader-type"],
      [["--loader-command", "loadcore"], "--loader-command"],
      [["--loaders", "2", "--loader-type", "big one"], "--loader-type"],
      [["--loader-start-margin", "3"], "--loader-start-margin"],
      [["--loaders", "2", "--loader-start-margin", "0"], "--loader-start-margin"],
    ] as const) {
      const outcome = await runCli([...base, ...args, ...scenario], { env });
      expect(outcome.code, args.join(" ")).toBe(2);
      expect(outcome.stderr, args.join(" ")).toContain(flag);
    }
  });

  it("reads --loaders with its defaults", () => {
    const parsed = parseAwsRunArguments([...base.slice(2), ...scenario, "--loaders", "3"], {
      cwd: process.cwd(),
      now: new Date(),
    });
    expect(parsed.help).toBe(false);
    if (parsed.help) return;
    expect(parsed.options.loaders).toEqual({
      count: 3,
      instanceType: "c6i.large",
      command: "npx -y @sizer/loadcore",
      startMarginSeconds: 10,
    });
  });

  it("shares the workers, the rate and the pool among the loaders, through loadcore's flag table", () => {
    expect(shares(10, 3)).toEqual([4, 3, 3]);
    expect(loaderFlags({ workers: 10, rampUp: 30, sizingWindow: 5 }, 1, 3)).toEqual([
      "--workers",
      "3",
      "--ramp-up",
      "30",
      "--sizing-window",
      "5",
      "--sizing",
      // no stop of its own: the decision is global, on the loaders' live records
      "--sizing-decision",
      "external",
      "--live",
      "live.ndjson",
    ]);
    const rate = loaderFlags({ rampRate: { from: 30, to: 300 }, maxWorkers: 100, rampUp: 60 }, 0, 3);
    expect(rate).toContain("10:100");
    expect(rate[rate.indexOf("--max-workers") + 1]).toBe("34");
  });

  it("fails with the reasons when no loader brought results back", () => {
    expect(() =>
      mergeLoaders(
        [
          { instanceId: "i-1", lost: "its command ended Failed (exit -1)" },
          { instanceId: "i-2", lost: "Undeliverable" },
        ],
        ["sizer"],
      ),
    ).toThrow("no loader brought results back: i-1: its command ended Failed (exit -1); i-2: Undeliverable");
  });
});

/** Runs a script with a real `sh`; its exit code. */
function sh(script: string): Promise<number | null> {
  return new Promise((resolve) => spawn("sh", ["-c", script], { stdio: "ignore" }).on("exit", resolve));
}

describe("the loader scripts, run by a real sh", () => {
  // A stand-in loadcore: the arguments it got go to args.json; on SIGTERM it writes results.json
  // and exits 130, as loadcore does on Ctrl-C.
  const standIn = `process.on("SIGTERM", () => { require("node:fs").writeFileSync("results.json", JSON.stringify({ interrupted: true, url: process.env.SERVER_URL })); process.exit(130); });
require("node:fs").writeFileSync("args.json", JSON.stringify(process.argv.slice(2)));
setTimeout(() => {}, 60_000);`;

  it("waits for the agreed start, runs loadcore with its share, and a stop ends it as Ctrl-C would", async () => {
    const loaderFolder = join(folder.path, "loader-script");
    mkdirSync(loaderFolder, { recursive: true });
    writeFileSync(join(loaderFolder, "loadcore.cjs"), standIn);
    const run = sh(
      loaderRunScript({
        folder: loaderFolder,
        startAt: Date.now() + 300,
        command: [process.execPath, join(loaderFolder, "loadcore.cjs")],
        flags: ["--workers", "3", "--sizing"],
        serverUrl: "http://127.0.0.1:9/it's",
      }),
    );
    await expect.poll(() => existsSync(join(loaderFolder, "args.json")), { timeout: 20_000 }).toBe(true);
    expect(JSON.parse(readFileSync(join(loaderFolder, "args.json"), "utf8"))).toEqual([
      "--workers",
      "3",
      "--sizing",
      "-q",
      "-o",
      "results.json",
      "scenario.ts",
    ]);
    expect(await sh(loaderStopScript(loaderFolder))).toBe(0);
    expect(await run).toBe(130);
    expect(JSON.parse(readFileSync(join(loaderFolder, "results.json"), "utf8"))).toEqual({
      interrupted: true,
      url: "http://127.0.0.1:9/it's",
    });
  });

  it("a stop before the agreed start: loadcore never starts", async () => {
    const loaderFolder = join(folder.path, "loader-early-stop");
    mkdirSync(loaderFolder, { recursive: true });
    writeFileSync(join(loaderFolder, "loadcore.cjs"), standIn);
    const run = sh(
      loaderRunScript({
        folder: loaderFolder,
        startAt: Date.now() + 1500,
        command: [process.execPath, join(loaderFolder, "loadcore.cjs")],
        flags: [],
        serverUrl: "http://127.0.0.1:9/",
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await sh(loaderStopScript(loaderFolder))).toBe(0);
    expect(await run).toBe(130);
    expect(existsSync(join(loaderFolder, "args.json"))).toBe(false);
  });
});

describe("a loader node that cannot run loadcore", () => {
  /** Runs the prepare script with a real sh, a HOME of its own and only `bin` on the PATH. */
  function prepare(command: string[], bin: string) {
    const home = join(folder.path, `home-${Math.random().toString(36).slice(2)}`);
    mkdirSync(home, { recursive: true });
    return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn("/bin/sh", ["-c", loaderPrepareScript(command)], {
        env: { HOME: home, PATH: bin },
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
  }

  it("says what is missing and exits 11 (nodeUnavailable) before any load", async () => {
    const bin = join(folder.path, "bin-without-node");
    mkdirSync(bin, { recursive: true });
    symlinkSync(
      execFileSync("/bin/sh", ["-c", "command -v mkdir"], { encoding: "utf8" }).trim(),
      join(bin, "mkdir"),
    );
    const withoutNpx = await prepare(["npx", "-y", "@sizer/loadcore"], bin);
    expect(withoutNpx.code).toBe(11);
    expect(withoutNpx.stderr).toContain(
      "this loader node has no npx (the loader command's first word): install Node.js 20 or later",
    );
    // npx there, no node on the PATH
    writeFileSync(join(bin, "npx"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
    const withoutNode = await prepare(["npx", "-y", "@sizer/loadcore"], bin);
    expect(withoutNode.code).toBe(11);
    expect(withoutNode.stderr).toContain("this loader node has no node");
    // a node too old for loadcore
    writeFileSync(join(bin, "node"), '#!/bin/sh\ncase "$1" in -p) echo 18 ;; *) echo v18.19.0 ;; esac\n', {
      mode: 0o755,
    });
    const old = await prepare(["npx", "-y", "@sizer/loadcore"], bin);
    expect(old.code).toBe(11);
    expect(old.stderr).toContain("this loader node has Node.js v18.19.0, loadcore needs 20 or later");
    // this machine's node, by its path: ready, the folder printed
    const ready = await prepare([process.execPath, "cli.js"], bin);
    expect(ready.stderr).toBe("");
    expect(ready.code).toBe(0);
    expect(ready.stdout.trim()).toMatch(/sizer-aws\/load$/);
  });
});

describe("sizer aws run --loaders on aws-fake", () => {
  it("runs the load from 3 loader nodes, merges their results exactly, and goes on when one dies", {
    timeout: 600_000,
  }, async () => {
    const service = demoServiceOnFake();
    const image = service.image;
    const fake = await startAwsFake({ publicIpAddress: "127.0.0.1", ...service.fakeOptions });
    const stop = new AbortController();
    try {
      const out = join(folder.path, "loaders");
      const started = Date.now();
      const killed = killSecondLoader(fake, stop.signal);
      const outcome = await runCli(
        awsRunArguments({
          service: ["--image", image, "--port", String(await freePort())],
          types: "t3.micro",
          flags: [
            ...["--loaders", "3", "--loader-type", "c6i.large", "--loader-command", LOADCORE],
            // the fake delivers the commands at once: the agreed start need not wait 10 s for them
            ...["--loader-start-margin", "2"],
            ...["--scenario", join(demoServiceDir, "loadtest.ts"), ...smallSizing(9, 6, 14, 3), "-q"],
          ],
          out,
        }),
        { env: fakeEnvironment(fake), timeoutMs: 540_000 },
      );
      stop.abort();
      const killedId = await killed;
      process.stderr.write(
        `sizer aws run --loaders 3 on the fake: ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).toContain("and 3 loader node(s) (c6i.large)");
      // one progress line per node and phase
      for (const phase of [
        /\[aws\] t3\.micro: launching\n/,
        /\[aws\] t3\.micro i-\w+: agent online\n/,
        /\[aws\] t3\.micro i-\w+: image loaded: /,
        /\[aws\] t3\.micro: healthy; loading 9 workers from 3 loaders, together from /,
        /\[aws\] t3\.micro i-\w+: collecting: /,
      ])
        expect(outcome.stderr).toMatch(phase);
      expect(outcome.stderr.match(/\[aws\] loaders i-\w+: agent online, scenario uploaded\n/g)).toHaveLength(
        3,
      );
      expect(killedId).toBeDefined();
      expect(outcome.stderr).toContain(`[aws] loaders ${killedId}: lost:`);
      expect(outcome.stderr).toContain("the others go on");

      const results = readResults(
        readFileSync(join(out, "t3.micro", "results.json"), "utf8"),
        "results.json",
      );
      // the two loaders that lived, merged; the dead one named
      expect(results.loaders?.map((loader) => loader.source).sort()).toHaveLength(2);
      expect(results.loaders?.map((loader) => loader.source)).not.toContain(killedId);
      expect(results.options.lostLoaders).toEqual([{ instanceId: killedId, reason: expect.any(String) }]);
      // one global decision, taken on the merged seconds, went on without the dead loader
      expect(results.sizing?.message).toContain("merged over 2 of 3 loaders");
      expect(results.sizing?.message).toContain(`decided without ${killedId}`);
      expect(results.requests).toBe(results.loaders?.reduce((total, loader) => total + loader.requests, 0));
      expect(results.requests).toBeGreaterThan(0);
      // the workers were shared: 3 + 3 + 3, the two that lived
      expect(results.options.totalWorkers).toBe(6);
      // the global decision counted the two that lived: 3 + 3 workers at the stop, as the summary says
      expect(results.sizing?.workersAtStop).toBe(6);
      // the node's metrics begin with the load, not with the container (nor the start margin)
      const metrics = await readMetricsFile(join(out, "t3.micro", "metrics.csv"));
      expect(metrics.samples.length).toBeGreaterThan(0);
      expect(metrics.samples[0]?.time ?? 0).toBeGreaterThanOrEqual(Date.parse(results.startedAt) - 1000);
      expect(readFileSync(join(out, "t3.micro", "summary.md"), "utf8")).toContain("6 workers");
      expect(existsSync(join(out, "t3.micro", "report.html"))).toBe(true);
      // the report says the run lost a loader, naming it
      expect(readFileSync(join(out, "t3.micro", "summary.md"), "utf8")).toMatch(
        new RegExp(`1 loader was lost during the run and left out of the results \\(${killedId}: `),
      );
      // --terminate: loaders and service node gone
      const left = [...fake.fleet.instances.values()].filter(
        (instance) => instance.state !== "terminated" && instance.state !== "shutting-down",
      );
      expect(left.map((instance) => instance.instanceId)).toEqual([]);
    } finally {
      stop.abort();
      await fake.close();
    }
  });
});

/** The loader nodes' working folders, once each has `lines` seconds of its live record; else undefined. */
function loadersLive(fake: AwsFake, count: number, lines: number): string[] | undefined {
  const folders = [...fake.fleet.instances.values()]
    .filter((instance) => instance.tags.get("sizer:role") === "loader")
    .map((instance) => join(instance.directory, "sizer-aws", "load"));
  const live = folders.filter(
    (loader) =>
      existsSync(join(loader, "live.ndjson")) &&
      readFileSync(join(loader, "live.ndjson"), "utf8").split("\n").length - 1 >= lines,
  );
  return live.length === count ? live : undefined;
}

describe("sizer aws run --loaders: Ctrl-C during the distributed load", () => {
  it("stops every loader's loadcore, writes the merged results and report, leaves nothing, exit 130", {
    timeout: 600_000,
  }, async () => {
    const service = demoServiceOnFake();
    const fake = await startAwsFake({ publicIpAddress: "127.0.0.1", ...service.fakeOptions });
    try {
      const out = join(folder.path, "loaders-interrupted");
      const { child, done } = startCli(
        cliPath,
        [
          ...["aws", "run", "--image", service.image, "--port", String(await freePort())],
          ...["--instance-types", "t3.micro", "--instance-profile", "sizer-ssm"],
          ...["--loaders", "2", "--loader-type", "c6i.large", "--loader-command", LOADCORE],
          ...["--loader-start-margin", "2"],
          ...["--scenario", join(demoServiceDir, "loadtest.ts"), "--workers", "4"],
          ...["--ramp-up", "60", "--duration", "300", "--terminate", "--yes", "--out", out, "-q"],
        ],
        { env: fakeEnvironment(fake), timeoutMs: 540_000 },
      );
      // both loaders a few seconds into the load: Ctrl-C
      let loaders: string[] | undefined;
      while (loaders === undefined && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        loaders = loadersLive(fake, 2, 4);
      }
      expect(loaders, "the loaders never got going").toHaveLength(2);
      child.kill("SIGINT");
      const outcome = await done;
      expect(outcome.code, outcome.stderr).toBe(130);
      // every loader's loadcore stopped (not left loading), each having written its results
      for (const loader of loaders ?? []) {
        expect(processAlive(Number(readFileSync(join(loader, "loadcore.pid"), "utf8")))).toBe(false);
        expect(
          readResults(readFileSync(join(loader, "results.json"), "utf8"), "results.json").interrupted,
        ).toBe(true);
      }
      const typeDir = join(out, "t3.micro");
      const results = readResults(readFileSync(join(typeDir, "results.json"), "utf8"), "results.json");
      expect(results.interrupted).toBe(true);
      expect(results.loaders).toHaveLength(2);
      for (const loader of results.loaders ?? []) expect(loader.requests).toBeGreaterThan(0);
      expect(results.requests).toBe(results.loaders?.reduce((total, loader) => total + loader.requests, 0));
      for (const file of ["report.html", "summary.md", "service.log"])
        expect(existsSync(join(typeDir, file)), file).toBe(true);
      // the node's metrics came back and begin with the load
      const metrics = await readMetricsFile(join(typeDir, "metrics.csv"));
      expect(metrics.samples.length).toBeGreaterThan(0);
      expect(metrics.samples[0]?.time ?? 0).toBeGreaterThanOrEqual(Date.parse(results.startedAt) - 1000);
      const comparison = JSON.parse(readFileSync(join(out, "comparison.json"), "utf8"));
      expect(comparison.types[0]).toMatchObject({ measured: true, partial: true });
      // no container of the run, no launched instance left
      expect(containersOf(fake, comparison.runId)).toBe("");
      const left = [...fake.fleet.instances.values()].filter(
        (instance) => instance.state !== "terminated" && instance.state !== "shutting-down",
      );
      expect(left.map((instance) => instance.instanceId)).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});

/** A service that answers 503 above 3 requests in flight; it binds the first free of two loopback addresses (below). */
const CAPACITY_SERVER = `import { createServer } from "node:http";
let inFlight = 0;
const server = createServer((request, response) => {
  request.resume();
  if (inFlight >= 3) return response.writeHead(503).end("over capacity");
  inFlight += 1;
  setTimeout(() => {
    inFlight -= 1;
    response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  }, 50);
});
const hosts = ["127.0.0.2", "127.0.0.3"];
function listen(index) {
  server.once("error", (error) => {
    if (error.code === "EADDRINUSE" && index + 1 < hosts.length) listen(index + 1);
    else throw error;
  });
  server.listen(Number(process.env.PORT), hosts[index]);
}
listen(0);
`;

const CAPACITY_SCENARIO = `import { scenario } from "@sizer/loadcore";
scenario(async function work(session) {
  await session.get(new URL("/work", process.env.SERVER_URL).href, { expect: 200 });
});
`;

/**
 * Every fake node is this machine: two service containers with host networking cannot share one
 * address and port. Each service node gets its own loopback address (127.0.0.2, 127.0.0.3), and each
 * container binds the first free one; which container a type's loaders reach is a race, but both are
 * the same service.
 */
async function giveServiceNodesTheirAddresses(fake: AwsFake, stop: AbortSignal): Promise<void> {
  const given = new Set<string>();
  while (!stop.aborted) {
    for (const instance of fake.fleet.instances.values()) {
      if (instance.tags.get("sizer:role") !== "service" || given.has(instance.instanceId)) continue;
      instance.publicIpAddress = `127.0.0.${given.size + 2}`;
      given.add(instance.instanceId);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("sizer aws run --loaders: instance types at the same time, one global stop each", () => {
  it("sizes two types at once, each with its own two loaders, stopped together on the merged error ratio", {
    timeout: 600_000,
  }, async () => {
    const serviceFolder = join(folder.path, "capacity-service");
    mkdirSync(serviceFolder, { recursive: true });
    writeFileSync(join(serviceFolder, "server.mjs"), CAPACITY_SERVER);
    const scenarioFile = join(folder.path, "capacity-loadtest.ts");
    writeFileSync(scenarioFile, CAPACITY_SCENARIO);
    const service = serviceOnFake({ serviceFolder, entry: "server.mjs", name: "sizer-test-capacity" });
    const image = service.image;
    const fake = await startAwsFake({ publicIpAddress: "127.0.0.1", ...service.fakeOptions });
    const stop = new AbortController();
    const addresses = giveServiceNodesTheirAddresses(fake, stop.signal);
    try {
      const out = join(folder.path, "parallel");
      const started = Date.now();
      const outcome = await runCli(
        [
          ...["aws", "run", "--image", image, "--port", String(await freePort())],
          ...["--instance-types", "t3.micro,t3.small", "--instance-profile", "sizer-ssm"],
          ...["--loaders", "2", "--loader-type", "c6i.large", "--loader-command", LOADCORE],
          ...["--loader-start-margin", "2"],
          ...["--scenario", scenarioFile, "--workers", "16", "--ramp-up", "16", "--duration", "60"],
          ...["--sizing-window", "3", "--sizing-min-samples", "30"],
          ...["--terminate", "--yes", "--out", out, "-q"],
        ],
        { env: fakeEnvironment(fake), timeoutMs: 540_000 },
      );
      process.stderr.write(
        `sizer aws run, 2 types x 2 loaders at once, on the fake: ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      expect(outcome.code, outcome.stderr).toBe(0);
      expect(outcome.stderr).toContain("4 loader node(s) (c6i.large, 2 per instance type");
      const windows: [number, number][] = [];
      for (const type of ["t3.micro", "t3.small"]) {
        expect(outcome.stderr).toMatch(
          new RegExp(`\\[aws\\] ${type}: healthy; loading 16 workers from 2 loaders, together from `),
        );
        expect(outcome.stderr).toMatch(
          new RegExp(`\\[aws\\] ${type} loaders: global stop \\(merged over 2 loaders\\): capacity reached`),
        );
        const results = readResults(readFileSync(join(out, type, "results.json"), "utf8"), "results.json");
        expect(results.loaders).toHaveLength(2);
        // stopped by the one decision: as a sizing stop, not interrupted, on the merged ratio
        for (const loader of results.loaders ?? []) expect(loader.endReason).toBe("sizing");
        // ...together: within 3 s of each other (one poll, one stop command to both)
        const ends = (results.loaders ?? []).map((loader) => Date.parse(loader.endedAt ?? ""));
        expect(Math.max(...ends) - Math.min(...ends)).toBeLessThan(3000);
        expect(results.interrupted).toBe(false);
        expect(results.sizing?.reached).toBe(true);
        expect(results.sizing?.stopReason).toBe("error-ratio");
        expect(results.sizing?.message).toMatch(
          /^merged over 2 of 2 loaders: capacity reached: [\d.]+% errors/,
        );
        // the stop came before the ramp's end: 16 workers were never all started
        expect(results.sizing?.workersAtStop ?? 16).toBeLessThan(16);
        windows.push([Date.parse(results.startedAt), Date.parse(results.endedAt ?? results.startedAt)]);
      }
      // the two types' loads ran at the same time
      const [first, second] = windows as [[number, number], [number, number]];
      expect(first[0] < second[1] && second[0] < first[1]).toBe(true);
      expect(outcome.stdout).toMatch(/t3\.micro: .* req\/s at capacity/);
      expect(outcome.stdout).toMatch(/t3\.small: .* req\/s at capacity/);
      const left = [...fake.fleet.instances.values()].filter(
        (instance) => instance.state !== "terminated" && instance.state !== "shutting-down",
      );
      expect(left.map((instance) => instance.instanceId)).toEqual([]);
    } finally {
      stop.abort();
      await addresses;
      await fake.close();
    }
  });
});
