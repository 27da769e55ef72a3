import { existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { describeWith } from "@sizer/test-utils";
import { describe, expect, it } from "vitest";
import { findNginx } from "../lib/machine.mjs";
import { readProcessStat } from "../lib/proc.mjs";
import { nginxConfig, startNginxServer, startNodeServer } from "../lib/servers.mjs";

const nginx = findNginx();
const noPinning = { taskset: undefined, cpu: undefined };

async function get(url) {
  const response = await fetch(url);
  return { status: response.status, body: await response.text() };
}

describe("startNodeServer", () => {
  it("serves hello on 127.0.0.1 from its own process and stops it", async () => {
    const server = await startNodeServer(noPinning);
    try {
      expect(server.kind).toBe("node");
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(server.pid).not.toBe(process.pid);
      expect(await get(server.url)).toEqual({ status: 200, body: "hello" });
    } finally {
      await server.stop();
    }
    expect(readProcessStat(server.pid)).toBeUndefined();
  });

  it("answers with the status it is given", async () => {
    const server = await startNodeServer({ ...noPinning, status: 503 });
    try {
      expect((await get(server.url)).status).toBe(503);
    } finally {
      await server.stop();
    }
  });
});

describeWith("nginx", "startNginxServer", () => {
  it("serves hello with its own prefix on 127.0.0.1, then stops and removes the prefix", async () => {
    const before = new Set(readdirSync(tmpdir()).filter((name) => name.startsWith("sizer-bench-nginx-")));
    const server = await startNginxServer({ nginx: /** @type {string} */ (nginx), ...noPinning });
    const prefixes = readdirSync(tmpdir()).filter(
      (name) => name.startsWith("sizer-bench-nginx-") && !before.has(name),
    );
    try {
      expect(server.kind).toBe("nginx");
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(await get(server.url)).toEqual({ status: 200, body: "hello" });
      expect(prefixes).toHaveLength(1);
    } finally {
      await server.stop();
    }
    expect(readProcessStat(server.pid)).toBeUndefined();
    expect(existsSync(`${tmpdir()}/${prefixes[0]}`)).toBe(false);
  });
});

describe.skipIf(nginx === undefined)("startNginxServer with a delay", () => {
  it("answers the whole hello no sooner than the delay, on kept-alive connections too", async () => {
    const server = await startNginxServer({
      nginx: /** @type {string} */ (nginx),
      ...noPinning,
      delayMs: 150,
    });
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const start = performance.now();
        expect(await get(server.url)).toEqual({ status: 200, body: "hello" });
        // a lower bound only: how much later it comes depends on the machine
        expect(performance.now() - start).toBeGreaterThanOrEqual(145);
      }
    } finally {
      await server.stop();
    }
  });
});

describe("nginxConfig", () => {
  it("listens on loopback only and keeps everything inside the prefix", () => {
    const config = nginxConfig("/tmp/prefix-x", 8123);
    expect(config).toContain("listen 127.0.0.1:8123");
    expect(config).toContain('return 200 "hello"');
    expect(config).toContain("worker_processes 1;");
    const paths = [...config.matchAll(/(?:pid|error_log|_temp_path) (\S+?)[;\s]/g)].map((match) => match[1]);
    expect(paths.length).toBeGreaterThan(5);
    for (const path of paths) expect(path.startsWith("/tmp/prefix-x/")).toBe(true);
  });
});
