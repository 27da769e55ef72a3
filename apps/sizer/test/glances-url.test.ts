// `sizer run --url URL --glances-url URL`: the service on another machine, its host recorded through
// the REST API of a real Glances web server (both on loopback here).
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SizerUsageError } from "../src/errors.js";
import { parseRunArguments } from "../src/run-arguments.js";
import { runCli } from "./cli-run.js";
import { fixture, temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());

function glancesInstalled(): boolean {
  try {
    execFileSync("glances", ["-V"], { stdio: "ignore", timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts a child and resolves once a line of its output matches `pattern`. */
async function startChild(
  command: string,
  args: string[],
  pattern: RegExp,
  env: Record<string, string> = {},
) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (pattern.test(output)) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${command} exited with code ${code}: ${output}`)));
  });
  return child;
}

/** Polls `url` once a second until it answers 200; false after `attempts`. */
async function untilAnswers(url: string, attempts: number): Promise<boolean> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return false;
}

describe("--glances-url", () => {
  it("is refused with anything but --url alone, and must be an http URL", () => {
    const context = { cwd: folder.path, now: new Date("2026-12-06T12:00:00Z") };
    const scenario = ["--scenario", fixture("truth-scenario.ts")];
    const refused = (args: string[]) => {
      try {
        parseRunArguments([...args, ...scenario], context);
      } catch (error) {
        if (error instanceof SizerUsageError) return error;
        throw error;
      }
      throw new Error(`accepted: ${args.join(" ")}`);
    };
    expect(refused(["--service-cmd", "node x.mjs", "--glances-url", "http://127.0.0.1:61208"])).toMatchObject(
      {
        input: "--glances-url",
        message: expect.stringContaining("--glances-url goes with --url alone"),
      },
    );
    expect(
      refused([
        "--url",
        "http://127.0.0.1:1",
        "--collector",
        "glances",
        "--glances-url",
        "http://127.0.0.1:61208",
      ]).message,
    ).toContain("not with --service-cmd, --image, --pid or --collector");
    expect(refused(["--url", "http://127.0.0.1:1", "--glances-url", "ftp://host"]).message).toBe(
      "--glances-url must be an http:// or https:// URL, got 'ftp://host'",
    );
    const parsed = parseRunArguments(
      ["--url", "http://127.0.0.1:1", "--glances-url", "http://127.0.0.1:61208", ...scenario],
      context,
    );
    expect(parsed.help ? null : parsed.options.glancesUrl).toBe("http://127.0.0.1:61208/");
  });

  it.skipIf(!glancesInstalled())(
    "records the service's host through Glances' REST API",
    { timeout: 180_000 },
    async () => {
      const glancesPort = await freePort();
      const glances = spawn(
        "glances",
        [
          "-w",
          "--disable-webui",
          "--disable-check-update",
          "-B",
          "127.0.0.1",
          "-p",
          String(glancesPort),
          "-t",
          "1",
        ],
        { stdio: "ignore" },
      );
      const answered = await untilAnswers(`http://127.0.0.1:${glancesPort}/api/3/cpu`, 60);
      if (!answered) {
        glances.kill("SIGTERM");
        throw new Error(`Glances did not answer on port ${glancesPort} within 60 s`);
      }
      const servicePort = await freePort();
      const service = await startChild(
        process.execPath,
        [fixture("ground-truth-service.mjs")],
        /listening on/,
        { TRUTH_MODE: "cpu", COST_MS: "2", PORT: String(servicePort) },
      );
      try {
        const out = join(folder.path, "remote");
        const outcome = await runCli([
          "run",
          "--url",
          `http://127.0.0.1:${servicePort}`,
          "--glances-url",
          `http://127.0.0.1:${glancesPort}`,
          "--ready-timeout",
          "60",
          "--scenario",
          fixture("truth-scenario.ts"),
          ...["--workers", "4", "--ramp-up", "2", "--sizing-window", "4", "--duration", "15"],
          "--out",
          out,
          "--json",
        ]);
        expect(outcome.stderr).not.toMatch(/internal error/);
        expect(outcome.code).toBe(0);
        const metrics = readFileSync(join(out, "metrics.csv"), "utf8");
        expect(metrics).toMatch(/^# source: glances-rest$/m);
        const header = metrics.split("\n").find((line) => line.startsWith("time,")) ?? "";
        expect(header).toContain("host.cpu.percent");
        const record = JSON.parse(readFileSync(join(out, "command.json"), "utf8")) as { collector: string };
        expect(record.collector).toBe(`glances-rest http://127.0.0.1:${glancesPort}/`);
        const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as {
          analysis: { checks: Array<{ metric: string; scope: string }> };
        };
        expect(summary.analysis.checks.some((check) => check.metric === "host.cpu.percent")).toBe(true);
        // 'sizer report DIR' judges the saved run as 'sizer run' did: the service's host is Glances'.
        const warnings = (path: string) =>
          (JSON.parse(readFileSync(path, "utf8")) as { analysis: { trust: { warnings: string[] } } }).analysis
            .trust.warnings;
        const before = warnings(join(out, "summary.json"));
        const rebuilt = await runCli(["report", out]);
        expect(rebuilt.code).toBe(0);
        expect(warnings(join(out, "summary.json"))).toEqual(before);
      } finally {
        service.kill("SIGTERM");
        glances.kill("SIGTERM");
        await Promise.all([once(service, "exit"), once(glances, "exit")]);
      }
    },
  );
});
