import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A folder made for one test and removed by {@link removeAll}. */
const made: string[] = [];

export function makeTemporaryDirectory(prefix = "moloslave-test-"): string {
  const path = mkdtempSync(join(tmpdir(), prefix));
  made.push(path);
  return path;
}

export function removeAll(): void {
  for (const path of made.splice(0)) rmSync(path, { recursive: true, force: true });
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "Test",
      GIT_AUTHOR_EMAIL: "test@example.invalid",
      GIT_COMMITTER_NAME: "Test",
      GIT_COMMITTER_EMAIL: "test@example.invalid",
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
    },
  }).trim();
}

export function writeFiles(directory: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(directory, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
}

/** Adds and commits `files` (all files when empty), returns the new commit. */
export function commit(directory: string, message: string, files: Record<string, string> = {}): string {
  writeFiles(directory, files);
  git(directory, "add", "--all");
  git(directory, "commit", "--quiet", "--message", message);
  return git(directory, "rev-parse", "HEAD");
}

/** A real git repository on branch `main` holding `files`, in a fresh temporary folder. */
export function makeRepository(files: Record<string, string>, parent = makeTemporaryDirectory()): string {
  const directory = join(parent, "repository");
  mkdirSync(directory, { recursive: true });
  git(directory, "init", "--quiet", "--initial-branch=main");
  commit(directory, "initial", files);
  return directory;
}

/** A port nobody listened on a moment ago, on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** `git daemon` serving every repository under `basePath` on 127.0.0.1 only; stop() ends it. */
export async function startGitDaemon(basePath: string): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const daemon = spawn(
    "git",
    [
      "daemon",
      "--export-all",
      "--reuseaddr",
      "--informative-errors",
      `--base-path=${basePath}`,
      "--listen=127.0.0.1",
      `--port=${port}`,
      basePath,
    ],
    { stdio: "ignore" },
  );
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    daemon.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  for (let attempt = 0; attempt < 200 && !exited; attempt++) {
    if (await canConnect(port)) {
      return {
        url: `git://127.0.0.1:${port}`,
        stop: async () => {
          daemon.kill("SIGTERM");
          await exit;
        },
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  daemon.kill("SIGKILL");
  throw new Error("git daemon did not start");
}

/** A loopback TCP server that accepts connections and never answers: git waits on it until its deadline. */
export async function startSilentServer(): Promise<{
  port: number;
  connections: () => number;
  stop: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    port: address.port,
    connections: () => count,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
