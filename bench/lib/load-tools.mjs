import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { BenchPrerequisiteError } from "./errors.mjs";
import { findExecutable, pinned, probe, runProcess } from "./processes.mjs";

/** The repository root: every command runs from there, with paths relative to it. */
export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** loadcore's built CLI; the benchmarks never build it. */
export const loadcoreCli = join(repositoryRoot, "packages", "loadcore", "dist", "cli.js");

/**
 * @typedef {object} RunRequest
 * @property {string} url target server
 * @property {number} concurrency connections (autocannon) or workers (loadcore, Molotov)
 * @property {number} durationSeconds
 * @property {number} [rampUpSeconds] loadcore and Molotov only
 * @property {number} [processes] loadcore -p; 1 by default
 * @property {string} scenario path of the scenario file, relative to the repository root
 * @property {{ taskset: string | undefined, generatorCpu: number | undefined }} pinning
 * @property {(pid: number) => void} [onStart] receives the generator's pid when it starts
 * @property {string} [nodeOptions] NODE_OPTIONS for a Node generator (V8 heap flags, for instance)
 */

/**
 * @typedef {object} RunResult
 * @property {boolean} ok the run completed without failures: its rate counts toward the medians
 * @property {number | undefined} requestsPerSecond
 * @property {number | undefined} requests completed HTTP requests (successes for Molotov)
 * @property {number | undefined} failed failed requests or scenario runs as the tool counts them
 * @property {number | undefined} durationSeconds the duration the rate was computed over
 * @property {number} wallSeconds from spawn to exit, start-up included
 * @property {string[]} command the command line, for the record
 * @property {string | undefined} problem why the run is not usable, or what looks wrong in it
 * @property {Record<string, unknown>} [details] tool-specific extras worth keeping (loadcore's self-check)
 */

/**
 * @typedef {object} LoadTool
 * @property {"autocannon" | "loadcore" | "molotov"} name
 * @property {() => Promise<{ version: string | undefined, skipReason: string | undefined }>} check
 * @property {(request: RunRequest) => Promise<RunResult>} run
 */

const requireFromRoot = createRequire(join(repositoryRoot, "package.json"));

/** autocannon (root devDependency), run through its JS bin with this Node, JSON output (`-j`). */
export const autocannon = {
  name: /** @type {const} */ ("autocannon"),
  async check() {
    const manifest = autocannonManifest();
    if (manifest === undefined) {
      return { version: undefined, skipReason: "autocannon is not installed (run `npm run setup`)" };
    }
    return { version: manifest.version, skipReason: undefined };
  },
  /** @param {RunRequest} request */
  async run(request) {
    const manifest = /** @type {NonNullable<ReturnType<typeof autocannonManifest>>} */ (autocannonManifest());
    const args = [
      manifest.bin,
      "-c",
      String(request.concurrency),
      "-d",
      String(request.durationSeconds),
      "-j",
      request.url,
    ];
    const outcome = await runGenerator({ command: process.execPath, args }, request);
    const base = {
      wallSeconds: outcome.wallSeconds,
      command: ["node", relativePath(manifest.bin), ...args.slice(1)],
    };
    const failure = describeFailure(outcome);
    if (failure) return { ...empty, ...base, problem: failure };
    let report;
    try {
      report = JSON.parse(outcome.stdout);
    } catch {
      return {
        ...empty,
        ...base,
        problem: `autocannon printed no JSON result: ${firstLine(outcome.stderr)}`,
      };
    }
    const requests = report.requests?.total;
    const durationSeconds = report.duration;
    // autocannon counts a timeout in `errors` as well as in `timeouts`.
    const failed = (report.errors ?? 0) + (report.non2xx ?? 0);
    if (typeof requests !== "number" || typeof durationSeconds !== "number" || durationSeconds <= 0) {
      return { ...empty, ...base, problem: "autocannon's JSON has no requests.total or duration" };
    }
    return {
      ok: requests > 0 && failed === 0,
      requestsPerSecond: requests / durationSeconds,
      requests,
      failed,
      durationSeconds,
      ...base,
      problem:
        failed > 0
          ? `${failed} failures (${report.errors} errors of which ${report.timeouts} timeouts, ${report.non2xx} non-2xx)`
          : problemWithCounts(requests, failed),
      details: {
        errors: report.errors,
        timeouts: report.timeouts,
        non2xx: report.non2xx,
        latency: { p50: report.latency?.p50, p99: report.latency?.p99, max: report.latency?.max },
      },
    };
  },
};

