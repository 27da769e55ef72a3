import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startProcess } from "@sizer/process-kit";
import { BenchServerError } from "./errors.mjs";
import { pinned } from "./processes.mjs";

const nodeServerScript = join(dirname(fileURLToPath(import.meta.url)), "..", "servers", "http-server.mjs");

/**
 * @typedef {object} TargetServer
 * @property {"nginx" | "node"} kind
 * @property {string} url where the load goes, always on 127.0.0.1
 * @property {number} pid the server's (master) process
 * @property {() => Promise<void>} stop stops the server and removes its files
 */

/**
 * Starts nginx with its own prefix and configuration in a temp directory, one worker process,
 * listening on 127.0.0.1 only, answering `200 "hello"` to every request (after `delayMs` when given).
 *
 * @param {{ nginx: string, taskset: string | undefined, cpu: number | undefined, delayMs?: number }} options
 * @returns {Promise<TargetServer>}
 */
export async function startNginxServer({ nginx, taskset, cpu, delayMs = 0 }) {
  let lastError;
  // The free port is found by binding port 0 and closing it: another process may take it in between.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const prefix = mkdtempSync(join(tmpdir(), "sizer-bench-nginx-"));
    const port = await findFreePort();
    writeFileSync(join(prefix, "nginx.conf"), nginxConfig(prefix, port, delayMs));
    const invocation = pinned(
      {
        command: nginx,
        args: ["-p", prefix, "-c", join(prefix, "nginx.conf"), "-e", join(prefix, "error.log")],
      },
      { taskset, cpu },
    );
    let stderr = "";
    const server = startProcess([invocation.command, ...invocation.args], {
      endWithParent: true,
      onOutput: (chunk, stream) => {
        if (stream === "stderr") stderr += chunk;
      },
    });
    const url = `http://127.0.0.1:${port}/`;
    const stop = () => server.stop().finally(() => rmSync(prefix, { recursive: true, force: true }));
    try {
      await server.spawned;
      await waitUntilAnswering(url, server);
      return { kind: "nginx", url, pid: /** @type {number} */ (server.pid), stop };
    } catch (error) {
      await stop();
      const log = readLog(join(prefix, "error.log"));
      lastError = new BenchServerError(
        `nginx did not start: ${firstLine(stderr || log || String(error))}`,
        error,
      );
    }
  }
  throw lastError;
}

/**
 * Starts bench/servers/http-server.mjs in its own Node process.
 *
 * @param {{ delayMs?: number, status?: number, taskset: string | undefined, cpu: number | undefined }} options
 * @returns {Promise<TargetServer>}
 */
export async function startNodeServer({ delayMs = 0, status = 200, taskset, cpu }) {
  const invocation = pinned(
    {
      command: process.execPath,
      args: [nodeServerScript, "--delay-ms", String(delayMs), "--status", String(status)],
    },
    { taskset, cpu },
  );
  let stdout = "";
  let stderr = "";
  /** @type {(url: string) => void} */
  let listening = () => {};
  const listened = new Promise((resolve) => {
    listening = resolve;
  });
  const server = startProcess([invocation.command, ...invocation.args], {
    endWithParent: true,
    onOutput: (chunk, stream) => {
      if (stream === "stderr") {
        stderr += chunk;
        return;
      }
      stdout += chunk;
      const match = /^listening (\S+)$/m.exec(stdout);
      if (match) listening(/** @type {string} */ (match[1]));
    },
  });
  const stop = () => server.stop().then(() => undefined);
  try {
    await server.spawned;
    let timer;
    const died = server.exited.then((exit) => {
      throw new Error(`exited with code ${exit.exitCode ?? exit.signal}: ${firstLine(stderr)}`);
    });
    died.catch(() => undefined);
    const url = await Promise.race([
      listened,
      died,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("no 'listening' line within 15 s")), 15_000);
      }),
    ]).finally(() => clearTimeout(timer));
    await waitUntilAnswering(url, server, status);
    return { kind: "node", url, pid: /** @type {number} */ (server.pid), stop };
  } catch (error) {
    await stop();
    throw new BenchServerError(
      `the Node target server did not start: ${error instanceof Error ? error.message : error}`,
      error,
    );
  }
}

/**
 * The bytes nginx sends at once before the delay: less than the answer (status line, headers and "hello"
 * are about 150 bytes), so that the rest waits.
 */
const DELAYED_FIRST_BYTES = 100;

/**
 * nginx's core has no "sleep", but its rate limit delays: with `limit_rate` R bytes/s and writes capped
 * at `sendfile_max_chunk` C bytes, nginx sends the first C bytes of the answer, then waits C * 1000 / R ms
 * before the rest. C = 100 and R = 100,000 / delayMs give a `delayMs` answer with no module to install.
 *
 * @param {number} delayMs
 */
function delayDirectives(delayMs) {
  if (delayMs <= 0) return "";
  const bytesPerSecond = Math.max(1, Math.round((DELAYED_FIRST_BYTES * 1000) / delayMs));
  return `
      # answers after ${delayMs} ms: ${DELAYED_FIRST_BYTES} bytes at once, the rest ${delayMs} ms later
      limit_rate_after 0;
      sendfile_max_chunk ${DELAYED_FIRST_BYTES};
      limit_rate ${bytesPerSecond};`;
}

/** @param {string} prefix @param {number} port @param {number} [delayMs] */
export function nginxConfig(prefix, port, delayMs = 0) {
  return `# Written by bench/lib/servers.mjs for one benchmark run.
daemon off;
master_process on;
worker_processes 1;
pid ${join(prefix, "nginx.pid")};
error_log ${join(prefix, "error.log")} warn;
# multi_accept: thousands of connections opened at once would overflow the accept queue (the kernel caps
# the backlog at net.core.somaxconn) and wait for a SYN retransmit, 1 s or more, whatever the generator
events { worker_connections 12000; multi_accept on; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, "client-body")};
  proxy_temp_path ${join(prefix, "proxy")};
  fastcgi_temp_path ${join(prefix, "fastcgi")};
  uwsgi_temp_path ${join(prefix, "uwsgi")};
  scgi_temp_path ${join(prefix, "scgi")};
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  server {
    listen 127.0.0.1:${port} backlog=4096;
    location / {
      default_type text/plain;${delayDirectives(delayMs)}
      return 200 "hello";
    }
  }
}
`;
}

/** @returns {Promise<number>} */
function findFreePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Polls the server until it answers the expected status, or fails if the process exits or 15 s pass.
 *
 * @param {string} url
 * @param {import("@sizer/process-kit").RunningProcess} server
 * @param {number} [expectedStatus]
 */
async function waitUntilAnswering(url, server, expectedStatus = 200) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const exit = server.exit();
    if (exit) throw new Error(`the server process exited (${exit.exitCode ?? exit.signal})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === expectedStatus) return;
      throw new Error(`${url} answered ${response.status}, expected ${expectedStatus}`);
    } catch (error) {
      if (error instanceof Error && error.message.includes(", expected ")) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${url} did not answer within 15 s`);
}

/** @param {string} path */
function readLog(path) {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

/** @param {string} text */
function firstLine(text) {
  return (
    text
      .trim()
      .split("\n")
      .find((line) => line.includes("emerg") || line.includes("rror")) ??
    text.trim().split("\n")[0] ??
    ""
  );
}
