#!/usr/bin/env node
// The README's main job: `npm run demo` autosizes the bundled demo service (examples/demo-service)
// on this machine with `sizer run` and writes ./sizer-report-<timestamp>/. The settings finish in
// about two minutes or less on a 2-core machine: 120 workers over a 90 s ramp-up, a 10 s sizing
// window, 110 s at most. Extra arguments are passed to `sizer run` (e.g. `npm run demo -- --json`).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "apps", "sizer", "dist", "cli.js");
const demo = join(root, "examples", "demo-service");

if (!existsSync(cli)) {
  console.error("demo: the sizer CLI is not built (apps/sizer/dist/cli.js); run `npm run build` first");
  process.exit(1);
}

const args = [
  cli,
  "run",
  "--service-cmd",
  "node server.mjs",
  "--service-cwd",
  demo,
  "--scenario",
  join(demo, "loadtest.ts"),
  "--workers",
  "120",
  "--ramp-up",
  "90",
  "--sizing-window",
  "10",
  "--duration",
  "110",
  "--title",
  "sizer demo: the in-memory document store",
  ...process.argv.slice(2),
];

const child = spawn(process.execPath, args, { stdio: "inherit" });
// Ctrl-C reaches sizer too (same terminal): it stops the load and writes a partial report.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {});
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 128 + 15 : 1));
});
