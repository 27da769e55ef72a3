import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * An image the fake's nodes run as a plain process where no Docker engine answers: its command
 * (the image's entrypoint, as this machine runs it), folder and environment.
 */
export interface ProcessImage {
  command: string[];
  cwd: string;
  env?: Record<string, string>;
}

/** What the stand-in says on stderr whenever it starts an image, so that no one mistakes it for an engine. */
export const NO_ENGINE_NOTE = "aws-fake: no Docker engine: ";

// A Node script; no template interpolation inside (String.raw keeps its backslashes).
const DOCKER_PROCESS_SHIM = String.raw`// aws-fake's stand-in for docker on a fake node where no engine answers: each known image runs as
// a process (pinned with taskset to --cpuset-cpus), watched by a supervisor that keeps its log and
// exit code; the subset of docker that sizer's node scripts use, and it says so on every start.
import { spawn, spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const NOTE = "${NO_ENGINE_NOTE}";
const state = process.env.AWS_FAKE_DOCKER_STATE;
const images = JSON.parse(readFileSync(join(state, "images.json"), "utf8"));
const containers = join(state, "containers");
mkdirSync(containers, { recursive: true });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function fail(message, code = 1) { process.stderr.write(message + "\n"); process.exit(code); }
const stateFile = (name) => join(containers, name + ".json");
const exitFile = (name) => join(containers, name + ".exit");
const logFile = (name) => join(containers, name + ".log");
function load(name) { try { return JSON.parse(readFileSync(stateFile(name), "utf8")); } catch { return undefined; } }
function exitCode(name) { try { return Number(readFileSync(exitFile(name), "utf8")); } catch { return undefined; } }
function save(container) { writeFileSync(stateFile(container.name), JSON.stringify(container)); }
function mustLoad(name) { return load(name) ?? fail("Error response from daemon: No such container: " + name); }

function parseRun(args) {
  const run = { labels: {}, env: {}, cpuset: "", name: "", network: "" };
  let index = 0;
  const withValue = { "--name": "name", "--network": "network", "--cpuset-cpus": "cpuset" };
  for (; index < args.length; index++) {
    const arg = args[index];
    if (arg === "-d" || arg === "--detach" || arg === "--rm") continue;
    if (arg === "--") { index++; break; }
    if (withValue[arg]) { run[withValue[arg]] = args[++index]; continue; }
    if (arg === "--label") { const [key, ...value] = args[++index].split("="); run.labels[key] = value.join("="); continue; }
    if (arg === "-e" || arg === "--env") { const [key, ...value] = args[++index].split("="); run.env[key] = value.join("="); continue; }
    if (arg.startsWith("-")) fail(NOTE + "docker run " + arg + " is not available without an engine");
    break;
  }
  run.image = args[index];
  return run;
}

async function runImage(args) {
  const run = parseRun(args);
  const image = images[run.image];
  if (!image) fail("Unable to find image '" + run.image + "' locally (" + NOTE + "no process stands in for it)", 125);
  if (!run.name) run.name = "fake_" + process.pid;
  if (load(run.name) && exitCode(run.name) === undefined) fail("Error response from daemon: Conflict. The container name \"/" + run.name + "\" is already in use", 125);
  for (const file of [exitFile(run.name), logFile(run.name)]) rmSync(file, { force: true });
  save({ ...run, startedAt: new Date().toISOString() });
  const supervisor = spawn(process.execPath, [fileURLToPath(import.meta.url), "__supervise", run.name], { detached: true, stdio: "ignore" });
  supervisor.unref();
  for (let waited = 0; waited < 10_000 && load(run.name)?.pid === undefined && exitCode(run.name) === undefined; waited += 50) await sleep(50);
  const started = load(run.name);
  if (started?.pid === undefined) fail(NOTE + run.image + " did not start: " + readLog(run.name).slice(-400), 125);
  process.stderr.write(NOTE + "image " + run.image + " runs as a process (pid " + started.pid + (run.cpuset ? ", cores " + run.cpuset : "") + "), not in a container\n");
  process.stdout.write(Buffer.from(run.name).toString("hex").padEnd(64, "0") + "\n");
}

function readLog(name) { try { return readFileSync(logFile(name), "utf8"); } catch { return ""; } }

function supervise(name) {
  const container = load(name);
  const image = images[container.image];
  const taskset = container.cpuset && spawnSync("taskset", ["--version"]).status === 0;
  const command = taskset ? ["taskset", "-c", container.cpuset, ...image.command] : image.command;
  const child = spawn(command[0], command.slice(1), {
    cwd: image.cwd,
    env: { ...process.env, ...(image.env ?? {}), ...container.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const keep = (chunk) => appendFileSync(logFile(name), chunk.toString().split("\n").map((line, index, lines) => index === lines.length - 1 && line === "" ? "" : new Date().toISOString() + " " + line).join("\n"));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  child.on("spawn", () => save({ ...container, pid: child.pid, supervisor: process.pid }));
  child.on("error", (error) => { keep(Buffer.from(String(error) + "\n")); writeFileSync(exitFile(name), "127"); });
  child.on("exit", (code, signal) => {
    const signals = { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 };
    writeFileSync(exitFile(name), String(code ?? 128 + (signals[signal] ?? 1)));
  });
  process.on("SIGTERM", () => child.kill("SIGTERM"));
}

function processTimes(pid) {
  try {
    const fields = readFileSync("/proc/" + pid + "/stat", "utf8").split(") ")[1].split(" ");
    const rss = /VmRSS:\s+(\d+)/.exec(readFileSync("/proc/" + pid + "/status", "utf8"));
    return { ticks: Number(fields[11]) + Number(fields[12]), rssBytes: rss ? Number(rss[1]) * 1024 : 0 };
  } catch { return undefined; }
}

function memory(bytes) { return (bytes / 1048576).toFixed(2) + "MiB / " + (Number(/MemTotal:\s+(\d+)/.exec(readFileSync("/proc/meminfo", "utf8"))[1]) / 1048576).toFixed(2) + "GiB"; }

async function stats(args) {
  const format = args[args.indexOf("--format") + 1] ?? "{{.CPUPerc}}|{{.MemUsage}}";
  const name = args.at(-1);
  mustLoad(name);
  const ticksPerSecond = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim()) || 100;
  let previous;
  for (;;) {
    const container = load(name);
    if (!container || exitCode(name) !== undefined) return;
    const times = container.pid === undefined ? undefined : processTimes(container.pid);
    const now = Date.now();
    if (times && previous) {
      const percent = ((times.ticks - previous.ticks) / ticksPerSecond) / ((now - previous.at) / 1000) * 100;
      process.stdout.write(format.replace("{{.CPUPerc}}", percent.toFixed(2) + "%").replace("{{.MemUsage}}", memory(times.rssBytes)) + "\n");
    }
    if (times) previous = { ...times, at: now };
    await sleep(500);
  }
}

function remove(args) {
  const force = args.includes("-f") || args.includes("--force");
  for (const name of args.filter((arg) => !arg.startsWith("-"))) {
    const container = load(name);
    if (!container) { if (force) continue; fail("Error response from daemon: No such container: " + name); }
    if (exitCode(name) === undefined && !force) fail("Error response from daemon: cannot remove a running container " + name + ": stop it first or use -f");
    for (const pid of [container.pid, container.supervisor]) { try { if (pid) process.kill(pid, "SIGKILL"); } catch {} }
    for (const file of [stateFile(name), exitFile(name), logFile(name)]) rmSync(file, { force: true });
    process.stdout.write(name + "\n");
  }
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  switch (command) {
    case "__supervise": return supervise(args[0]);
    case "info": return void process.stdout.write(args.includes("--format") ? "aws-fake-process-stand-in\n" : "Server Version: aws-fake process stand-in (" + NOTE.trim() + " images run as processes)\n");
    case "image": return process.exit(args[0] === "inspect" && images[args.at(-1)] ? 0 : 1);
    case "pull": return images[args.at(-1)] ? void process.stderr.write(NOTE + args.at(-1) + " is run as a process, nothing to pull\n") : fail("Error response from daemon: pull access denied for " + args.at(-1) + " (" + NOTE + "no process stands in for it)");
    case "load": return fail(NOTE + "a docker save archive cannot be loaded: give --image with a process stand-in instead");
    case "run": return runImage(args);
    case "stats": return stats(args);
    case "logs": return void process.stdout.write(readLog(mustLoad(args.at(-1)).name).replace(/^\S+ /gm, args.includes("--timestamps") || args.includes("-t") ? "$&" : ""));
    case "rm": return remove(args);
    case "kill": { const container = mustLoad(args.at(-1)); try { process.kill(container.pid, "SIGKILL"); } catch {} return void process.stdout.write(container.name + "\n"); }
    case "wait": { const name = args.at(-1); mustLoad(name); while (exitCode(name) === undefined) { if (!load(name)) fail("Error response from daemon: No such container: " + name); await sleep(200); } return void process.stdout.write(exitCode(name) + "\n"); }
    case "inspect": { const container = mustLoad(args.at(-1)); const format = args[args.indexOf("--format") + 1] ?? ""; return void process.stdout.write(format.replace("{{.HostConfig.CpusetCpus}}", container.cpuset).replace("{{.State.Status}}", exitCode(container.name) === undefined ? "running" : "exited").replace("{{.State.ExitCode}}", String(exitCode(container.name) ?? 0)) + "\n"); }
    case "ps": {
      const filter = args[args.indexOf("--filter") + 1]?.replace(/^label=/, "") ?? "";
      const [key, value] = filter.split("=");
      for (const file of readdirSync(containers).filter((entry) => entry.endsWith(".json"))) {
        const container = JSON.parse(readFileSync(join(containers, file), "utf8"));
        if (filter && !(key in container.labels && (value === undefined || container.labels[key] === value))) continue;
        if (!args.includes("-a") && exitCode(container.name) !== undefined) continue;
        process.stdout.write(container.name + "\n");
      }
      return;
    }
    default: return fail(NOTE + "docker " + command + " is not available without an engine");
  }
}
await main();
`;

/**
 * Writes the `docker` stand-in into `root/bin` (first in the scripts' PATH, before any real docker)
 * with the images it runs as processes; returns the folder where it keeps its containers' state.
 */
export function installDockerProcessShim(root: string, images: Record<string, ProcessImage>): string {
  const binDirectory = join(root, "bin");
  const stateDirectory = join(root, "docker-process-state");
  mkdirSync(binDirectory, { recursive: true });
  mkdirSync(stateDirectory, { recursive: true });
  writeFileSync(join(stateDirectory, "images.json"), JSON.stringify(images));
  writeFileSync(join(binDirectory, "docker-process-shim.mjs"), DOCKER_PROCESS_SHIM);
  // The state folder is written into the command: tests can call it too (`AwsFake.docker`).
  writeFileSync(
    join(binDirectory, "docker"),
    `#!/bin/sh\nAWS_FAKE_DOCKER_STATE=${JSON.stringify(stateDirectory)} exec ${JSON.stringify(process.execPath)} "$(dirname "$0")/docker-process-shim.mjs" "$@"\n`,
  );
  chmodSync(join(binDirectory, "docker"), 0o755);
  return stateDirectory;
}

/** Kills what the stand-in still runs (the fake is closing): every service and its supervisor. */
export function stopProcessContainers(stateDirectory: string): void {
  const containers = join(stateDirectory, "containers");
  if (!existsSync(containers)) return;
  for (const file of readdirSync(containers).filter((entry) => entry.endsWith(".json"))) {
    try {
      const container = JSON.parse(readFileSync(join(containers, file), "utf8")) as {
        pid?: number;
        supervisor?: number;
      };
      for (const pid of [container.pid, container.supervisor]) if (pid) process.kill(pid, "SIGKILL");
    } catch {
      // Gone already, or a file being written: nothing to stop.
    }
  }
}
