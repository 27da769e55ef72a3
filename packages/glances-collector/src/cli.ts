#!/usr/bin/env node
import { open, stat, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { EXIT_CODES } from "@sizer/process-kit";
import { type CollectorOptions, type CollectorSourceName, createCollector } from "./collector.js";
import { convertGlancesCsv } from "./convert.js";
import { CollectorError, InvalidOptionError, PermissionError } from "./errors.js";
import { COLLECTOR_ERROR_EXIT_CODE } from "./exit-codes.js";
import { COLLECTOR_VERSION } from "./metric-sample.js";
import { createMetricsWriter } from "./metrics-writer.js";

// A closed pipe (`| head`) ends the printing, not the work: the samples are still written to --out.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

const USAGE = `Usage:
  glances-collector --version | -V
  glances-collector [--pid N] [--container ID]... [--interval 1] [--source native|glances|rest]
                    [--glances-url URL] [--glances-command PATH] [--duration S] [--no-host]
                    --out metrics.csv|metrics.ndjson
  glances-collector convert glances.csv --out metrics.csv|metrics.ndjson [--utc-offset MINUTES]
                    [--glances-version V]

Records resource samples (host, a process tree, containers) every interval until --duration
elapses or SIGINT/SIGTERM; the file is flushed as it goes. --container takes a container id, a
cgroup path (/system.slice/docker-<id>.scope) or pid:<pid>, optionally name=... in front.

Exit codes (the table every sizer command shares, docs/exit-codes.md): 0 done (also when
SIGINT/SIGTERM ends the collection), 2 bad flag or value, 6 an input file not found, unreadable,
malformed or of a newer version, or --out refused, 7 the pid or a container not found, or Glances
missing, failing or unreachable, 70 internal error.
`;

function number(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === "" || !Number.isFinite(value)) {
    throw new InvalidOptionError(flag, `--${flag} "${text}" is not a number`);
  }
  return value;
}

const SOURCES: Record<string, CollectorSourceName> = {
  native: "native",
  glances: "glances",
  rest: "glances-rest",
};

function requireOut(out: string | undefined): string {
  if (!out) throw new InvalidOptionError("out", "--out <file> is required (.csv, or .ndjson for NDJSON)");
  return out;
}

/**
 * Checks that `--out` can be written before any collecting starts (Glances spawned, a first
 * interval waited), without truncating an existing file: the writer truncates it later.
 */
async function checkOut(out: string): Promise<void> {
  const existing = await stat(out).catch(() => undefined);
  if (existing?.isDirectory()) {
    throw new InvalidOptionError("out", `--out ${out} is a directory; expected a file (.csv or .ndjson)`);
  }
  try {
    await (await open(out, "a")).close();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS")
      throw new PermissionError(out, { cause: error });
    const reason =
      code === "ENOENT" || code === "ENOTDIR" ? `no directory ${dirname(out)}` : (error as Error).message;
    throw new InvalidOptionError("out", `--out ${out} cannot be written: ${reason}`);
  }
  if (!existing) await unlink(out).catch(() => undefined);
}

async function collect(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      pid: { type: "string" },
      container: { type: "string", multiple: true },
      interval: { type: "string" },
      source: { type: "string" },
      "glances-url": { type: "string" },
      "glances-command": { type: "string" },
      duration: { type: "string" },
      "no-host": { type: "boolean" },
      out: { type: "string", short: "o" },
    },
  });
  if (positionals.length > 0)
    throw new InvalidOptionError("arguments", `unexpected argument "${positionals[0]}"`);
  const out = requireOut(values.out);
  const sourceFlag = values.source ?? "native";
  const source = SOURCES[sourceFlag];
  if (!source)
    throw new InvalidOptionError("source", `--source "${sourceFlag}" is not one of native, glances, rest`);
  const pid = number("pid", values.pid);
  const interval = number("interval", values.interval);
  const duration = number("duration", values.duration);
  const options: CollectorOptions = {
    source,
    ...(pid !== undefined ? { pid } : {}),
    ...(interval !== undefined ? { interval } : {}),
    ...(duration !== undefined ? { duration } : {}),
    ...(values.container ? { containers: values.container } : {}),
    ...(values["glances-url"] ? { glancesUrl: values["glances-url"] } : {}),
    ...(values["glances-command"] ? { glancesCommand: values["glances-command"] } : {}),
    ...(values["no-host"] ? { host: false } : {}),
  };
  const stopSignal = new AbortController();
  const onSignal = (): void => stopSignal.abort();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  await checkOut(out);
  const collector = createCollector({ ...options, signal: stopSignal.signal });
  await collector.start();
  const writer = createMetricsWriter(out, collector.meta);
  let samples = 0;
  try {
    for await (const event of collector.events()) {
      if (event.type === "sample") samples++;
      else process.stderr.write(`note: ${event.message}\n`);
      await writer.write(event);
    }
  } finally {
    await writer.close();
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  process.stderr.write(`glances-collector: wrote ${samples} samples to ${out}\n`);
  return EXIT_CODES.done;
}

async function convert(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      "utc-offset": { type: "string" },
      "glances-version": { type: "string" },
    },
  });
  const input = positionals[0];
  if (!input)
    throw new InvalidOptionError(
      "input",
      "convert needs the Glances CSV file: convert glances.csv --out metrics.csv",
    );
  if (positionals.length > 1)
    throw new InvalidOptionError("arguments", `unexpected argument "${positionals[1]}"`);
  const out = requireOut(values.out);
  const offset = number("utc-offset", values["utc-offset"]);
  if (offset !== undefined && (!Number.isInteger(offset) || Math.abs(offset) > 14 * 60)) {
    throw new InvalidOptionError(
      "utc-offset",
      `--utc-offset ${offset} must be whole minutes from -840 to 840`,
    );
  }
  await checkOut(out);
  const result = await convertGlancesCsv(input, out, {
    ...(offset !== undefined ? { utcOffsetMinutes: offset } : {}),
    ...(values["glances-version"] ? { glancesVersion: values["glances-version"] } : {}),
  });
  process.stderr.write(
    `glances-collector: converted ${result.samples} rows (Glances ${result.scheme} columns, ${result.metrics} metrics) to ${out}\n`,
  );
  return EXIT_CODES.done;
}

async function main(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(USAGE);
    return EXIT_CODES.done;
  }
  if (argv.includes("--version") || argv.includes("-V")) {
    process.stdout.write(`${COLLECTOR_VERSION}\n`);
    return EXIT_CODES.done;
  }
  return argv[0] === "convert" ? convert(argv.slice(1)) : collect(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CollectorError) {
      process.stderr.write(`glances-collector: ${error.message}\n`);
      if (error.code === "ERR_COLLECTOR_INVALID_OPTION") process.stderr.write(`\n${USAGE}`);
      process.exit(EXIT_CODES[COLLECTOR_ERROR_EXIT_CODE[error.code]]);
    }
    const code = (error as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      process.stderr.write(`glances-collector: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(EXIT_CODES.usage);
    }
    process.stderr.write(`glances-collector: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(EXIT_CODES.internal);
  },
);
