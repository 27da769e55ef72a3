#!/usr/bin/env node
// The README's test command (`npm test`): installs and builds the workspace (scripts/setup.mjs),
// makes sure the system programs the tests use are there (installing the missing Debian packages
// when it runs as root on Debian), runs every package's tests and ends with the line
// `N passed, N failed[, N skipped]`. Outside CI, tests whose system part is missing are skipped by
// name with the reason; under CI (CI=true) a missing part is a failure.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { installCommand, missingParts } from "../packages/test-utils/src/system-parts.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const inCi = Boolean(process.env.CI);
// turbo looks for pnpm on the PATH; the workspace's own copy is there when run outside npm too.
process.env.PATH = `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`;

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", ...options });
  return result.error ? 1 : (result.status ?? 1);
}

function canInstallDebianPackages() {
  return (
    process.getuid?.() === 0 &&
    existsSync("/etc/debian_version") &&
    spawnSync("apt-get", ["--version"], { stdio: "ignore" }).status === 0
  );
}

function installMissingParts() {
  let missing = missingParts();
  if (missing.length === 0) return missing;
  const packages = missing.flatMap((part) => part.debianPackages);
  if (canInstallDebianPackages()) {
    console.log(`test: installing the Debian packages the tests need: ${packages.join(" ")}`);
    const environment = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    const updated = run("apt-get", ["update", "-qq"], {
      env: environment,
      stdio: ["ignore", "ignore", "inherit"],
    });
    const installed =
      updated === 0 &&
      run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], {
        env: environment,
        stdio: ["ignore", "ignore", "inherit"],
      }) === 0;
    if (!installed) console.log("test: the install failed (see above)");
    // Probe again: the install may have brought some parts and not others.
    missing = missing.filter((part) => !usableNow(part));
  }
  return missing;
}

function usableNow(part) {
  return part.probes.every(
    ([command, ...args]) => spawnSync(command, args, { stdio: "ignore", timeout: 30_000 }).status === 0,
  );
}

/** Starts the daemons of missing parts that are installed (as root), e.g. a Docker engine. */
async function startDaemons(missing) {
  const started = [];
  if (process.getuid?.() !== 0) return { missing, started };
  for (const part of missing.filter((candidate) => candidate.daemon !== undefined)) {
    const [command, ...args] = part.daemon;
    if (spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status !== 0) continue;
    mkdirSync(join(root, ".tmp"), { recursive: true });
    const logFile = join(root, ".tmp", `${command}.log`);
    const output = openSync(logFile, "w");
    const child = spawn(command, args, { detached: true, stdio: ["ignore", output, output] });
    child.on("error", () => {});
    const exited = new Promise((resolve) => child.once("exit", resolve));
    let ready = false;
    for (let attempt = 0; attempt < 60 && !ready && child.exitCode === null; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      ready = usableNow(part);
    }
    if (ready) {
      console.log(`test: started ${part.daemon.join(" ")} (log: ${logFile}); stopped after the tests`);
      started.push({ child, exited });
    } else {
      console.log(`test: could not start ${part.daemon.join(" ")} (see ${logFile})`);
      child.kill("SIGTERM");
    }
  }
  return { missing: missing.filter((part) => !usableNow(part)), started };
}

async function stopDaemons(started) {
  for (const { child, exited } of started) {
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await exited;
    clearTimeout(timer);
  }
}

const setupStatus = run(process.execPath, [join(root, "scripts", "setup.mjs")]);
if (setupStatus !== 0) process.exit(setupStatus);

const { missing, started } = await startDaemons(installMissingParts());
if (missing.length > 0) {
  const lines = missing.map(
    (part) => `  - ${part.name} (Debian: ${part.debianPackages.join(", ")}), for ${part.usedBy}`,
  );
  console.log(
    [
      `test: ${missing.length === 1 ? "a system part is" : "system parts are"} missing:`,
      ...lines,
      `  install ${missing.length === 1 ? "it" : "them"} with: ${installCommand(missing, { sudo: process.getuid?.() !== 0 })}`,
      inCi
        ? "  CI=true: the tests that need them run and fail"
        : "  the tests that need them are skipped, by name, with this reason",
    ].join("\n"),
  );
}

// The packages whose tests measure a load: loadcore's and sizer's sizings pin a service and a
// generator to the cores, report's arrival-rate runs size loadcore against a rate-limited server.
// They run last, one at a time, with the machine to themselves. The others only parse, spawn and
// talk on loopback (glances-collector's CPU checks count the CPU a process used, whatever the
// contention): they run first, two packages at a time (their files mostly wait on loopback,
// processes and the AWS fake: at load 5-7, 444 s one after the other, 273 s two at a time, 175 s
// three at a time, where the fake's throttling and deadline tests keep less margin on 2 cores).
const measuring = ["@sizer/loadcore", "@sizer/report", "@sizer/cli"];

function turboTest(filters, concurrency) {
  return run(process.execPath, [
    join(root, "node_modules", "turbo", "bin", "turbo"),
    "run",
    "test",
    ...filters,
    `--concurrency=${concurrency}`,
    "--continue",
  ]);
}

rmSync(join(root, ".tmp", "test-results"), { recursive: true, force: true });
const concurrentStatus = turboTest(
  measuring.map((name) => `--filter=!${name}`),
  2,
);
const measuringStatus = turboTest(
  measuring.map((name) => `--filter=${name}`),
  1,
);
const testStatus = concurrentStatus || measuringStatus;
const summaryArguments = [join(root, "scripts", "test-summary.mjs")];
if (testStatus !== 0) summaryArguments.push("--command-failed");
if (missing.length > 0) summaryArguments.push(`--missing=${missing.map((part) => part.name).join(",")}`);
await stopDaemons(started);
process.exit(run(process.execPath, summaryArguments));
