#!/usr/bin/env node
// The README's main job: `npm run demo` autosizes the bundled demo service (examples/demo-service)
// on this machine with `sizer run` and writes ./sizer-report-<timestamp>/. The settings finish in
// about two minutes or less on a 2-core machine: 120 workers over a 90 s ramp-up, a 10 s sizing
// window, 110 s at most. Extra arguments are passed to `sizer run` (e.g. `npm run demo -- --json`).
// `npm run demo -- --image` runs the service in a Docker container instead (a local image built
// from this machine's node, no registry needed; the engine must be running).
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

const extra = process.argv.slice(2);
let service = ["--service-cmd", "node server.mjs", "--service-cwd", demo];
if (extra.includes("--image") && extra[extra.indexOf("--image") + 1]?.startsWith("-") !== false) {
  // `--image` alone: build the demo's image here and size it in a container.
  const { buildNodeImage } = await import("../packages/test-utils/src/node-image.mjs");
  const { freePort } = await import("../packages/test-utils/src/free-port.mjs");
  let image;
  try {
    ({ image } = buildNodeImage({ serviceFolder: demo, entry: "server.mjs", name: "sizer-demo-service" }));
  } catch (error) {
    console.error(`demo: cannot build the demo's Docker image: ${error.message}`);
    process.exit(3);
  }
  extra.splice(extra.indexOf("--image"), 1);
  service = ["--image", image, "--port", String(await freePort())];
}

const args = [
  cli,
  "run",
  ...service,
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
  ...extra,
];

const child = spawn(process.execPath, args, { stdio: "inherit" });
// Ctrl-C reaches sizer too (same terminal): it stops the load and writes a partial report.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => {});
child.on("exit", (code, signal) => {
  process.exit(code ?? (signal ? 128 + 15 : 1));
});
