#!/usr/bin/env node
// The demo service sized as a process and in a Docker container, on the same cores, in alternated
// rounds: does `sizer run --image` measure the same service as `sizer run --service-cmd`?
// Prints each run's capacity and the per-round container/process ratio with its median.
// Needs a running Docker engine (host networking is used where the engine has no bridge).
//
//   node bench/docker-vs-process.mjs [--rounds 3] [--workers 120] [--ramp-up 60] [--duration 75] [--keep DIR]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../packages/test-utils/src/free-port.mjs";
import { buildNodeImage } from "../packages/test-utils/src/node-image.mjs";
import { BenchUsageError } from "./lib/errors.mjs";
import { parseFlags } from "./lib/flags.mjs";
import { formatRatio, markdownTable } from "./lib/format.mjs";
import { waitForQuiet } from "./lib/quiet-wait.mjs";
import { median } from "./lib/statistics.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const demo = join(root, "examples", "demo-service");
const cli = join(root, "apps", "sizer", "dist", "cli.js");

const FLAGS = {
  rounds: { type: "integer", description: "alternated rounds (process, then container)", default: 3, min: 1 },
  workers: { type: "integer", description: "workers of each sizing", default: 120, min: 1 },
  "ramp-up": { type: "integer", description: "ramp-up seconds", default: 60, min: 1 },
  duration: { type: "integer", description: "upper bound of each run, seconds", default: 75, min: 1 },
  "quiet-wait": {
    type: "integer",
    description: "seconds to wait for a quiet machine before each run",
    default: 20,
    min: 0,
  },
  keep: {
    type: "string",
    description:
      "keep each run's output folder (report, metrics, results) under this folder, as round-N-KIND",
  },
};

function sizerRun(service, settings, keepAs) {
  const out = keepAs ?? mkdtempSync(join(tmpdir(), "sizer-docker-vs-process-"));
  const args = [
    cli,
    "run",
    ...service,
    "--scenario",
    join(demo, "loadtest.ts"),
    "--workers",
    String(settings.workers),
    "--ramp-up",
    String(settings["ramp-up"]),
    "--sizing-window",
    "10",
    "--duration",
    String(settings.duration),
    "--json",
    "--out",
    join(out, "run"),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (keepAs === undefined) rmSync(out, { recursive: true, force: true });
      const verdict = stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line))
        .find((event) => event.event === "verdict");
      if (code !== 0 || verdict === undefined)
        reject(new Error(`sizer run exited ${code} without a verdict`));
      else resolve(verdict);
    });
  });
}

async function main() {
  const settings = parseFlags(process.argv.slice(2), FLAGS);
  if (settings.help) {
    console.log(
      Object.entries(FLAGS)
        .map(([name, spec]) => `  --${name}  ${spec.description}`)
        .join("\n"),
    );
    return;
  }
  const { image, built } = buildNodeImage({
    serviceFolder: demo,
    entry: "server.mjs",
    name: "sizer-demo-service",
  });
  console.log(`image ${image}${built ? " (built)" : ""}`);
  const rows = [];
  const ratios = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const figures = {};
    for (const kind of ["process", "container"]) {
      const quiet = await waitForQuiet({
        serverPid: undefined,
        limitCores: 0.2,
        maxSeconds: settings["quiet-wait"],
      });
      const service =
        kind === "process"
          ? ["--service-cmd", "node server.mjs", "--service-cwd", demo]
          : ["--image", image, "--port", String(await freePort())];
      const keepAs =
        settings.keep === undefined ? undefined : join(resolve(settings.keep), `round-${round}-${kind}`);
      const verdict = await sizerRun(service, settings, keepAs);
      figures[kind] = verdict;
      rows.push([
        String(round),
        kind,
        String(verdict.capacity.throughput ?? "none"),
        String(verdict.capacity.workers ?? "none"),
        `${verdict.bottleneck.resource} (${verdict.bottleneck.scope})`,
        quiet.otherCores.toFixed(2),
      ]);
      console.log(`round ${round} ${kind}: ${verdict.headline}`);
    }
    const ratio = figures.container.capacity.throughput / figures.process.capacity.throughput;
    if (Number.isFinite(ratio)) ratios.push(ratio);
  }
  console.log(
    `\n${markdownTable(["round", "service", "capacity req/s", "workers", "ran out", "others' cores before"], rows)}`,
  );
  console.log(
    `\ncontainer/process capacity per round: ${ratios.map(formatRatio).join(", ")}; median ${formatRatio(median(ratios))}`,
  );
}

main().catch((error) => {
  console.error(`docker-vs-process: ${error instanceof BenchUsageError ? error.message : error.stack}`);
  process.exit(error instanceof BenchUsageError ? 2 : 1);
});
