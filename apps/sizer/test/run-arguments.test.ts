import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUN_OPTION_FLAGS } from "@sizer/loadcore";
import { afterAll, describe, expect, it } from "vitest";
import { SizerUsageError } from "../src/errors.js";
import { RUN_HELP } from "../src/help.js";
import { defaultOutDir, LOAD_OPTIONS, parseRunArguments } from "../src/run-arguments.js";
import { temporaryFolder } from "./helpers.js";

const folder = temporaryFolder();
afterAll(() => folder.remove());
writeFileSync(join(folder.path, "loadtest.ts"), "export {};\n");
mkdirSync(join(folder.path, "service"));
const context = { cwd: folder.path, now: new Date("2026-11-26T07:05:09.123Z") };
const base = ["--service-cmd", "node server.mjs", "--scenario", "loadtest.ts"];

function parse(args: string[]) {
  const parsed = parseRunArguments(args, context);
  if (parsed.help) throw new Error("unexpected help");
  return parsed.options;
}

function usageError(args: string[]): SizerUsageError {
  try {
    parseRunArguments(args, context);
  } catch (error) {
    if (error instanceof SizerUsageError) return error;
    throw error;
  }
  throw new Error(`no error for ${args.join(" ")}`);
}

describe("parseRunArguments", () => {
  it("takes --model workers or auto, and refuses auto with an arrival rate already given", () => {
    expect(parse([...base, "--model", "auto"]).model).toBe("auto");
    expect(parse(base).model).toBeUndefined();
    const bad = usageError([...base, "--model", "rate"]);
    expect(bad.input).toBe("--model");
    expect(bad.message).toBe("--model must be workers or auto, got 'rate'");
    expect(
      usageError([...base, "--model", "auto", "--ramp-rate", "1:100", "--ramp-up", "30"]).message,
    ).toMatch(/^--model auto chooses the model itself: not with --rate or --ramp-rate/);
  });

  it("passes an arrival-rate ramp on to loadcore's sizing, and refuses a constant rate it cannot size", () => {
    expect(
      parse([...base, "--ramp-rate", "50:400", "--ramp-up", "40", "--max-workers", "300"]).load,
    ).toMatchObject({
      rampRate: "50:400",
      rampUp: 40,
      maxWorkers: 300,
    });
    const error = usageError([...base, "--rate", "200"]);
    expect(error.message).toBe("--rate and --sizing cannot be used together");
    expect(error.input).toBe("--rate");
  });

  it("maps every flag to options, with the default output folder", () => {
    const options = parse([
      ...base,
      "--service-cwd",
      "service",
      "--service-env",
      "MODE=fast",
      "--service-env",
      "EMPTY=",
      "--port",
      "8080",
      "-w",
      "150",
      "--ramp-up",
      "60",
      "--sizing-window",
      "10",
      "--sizing-tolerance",
      "2.5",
      "--sizing-latency",
      "p95=500",
      "-p",
      "2",
      "--timeout",
      "5",
      "--seed",
      "42",
      "--load-cpus",
      "0",
      "--json",
    ]);
    expect(options).toMatchObject({
      service: { kind: "command", command: "node server.mjs", cwd: join(folder.path, "service"), port: 8080 },
      serviceEnv: { MODE: "fast", EMPTY: "" },
      scenario: { kind: "file", file: join(folder.path, "loadtest.ts") },
      load: {
        workers: 150,
        rampUp: 60,
        sizingWindow: 10,
        sizingTolerance: 2.5,
        sizingLatency: "p95=500",
        processes: 2,
        timeout: 5,
        seed: 42,
      },
      loadCpus: [0],
      output: "json",
      collector: "native",
      outDir: join(folder.path, "sizer-report-20261126T070509Z"),
    });
    expect(defaultOutDir("/x", context.now)).toBe("/x/sizer-report-20261126T070509Z");
  });

  it("passes -k/--insecure to the load (and the readiness probes)", () => {
    expect(parse(["--url", "https://127.0.0.1:9443", "--scenario", "loadtest.ts", "-k"]).load.insecure).toBe(
      true,
    );
    expect(
      parse(["--url", "https://127.0.0.1:9443", "--scenario", "loadtest.ts"]).load.insecure,
    ).toBeUndefined();
  });

  it("accepts --url alone for a running service, and --repo with --test", () => {
    const options = parse([
      "--url",
      "http://127.0.0.1:9000",
      "--repo",
      "https://example.invalid/repo.git",
      "--test",
      "sizer",
      "--ref",
      "v1",
    ]);
    expect(options.service).toEqual({ kind: "url", url: "http://127.0.0.1:9000/" });
    expect(options.scenario).toEqual({
      kind: "repo",
      repo: "https://example.invalid/repo.git",
      test: "sizer",
      ref: "v1",
    });
  });

  it("takes --plotly basic or full for the report's plotly.js bundle", () => {
    expect(parse([...base, "--plotly", "full"]).plotly).toBe("full");
    expect(parse([...base, "--plotly=basic"]).plotly).toBe("basic");
    expect(parse(base).plotly).toBeUndefined();
  });

  it("returns help for --help", () => {
    expect(parseRunArguments(["--help"], context)).toEqual({ help: true });
  });

  it("names every loadcore run option it passes on in its --help", () => {
    const missing = LOAD_OPTIONS.map((name) => RUN_OPTION_FLAGS[name].flag).filter(
      (flag) => !new RegExp(`${flag}(?![\\w-])`).test(RUN_HELP),
    );
    expect(missing).toEqual([]);
  });

  it.each([
    [["--scenario", "loadtest.ts"], "--service-cmd", /say which service to size/],
    [["--service-cmd", "x"], "--scenario", /say which load to apply/],
    [[...base, "--workers", "ten"], "--workers", /--workers must be an integer >= 1, got "ten"/],
    [[...base, "--workers", "0"], "--workers", /--workers must be an integer >= 1/],
    [[...base, "--ramp-up=-1"], "--ramp-up", /--ramp-up must be a number of seconds >= 0/],
    [[...base, "--sizing-tolerance", "150"], "--sizing-tolerance", /a percentage in \[0, 100\), got 150/],
    [[...base, "--sizing-tolerance", "100"], "--sizing-tolerance", /a percentage in \[0, 100\), got 100/],
    [
      [...base, "--sizing-latency", "p95=500", "--sizing-latency", "p99=900"],
      "--sizing-latency",
      /--sizing-latency is given twice/,
    ],
    [[...base, "--sizing-latency", "fast"], "--sizing-latency", /PERCENTILE=MILLISECONDS/],
    [[...base, "--port", "70000"], "--port", /--port must be an integer >= 1 and <= 65535/],
    [[...base, "--service-env", "1X=y"], "--service-env", /NAME=VALUE/],
    [[...base, "--service-cwd", "nowhere"], "--service-cwd", /is not a folder/],
    [[...base, "--collector", "prometheus"], "--collector", /native or glances/],
    [[...base, "--plotly", "gl3d"], "--plotly", /--plotly must be one of basic, full, got "gl3d"/],
    [[...base, "--service-cpus", "x"], "--service-cpus", /list of cores/],
    [[...base, "--quiet", "--json"], "--json", /cannot be combined/],
    [[...base, "--bogus"], "--bogus", /Unknown option '--bogus'/],
    [["--image", "nginx", "--scenario", "loadtest.ts"], "--port", /--image needs --port/],
    [["--url", "ftp://x", "--scenario", "loadtest.ts"], "--url", /http:\/\/ or https:\/\/ URL/],
    [
      ["--url", "http://127.0.0.1:1/", "--pid", "1", "--service-cmd", "x", "--scenario", "loadtest.ts"],
      "--pid",
      /--pid goes with --url/,
    ],
    [["--url", "http://127.0.0.1:1/", "--repo", "r"], "--test", /--repo needs --test/],
    [
      ["--url", "http://127.0.0.1:1/", "--repo=--upload-pack=x", "--test", "t"],
      "--repo",
      /must not start with '-'/,
    ],
  ])("refuses %j naming %s", (args, input, message) => {
    const error = usageError(args as string[]);
    expect(error.input).toBe(input);
    expect(error.message).toMatch(message as RegExp);
  });

  it("takes every loadcore run option under loadcore's flag, Molotov's habits included", () => {
    const options = parse([
      ...base,
      "--sizing",
      "-vv",
      "-x",
      "--delay",
      "0.5",
      "--max-runs",
      "3",
      "--use-extension",
      "fixtures.ts",
      "--sizing-tolerance",
      "0",
    ]);
    expect(options.load).toEqual({
      sizing: true,
      verbose: 2,
      exception: true,
      delay: 0.5,
      maxRuns: 3,
      useExtension: [join(folder.path, "fixtures.ts")],
      sizingTolerance: 0,
    });
  });

  it("calls a missing scenario file a scenario error (exit 5), as loadcore's own would be", () => {
    let error: unknown;
    try {
      parseRunArguments(["--service-cmd", "x", "--scenario", "missing.ts"], context);
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({
      code: "ERR_SIZER_SCENARIO",
      message: expect.stringMatching(/--scenario missing.ts: no such file/),
    });
  });

  it("refuses an output folder that is not empty", () => {
    writeFileSync(join(folder.path, "service", "x.txt"), "x");
    expect(usageError([...base, "--out", "service"]).message).toMatch(/--out service is not empty/);
  });
});

describe("runSizer's load settings, given by a program", () => {
  it("are checked by loadcore's validator before anything starts, naming the option", async () => {
    const { runSizer } = await import("../src/run-sizer.js");
    const marker = join(folder.path, "program-service-started");
    const run = runSizer({
      service: {
        kind: "command",
        command: `${process.execPath} -e "require('node:fs').writeFileSync(process.argv[1], 'x')" ${marker}`,
      },
      scenario: { kind: "file", file: join(folder.path, "loadtest.ts") },
      load: { sizingTolerance: 100 },
      outDir: join(folder.path, "program-run"),
      output: "quiet",
    });
    await expect(run).rejects.toMatchObject({
      code: "ERR_SIZER_USAGE",
      input: "load.sizingTolerance",
      message: "load.sizingTolerance must be a percentage in [0, 100), got 100",
    });
    expect(existsSync(marker)).toBe(false);
  });
});