/**
 * A loadcore CLI as a load tool: the package's own build by default, or another build of it (a copy of
 * an older `dist/`, to measure before and after a change in one run), results read from its `--output`.
 *
 * @param {{ name?: string, cli?: string }} [options] `cli`: the `cli.js` to run (default: the package's)
 * @returns {LoadTool}
 */
export function loadcoreTool({ name = "loadcore", cli = loadcoreCli } = {}) {
  const isPackageBuild = cli === loadcoreCli;
  return {
    name: /** @type {any} */ (name),
    async check() {
      if (!isPackageBuild) {
        if (!existsSync(cli)) {
          throw new BenchPrerequisiteError(`${cli} is missing: give the cli.js of a loadcore build`);
        }
        const builtAt = statSync(cli).mtime.toISOString().slice(0, 16).replace("T", " ");
        return { version: `${relativePath(cli)} (built ${builtAt} UTC)`, skipReason: undefined };
      }
      if (!existsSync(loadcoreCli)) {
        throw new BenchPrerequisiteError(
          `${relativePath(loadcoreCli)} is missing: run \`npm run build\` first (the benchmarks build nothing), or leave loadcore out with --tools`,
        );
      }
      const manifest = JSON.parse(
        readFileSync(join(repositoryRoot, "packages", "loadcore", "package.json"), "utf8"),
      );
      // The version alone says little while loadcore changes every hour: name the last commit and the build time.
      const commit = await probe("git", [
        "-C",
        repositoryRoot,
        "log",
        "-1",
        "--format=%h",
        "--",
        "packages/loadcore",
      ]);
      const changes = await probe("git", [
        "-C",
        repositoryRoot,
        "status",
        "--porcelain",
        "--",
        "packages/loadcore/src",
      ]);
      const builtAt = statSync(loadcoreCli).mtime.toISOString().slice(0, 16).replace("T", " ");
      const source = commit ? `git ${commit}${changes ? " + uncommitted changes" : ""}, ` : "";
      return {
        version: `${manifest.version} (${source}dist built ${builtAt} UTC)`,
        skipReason: undefined,
      };
    },
    /** @param {RunRequest} request */
    async run(request) {
      const directory = mkdtempSync(join(tmpdir(), "sizer-bench-loadcore-"));
      const output = join(directory, "results.json");
      const args = [
        relativePath(cli),
        "-w",
        String(request.concurrency),
        "-d",
        String(request.durationSeconds),
        ...(request.rampUpSeconds ? ["--ramp-up", String(request.rampUpSeconds)] : []),
        ...(request.processes && request.processes > 1 ? ["-p", String(request.processes)] : []),
        "--output",
        output,
        request.scenario,
      ];
      try {
        const outcome = await runGenerator({ command: process.execPath, args }, request);
        const base = {
          wallSeconds: outcome.wallSeconds,
          command: ["node", ...args.slice(0, -3), "--output", "<json>", request.scenario],
        };
        // exit 3 = no scenario run succeeded: the results file is still written, its counts say why
        const failure = outcome.exitCode === 3 && existsSync(output) ? undefined : describeFailure(outcome);
        if (failure) return { ...empty, ...base, problem: failure };
        if (!existsSync(output)) {
          return {
            ...empty,
            ...base,
            problem: `loadcore wrote no --output file; it printed: ${firstLine(outcome.stdout || outcome.stderr)}`,
          };
        }
        const results = JSON.parse(readFileSync(output, "utf8"));
        if (results.format !== "loadcore-results" || typeof results.throughput !== "number") {
          return {
            ...empty,
            ...base,
            problem: "loadcore's --output file is not a loadcore-results JSON with a throughput",
          };
        }
        const requests = results.requests;
        const failed = results.failed ?? 0;
        return {
          ok: requests > 0 && failed === 0,
          requestsPerSecond: results.throughput,
          requests,
          failed,
          durationSeconds: results.durationSeconds,
          ...base,
          problem: problemWithCounts(requests, failed),
          details: {
            selfCheck: results.selfCheck,
            latency: results.latency,
            errors: results.errors,
            steadyCpuMicrosPerRun: steadyCpuMicrosPerRun(results.timeline),
          },
        };
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    },
  };
}

/** Seconds left out at the start of a loadcore run by the steady figures: start-up and warm-up. */
export const UNSTEADY_SECONDS = 2;

/**
 * The generator's CPU time per scenario run in the steady seconds of a loadcore results timeline (its own
 * per-second CPU reading over the runs that ended; the first 2 seconds and the closing one left out), µs.
 * Unlike the process's CPU over its whole life, it leaves out start-up (Node, the scenario file, the
 * warm-up: about half a CPU-second, 15 µs a run at 3,500 runs/s over 10 s). Undefined without such seconds.
 *
 * @param {{ generatorCpuPercent: number, ok: number, failed: number }[] | undefined} timeline
 * @returns {number | undefined}
 */
export function steadyCpuMicrosPerRun(timeline) {
  const steady = (timeline ?? []).slice(UNSTEADY_SECONDS, -1);
  let cpuSeconds = 0;
  let runs = 0;
  for (const second of steady) {
    cpuSeconds += second.generatorCpuPercent / 100;
    runs += second.ok + second.failed;
  }
  return runs > 0 ? (cpuSeconds * 1e6) / runs : undefined;
}

/** loadcore's CLI (`packages/loadcore/dist/cli.js`), results read from its `--output` JSON. */
export const loadcore = loadcoreTool();

/** Molotov (Debian python3-molotov), from the PATH; its own final "SUCCESSES: n | FAILURES: n" line. */
export const molotov = {
  name: /** @type {const} */ ("molotov"),
  async check() {
    const executable = findExecutable("molotov");
    if (executable === undefined) {
      return {
        version: undefined,
        skipReason: "molotov is not on the PATH (Debian: apt-get install python3-molotov)",
      };
    }
    const version = await probe(executable, ["--version"]);
    const python = await probe(interpreterOf(executable) ?? "python3", ["--version"]);
    return { version: python ? `${version} (${python})` : version, skipReason: undefined };
  },
  /** @param {RunRequest} request */
  async run(request) {
    const executable = /** @type {string} */ (findExecutable("molotov"));
    const args = [
      "-w",
      String(request.concurrency),
      "-d",
      String(request.durationSeconds),
      ...(request.rampUpSeconds ? ["--ramp-up", String(request.rampUpSeconds)] : []),
      "-x",
      request.scenario,
    ];
    const outcome = await runGenerator({ command: executable, args }, request);
    const base = { wallSeconds: outcome.wallSeconds, command: ["molotov", ...args] };
    const counts = parseMolotovSummary(outcome.stdout, outcome.stderr);
    // Molotov 2.1's entry point ends with sys.exit(<results dict>): Python prints the dict and exits 1
    // after a normal run. So exit code 1 with that dict is success; any other exit is a failure.
    const normalExit = outcome.exitCode === 0 || (outcome.exitCode === 1 && counts?.source === "results");
    const failure = normalExit ? undefined : describeFailure(outcome);
    if (counts === undefined) {
      return {
        ...empty,
        ...base,
        problem: failure ?? `molotov printed no summary: ${firstLine(outcome.stderr)}`,
      };
    }
    // Molotov has no rate of its own: its successes over the requested duration (each success is one GET).
    const durationSeconds = request.durationSeconds;
    return {
      ok: failure === undefined && counts.successes > 0 && counts.failures === 0,
      requestsPerSecond: counts.successes / durationSeconds,
      requests: counts.successes,
      failed: counts.failures,
      durationSeconds,
      ...base,
      problem: failure ?? problemWithCounts(counts.successes, counts.failures),
    };
  },
};

/** All the tools, in the order they are listed. */
export const loadTools = { autocannon, loadcore, molotov };

/**
 * Reads Molotov's final counters: from the results dict Molotov 2.1 prints on exit
 * (`{'OK': n, 'FAILED': n, ...}`) when present, else from the last "SUCCESSES: n | FAILURES: n"
 * console line (rewritten with carriage returns while it runs, printed once more at the end).
 *
 * @param {string} stdout
 * @param {string} [stderr]
 * @returns {{ successes: number, failures: number, source: "results" | "console" } | undefined}
 */
export function parseMolotovSummary(stdout, stderr = "") {
  const results = /'OK': (\d+), 'FAILED': (\d+)/.exec(`${stderr}\n${stdout}`);
  if (results) return { successes: Number(results[1]), failures: Number(results[2]), source: "results" };
  const last = [...stdout.matchAll(/SUCCESSES: (\d+) \| FAILURES: (\d+)/g)].at(-1);
  if (last === undefined) return undefined;
  return { successes: Number(last[1]), failures: Number(last[2]), source: "console" };
}

const empty = {
  ok: false,
  requestsPerSecond: undefined,
  requests: undefined,
  failed: undefined,
  durationSeconds: undefined,
};

/**
 * @param {{ command: string, args: string[] }} invocation
 * @param {RunRequest} request
 */
function runGenerator(invocation, request) {
  const command = pinned(invocation, { taskset: request.pinning.taskset, cpu: request.pinning.generatorCpu });
  return runProcess(command, {
    cwd: repositoryRoot,
    env: {
      ...process.env,
      SERVER_URL: request.url,
      NO_COLOR: "1",
      ...(request.nodeOptions ? { NODE_OPTIONS: request.nodeOptions } : {}),
    },
    timeoutMs: ((request.rampUpSeconds ?? 0) + request.durationSeconds + 60) * 1000,
    onStart: request.onStart,
  });
}

/** @param {import("./processes.mjs").ProcessOutcome} outcome */
function describeFailure(outcome) {
  if (outcome.spawnError) return `could not start: ${outcome.spawnError}`;
  if (outcome.timedOut) return "did not finish in time and was killed";
  if (outcome.exitCode !== 0) {
    const reason = outcome.signal
      ? `was killed by ${outcome.signal}`
      : `exited with code ${outcome.exitCode}`;
    return `${reason}: ${firstLine(outcome.stderr || outcome.stdout)}`;
  }
  return undefined;
}

/** @param {number} requests @param {number} failed */
function problemWithCounts(requests, failed) {
  if (requests === 0) return "no request completed";
  if (failed > 0) return `${failed} failures`;
  return undefined;
}

function autocannonManifest() {
  try {
    const manifestPath = requireFromRoot.resolve("autocannon/package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
    const bin = typeof manifest.bin === "string" ? manifest.bin : manifest.bin?.autocannon;
    return { version: String(manifest.version), bin: join(dirname(manifestPath), bin) };
  } catch {
    return undefined;
  }
}

/**
 * The interpreter named on a script's "#!" line (Molotov's Python), or undefined.
 *
 * @param {string} script
 */
function interpreterOf(script) {
  try {
    const firstBytes = readFileSync(script, "utf8").slice(0, 200);
    const match = /^#!\s*(\S+)/.exec(firstBytes);
    return match?.[1]?.endsWith("env") ? undefined : match?.[1];
  } catch {
    return undefined;
  }
}

/** @param {string} path */
function relativePath(path) {
  return relative(repositoryRoot, path);
}

/** @param {string} text */
function firstLine(text) {
  const lines = text
    .trim()
    .split("\n")
    .filter((line) => line.trim() !== "");
  return (lines.find((line) => /error/i.test(line)) ?? lines[0] ?? "(no output)").slice(0, 300);
}

/**
 * The tools of `wanted` that can run here, with their versions; each one that cannot is named with its
 * reason on stdout and in `skipped`.
 *
 * @param {LoadTool[]} wanted
 * @returns {Promise<{ tools: LoadTool[], versions: Record<string, string>, skipped: Record<string, string> }>}
 * @throws {BenchPrerequisiteError} when none of them can run
 */
export async function availableTools(wanted) {
  const tools = [];
  /** @type {Record<string, string>} */
  const versions = {};
  /** @type {Record<string, string>} */
  const skipped = {};
  for (const tool of wanted) {
    const { version, skipReason } = await tool.check();
    if (skipReason) {
      skipped[tool.name] = skipReason;
      console.log(`note: ${tool.name} skipped: ${skipReason}`);
      continue;
    }
    versions[tool.name] = version;
    tools.push(tool);
  }
  if (tools.length === 0) throw new BenchPrerequisiteError("none of the requested tools is available");
  return { tools, versions, skipped };
}
