import { readFileSync } from "node:fs";
import { join } from "node:path";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { startCommandService } from "../src/command-service.js";
import { allowedCpus } from "../src/cpu-plan.js";
import { ServiceStartError } from "../src/errors.js";
import { freePort } from "../src/free-port.js";
import type { ServiceHandle } from "../src/service.js";
import { ServiceLog } from "../src/service-log.js";
import { alive, fixture, temporaryFolder } from "./helpers.js";

const folders: Array<{ remove: () => void }> = [];
const services: ServiceHandle[] = [];

afterEach(async () => {
  for (const service of services.splice(0)) await service.stop();
  for (const folder of folders.splice(0)) folder.remove();
});

function logIn(): ServiceLog {
  const folder = temporaryFolder();
  folders.push(folder);
  return new ServiceLog(join(folder.path, "service.log"));
}

function childPid(log: ServiceLog): number {
  const match = /child (\d+)/.exec(log.tail(50));
  if (!match) throw new Error(`no child pid in the output: ${log.tail(50)}`);
  return Number(match[1]);
}

describe("startCommandService", () => {
  it("starts a command on a free port given as PORT, waits until it answers, captures its output", async () => {
    const log = logIn();
    const service = await startCommandService({
      command: `node ${fixture("tree-server.mjs")}`,
      env: { GREETING: "hello there" },
      healthUrl: "/health",
      readyTimeoutMs: 20_000,
      log,
    });
    services.push(service);
    // SERVER_URL: an origin without a trailing slash, so `${SERVER_URL}/path` asks for /path.
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await request(service.url);
    const body = (await response.body.json()) as { pid: number; env: string };
    expect(body).toMatchObject({ pid: service.pid, env: "hello there" });
    await service.stop();
    await log.close();
    const text = readFileSync(log.path, "utf8");
    expect(text).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(text).toContain(`ready: ${service.url}/health answered 200`);
  });

  it("ends the whole process tree on stop, with SIGKILL when SIGTERM is ignored", async () => {
    const log = logIn();
    const service = await startCommandService({
      command: `node ${fixture("tree-server.mjs")}`,
      env: { IGNORE_TERM: "1" },
      readyTimeoutMs: 20_000,
      stopGraceMs: 500,
      log,
    });
    services.push(service);
    const child = childPid(log);
    expect(alive(child)).toBe(true);
    await service.stop();
    expect(alive(service.pid as number)).toBe(false);
    expect(alive(child)).toBe(false);
    expect(log.tail(50)).toContain("killed (SIGKILL)");
  });

  it("runs a command with shell syntax through sh -c and still ends the whole tree", async () => {
    const log = logIn();
    const service = await startCommandService({
      command: `GREETING=from-shell node ${fixture("tree-server.mjs")} && echo never`,
      readyTimeoutMs: 20_000,
      stopGraceMs: 2000,
      log,
    });
    services.push(service);
    const body = (await (await request(service.url)).body.json()) as { pid: number; env: string };
    expect(body.env).toBe("from-shell");
    expect(body.pid).not.toBe(service.pid);
    await service.stop();
    expect(alive(body.pid)).toBe(false);
    expect(alive(childPid(log))).toBe(false);
  });

  it("pins the service to the given cores with taskset", async () => {
    const cores = allowedCpus();
    const last = cores[cores.length - 1] as number;
    const service = await startCommandService({
      command: `node ${fixture("tree-server.mjs")}`,
      readyTimeoutMs: 20_000,
      cpus: [last],
      log: logIn(),
    });
    services.push(service);
    const status = readFileSync(`/proc/${service.pid}/status`, "utf8");
    expect(status).toMatch(new RegExp(`Cpus_allowed_list:\\s+${last}\\n`));
  });

  it("says the service exited before it was ready, with its own output", async () => {
    const error = await startCommandService({
      command: `node ${fixture("crash-on-start.mjs")}`,
      readyTimeoutMs: 20_000,
      log: logIn(),
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceStartError);
    expect(error).toMatchObject({ code: "ERR_SIZER_SERVICE_START" });
    expect((error as Error).message).toMatch(/exited before it was ready \(exit code 7\)/);
    expect((error as ServiceStartError).output).toContain("DATABASE_URL is not set");
  });

  it("names a program that does not exist", async () => {
    const error = await startCommandService({
      command: "no-such-program-for-sizer --serve",
      readyTimeoutMs: 5000,
      log: logIn(),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SIZER_SERVICE_START" });
    expect((error as Error).message).toContain("no-such-program-for-sizer");
  });

  it("gives up after the readiness timeout and ends the tree", async () => {
    const log = logIn();
    const error = await startCommandService({
      command: `node -e "setInterval(() => {}, 1000)"`,
      readyTimeoutMs: 800,
      log,
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "ERR_SIZER_SERVICE_NOT_READY" });
    expect((error as Error).message).toMatch(/did not answer at http:\/\/127\.0\.0\.1:\d+\/ within 1 s/);
    expect(log.tail(50)).toMatch(/service process group \d+ terminated/);
  });

  it("stops waiting at once on a self-signed certificate, naming -k and NODE_EXTRA_CA_CERTS", {
    timeout: 60_000,
  }, async () => {
    const log = logIn();
    const port = await freePort();
    const error = await startCommandService({
      command: `node ${fixture("https-server.mjs")}`,
      port,
      url: `https://127.0.0.1:${port}/`,
      // Long enough that waiting it out would show as the "did not answer within 30 s" message.
      readyTimeoutMs: 30_000,
      log,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ServiceStartError);
    expect(error).toMatchObject({ code: "ERR_SIZER_SERVICE_NOT_READY" });
    // Node's own reason comes in the parentheses (Node 24 appends a hint about --use-system-ca to it).
    expect((error as Error).message).toMatch(
      new RegExp(
        `^the service is not trusted: https://127\\.0\\.0\\.1:${port}/ presents a TLS certificate that cannot be verified \\(DEPTH_ZERO_SELF_SIGNED_CERT: self-signed certificate[^)]*\\); use -k/--insecure for a self-signed certificate, or NODE_EXTRA_CA_CERTS=ca\\.pem for a private CA$`,
      ),
    );
    expect(log.tail(50)).toMatch(/service process group \d+ terminated/);

    const insecurePort = await freePort();
    const insecure = await startCommandService({
      command: `node ${fixture("https-server.mjs")}`,
      port: insecurePort,
      url: `https://127.0.0.1:${insecurePort}/`,
      readyTimeoutMs: 30_000,
      insecure: true,
      log: logIn(),
    });
    services.push(insecure);
    expect(insecure.url).toBe(`https://127.0.0.1:${insecurePort}`);
  });
});
