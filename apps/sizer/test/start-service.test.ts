import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { UrlUnreachableError } from "../src/errors.js";
import { ServiceLog } from "../src/service-log.js";
import { describeServiceSource, startService } from "../src/start-service.js";
import { alive, fixture, temporaryFolder } from "./helpers.js";

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function log(): ServiceLog {
  const folder = temporaryFolder();
  const serviceLog = new ServiceLog(join(folder.path, "service.log"));
  cleanups.push(async () => {
    await serviceLog.close();
    folder.remove();
  });
  return serviceLog;
}

/** A loopback server under `/api/` that answers 200 at /api/healthz only, and 503 everywhere else. */
async function healthzServer(): Promise<{ url: string; paths: string[] }> {
  const paths: string[] = [];
  const server: Server = createServer((incoming, response) => {
    paths.push(incoming.url ?? "");
    response.statusCode = incoming.url === "/api/healthz" ? 200 : 503;
    response.end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`, paths };
}

describe("startService", () => {
  it("reaches a url source, its relative --health-url resolved against the URL", async () => {
    const { url, paths } = await healthzServer();
    const service = await startService(
      { kind: "url", url },
      { log: log(), readyTimeoutMs: 20_000, healthUrl: "healthz" },
    );
    expect(service).toMatchObject({ kind: "url", url: url.slice(0, -1), pid: undefined, containers: [] });
    expect(paths).toContain("/api/healthz");
    expect(paths).not.toContain("/healthz");
  });

  it("refuses a url source whose --health-url never answers 2xx, naming the --url", async () => {
    const { url, paths } = await healthzServer();
    const started = startService(
      { kind: "url", url },
      { log: log(), readyTimeoutMs: 1_000, healthUrl: "ready" },
    );
    await expect(started).rejects.toBeInstanceOf(UrlUnreachableError);
    await expect(started).rejects.toThrow(`--url ${url} is unreachable: ${url}ready did not answer`);
    expect(paths).toContain("/api/ready");
  });

  it("starts a command source with the --service-env, and its handle ends the whole tree", async () => {
    const service = await startService(
      { kind: "command", command: `node ${fixture("tree-server.mjs")}` },
      { log: log(), readyTimeoutMs: 20_000, env: { GREETING: "from --service-env" } },
    );
    cleanups.push(() => service.stop());
    expect(service.kind).toBe("command");
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await request(service.url);
    const body = (await response.body.json()) as { pid: number; child: number; env: string | null };
    expect(body).toMatchObject({ pid: service.pid, env: "from --service-env" });
    expect(alive(body.child)).toBe(true);
    await service.stop();
    expect(service.exit()).toBeDefined();
    expect(alive(body.pid)).toBe(false);
    expect(alive(body.child)).toBe(false);
    await expect(request(service.url)).rejects.toThrow();
  });

  it("runs a command source in the folder it is given", async () => {
    const folder = temporaryFolder();
    cleanups.push(folder.remove);
    const service = await startService(
      {
        kind: "command",
        command: `node -e "require('node:http').createServer((q, r) => r.end(process.cwd())).listen(process.env.PORT, '127.0.0.1')"`,
        cwd: folder.path,
      },
      { log: log(), readyTimeoutMs: 20_000 },
    );
    cleanups.push(() => service.stop());
    const response = await request(service.url);
    expect(await response.body.text()).toBe(folder.path);
  });
});

describe("describeServiceSource", () => {
  it("says where each kind of service comes from", () => {
    expect(describeServiceSource({ kind: "command", command: "node server.js", cwd: "/srv" })).toBe(
      "node server.js (in /srv)",
    );
    expect(describeServiceSource({ kind: "docker", image: "demo:1", port: 8080 })).toBe(
      "docker image demo:1, port 8080",
    );
    expect(describeServiceSource({ kind: "url", url: "http://127.0.0.1:9/" })).toBe(
      "http://127.0.0.1:9/ (already running, only this host is monitored)",
    );
    expect(describeServiceSource({ kind: "url", url: "http://127.0.0.1:9/", pid: 4321 })).toBe(
      "http://127.0.0.1:9/ (already running, pid 4321)",
    );
    expect(describeServiceSource({ kind: "url", url: "http://127.0.0.1:9/" }, "http://127.0.0.1:61208")).toBe(
      "http://127.0.0.1:9/ (already running, its host recorded through Glances at http://127.0.0.1:61208)",
    );
  });
});
