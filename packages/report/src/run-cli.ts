import { parseArgs } from "node:util";
import { EXIT_CODES } from "@sizer/process-kit";
import { buildReport } from "./build-report.js";
import { ReportError, ReportOptionError } from "./errors.js";
import { REPORT_ERROR_EXIT_CODE } from "./exit-codes.js";
import { readMetadataFile } from "./inputs/read-metadata.js";
import { readMetricsFile } from "./inputs/read-metrics.js";
import { readResultsFile } from "./inputs/read-results.js";
import { parsePlotlyBundle } from "./plotly-bundle.js";
import { REPORT_VERSION } from "./version.js";

export const USAGE = `Usage: sizer-report --results results.json [--metrics metrics.csv] [-o out-dir | --html report.html]

Builds the sizing report (report.html, summary.md, summary.json) from files.

Options:
  --results <file>        results JSON written by loadcore (required)
  --metrics <file>        metrics CSV or NDJSON from glances-collector, or a raw Glances CSV
  --metadata <file>       run metadata JSON (service command, target, versions, host, sharedCores, partial)
  -o, --out-dir <dir>     write report.html, summary.md and summary.json here
                          (default: sizer-report-<start time>)
  --html <file>           write only the HTML report, to this file
  --title <text>          report title (default "Sizing report")
  --generated-at <iso>    generation time to print (fixes the output bytes)
  --tolerance <percent>   error tolerance (default: the results' sizing tolerance, else 5)
  --service-cores <n>     cores the service may use (default: metadata vCPUs, then host.cpu.count)
  --link-speed <bits/s>   link speed for interfaces whose metrics have none
  --plotly <bundle>       plotly.js bundle to inline: basic (default; opens seconds
                          faster) or full (every plotly trace type)
  --json                  print summary.json's analysis on stdout instead of the headline
  -h, --help              show this help
  --version               show the version

Exit codes (the table every sizer command shares, docs/exit-codes.md): 0 done, 2 invalid
flag, 6 an input file not found, malformed or of a newer version, or an output that cannot be
written, 70 internal error.`;

/** Where the CLI writes; defaults to the process's streams. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

function numberFlag(
  flag: string,
  value: string | undefined,
  check: (number: number) => boolean,
  expected: string,
) {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || !check(number)) {
    throw new ReportOptionError(flag, `expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return number;
}

/**
 * Runs `sizer-report` with `argv` (without the node and script paths) and returns the exit code.
 * Never throws for a user mistake: it prints one clear line on stderr instead.
 */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse(argv);
    } catch (error) {
      throw new ReportOptionError("arguments", (error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout(`${USAGE}\n`);
      return EXIT_CODES.done;
    }
    if (values.version) {
      io.stdout(`${REPORT_VERSION}\n`);
      return EXIT_CODES.done;
    }
    if (positionals.length > 0)
      throw new ReportOptionError("arguments", `unexpected argument ${JSON.stringify(positionals[0])}`);
    if (!values.results)
      throw new ReportOptionError("--results", "required: the results JSON written by loadcore");
    for (const flag of [
      "results",
      "metrics",
      "metadata",
      "out-dir",
      "html",
      "title",
      "generated-at",
    ] as const) {
      if (values[flag] !== undefined && values[flag].trim() === "")
        throw new ReportOptionError(`--${flag}`, "must not be empty");
    }
    if (values["out-dir"] !== undefined && values.html !== undefined) {
      throw new ReportOptionError("--html", "give either -o/--out-dir or --html, not both");
    }
    const tolerance = numberFlag(
      "--tolerance",
      values.tolerance,
      (n) => n >= 0 && n <= 100,
      "a percentage from 0 to 100",
    );
    const serviceCores = numberFlag(
      "--service-cores",
      values["service-cores"],
      (n) => n > 0,
      "a positive number of cores",
    );
    const linkSpeed = numberFlag(
      "--link-speed",
      values["link-speed"],
      (n) => n > 0,
      "a positive number of bits per second",
    );

    const plotlyBundle =
      values.plotly === undefined ? undefined : parsePlotlyBundle(values.plotly, "--plotly");

    const results = await readResultsFile(values.results);
    const metrics = values.metrics ? await readMetricsFile(values.metrics) : undefined;
    const metadata = values.metadata ? await readMetadataFile(values.metadata) : undefined;
    const defaultDir = `sizer-report-${results.startedAt.replace(/[-:]/g, "").replace(/\.\d+/, "")}`;
    const report = await buildReport({
      results,
      metrics,
      metadata,
      ...(values.html !== undefined
        ? { htmlPath: values.html }
        : { outDir: values["out-dir"] ?? defaultDir }),
      generatedAt: values["generated-at"],
      title: values.title,
      command: ["sizer-report", ...argv],
      plotlyBundle,
      analysis: {
        ...(tolerance !== undefined ? { tolerancePercent: tolerance } : {}),
        ...(serviceCores !== undefined ? { serviceCores } : {}),
        ...(linkSpeed !== undefined ? { linkSpeedBitsPerSecond: linkSpeed } : {}),
      },
    });
    if (values.json) {
      io.stdout(`${JSON.stringify(report.analysis, null, 2)}\n`);
    } else {
      io.stdout(`${report.analysis.headline}\n`);
      for (const file of Object.values(report.files)) if (file) io.stdout(`wrote ${file}\n`);
    }
    return EXIT_CODES.done;
  } catch (error) {
    if (error instanceof ReportError) {
      io.stderr(`sizer-report: ${error.message}\n`);
      if (error.code === "ERR_REPORT_OPTION_INVALID") io.stderr("Run sizer-report --help for the usage.\n");
      return EXIT_CODES[REPORT_ERROR_EXIT_CODE[error.code]];
    }
    io.stderr(
      `sizer-report: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT_CODES.internal;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      results: { type: "string" },
      metrics: { type: "string" },
      metadata: { type: "string" },
      "out-dir": { type: "string", short: "o" },
      html: { type: "string" },
      title: { type: "string" },
      "generated-at": { type: "string" },
      tolerance: { type: "string" },
      "service-cores": { type: "string" },
      "link-speed": { type: "string" },
      plotly: { type: "string" },
      json: { type: "boolean" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean" },
    },
  });
}
