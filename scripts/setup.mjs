#!/usr/bin/env node
// Makes a fresh clone usable with nothing but Node.js and npm: installs the workspace with the
// pinned pnpm (through npx when pnpm is not on the PATH) and builds the packages.
// `--no-build` stops after the install. Fast when there is nothing to do.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const pinned = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).packageManager.split("@")[1];
const skipBuild = process.argv.includes("--no-build");
// turbo looks for pnpm on the PATH: the workspace's own copy is there once installed, also when
// this script runs outside npm.
process.env.PATH = `${join(root, "node_modules", ".bin")}${delimiter}${process.env.PATH ?? ""}`;

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: "inherit", shell: false });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`setup: '${command} ${args.join(" ")}' failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

function pnpmCommand() {
  const probe = spawnSync("pnpm", ["--version"], { encoding: "utf8" });
  if (probe.status === 0 && probe.stdout.trim() === pinned) return ["pnpm", []];
  return ["npx", ["-y", `pnpm@${pinned}`]];
}

function installIsCurrent() {
  const marker = join(root, "node_modules", ".modules.yaml");
  if (!existsSync(marker)) return false;
  const installedAt = statSync(marker).mtimeMs;
  const manifests = ["pnpm-lock.yaml", "package.json", "pnpm-workspace.yaml"];
  return manifests.every(
    (file) => !existsSync(join(root, file)) || statSync(join(root, file)).mtimeMs <= installedAt,
  );
}

if (!installIsCurrent()) {
  const [command, prefix] = pnpmCommand();
  const frozen = process.env.CI ? ["--frozen-lockfile"] : [];
  run(command, [...prefix, "install", ...frozen]);
}
if (!skipBuild) {
  run(process.execPath, [
    join(root, "node_modules", "turbo", "bin", "turbo"),
    "run",
    "build",
    "--output-logs=errors-only",
  ]);
}
