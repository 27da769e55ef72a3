import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { itWith } from "@sizer/test-utils";
import { afterAll, describe, expect, it } from "vitest";
import { createCollector } from "../src/collector.js";
import type { MetricSample } from "../src/metric-sample.js";
import { killAndWait, record } from "./helpers.js";

const servers: Server[] = [];
afterAll(() => {
  for (const server of servers) server.close();
});

async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

/** The native sample closest in time to `time`. */
function nearest(samples: MetricSample[], time: number): MetricSample {
  let best = samples[0] as MetricSample;
  for (const sample of samples) if (Math.abs(sample.time - time) < Math.abs(best.time - time)) best = sample;
  return best;
}

/** Glances' values agree with the native collector's at the same moment (loose bands: other tenants run). */
function expectAgreement(glances: MetricSample, native: MetricSample): void {
  expect(glances.values["host.mem.total"]).toBe(native.values["host.mem.total"]);
  expect(glances.values["host.cpu.count"]).toBe(native.values["host.cpu.count"]);
  const used = native.values["host.mem.used"] as number;
  expect(Math.abs((glances.values["host.mem.used"] as number) - used)).toBeLessThan(
    Math.max(0.3 * used, 500 * 1024 * 1024),
  );
  const load = native.values["host.load.1"] as number;
  expect(Math.abs((glances.values["host.load.1"] as number) - load)).toBeLessThan(Math.max(0.5 * load, 1.5));
  expect(glances.values["host.cpu.percent"]).toBeGreaterThanOrEqual(0);
  expect(glances.values["host.cpu.percent"]).toBeLessThanOrEqual(100);
}

describe("Glances spawned with --export csv (real Glances)", () => {
  itWith("glances", "tails the CSV Glances writes and agrees with the native sample", async () => {
    const native = await record({ interval: 1 });
    try {
      const glances = await record({ source: "glances", interval: 1 });
      expect(glances.collector.meta.source).toBe("glances-csv");
      expect(glances.collector.meta.sourceVersion).toMatch(/^\d+\.\d+/);
      const samples = await glances.nextSamples(3, 60_000);
      await glances.stop();
      const last = samples[samples.length - 1] as MetricSample;
      expect(last.values["host.net.lo.rx_bytes"]).toBeGreaterThanOrEqual(0);
      expect(Object.keys(last.values).some((name) => name.startsWith("host.disk."))).toBe(true);
      expectAgreement(last, nearest(native.samples(), last.time));
    } finally {
      await native.stop();
    }
  });

  it("says clearly when the Glances executable is missing", async () => {
    const collector = createCollector({ source: "glances", glancesCommand: "/nonexistent/glances" });
    await expect(collector.start()).rejects.toMatchObject({
      code: "ERR_COLLECTOR_GLANCES_NOT_FOUND",
      message: expect.stringContaining("is Glances installed"),
    });
  });
});

describe("Glances REST (real Glances 3.x web server)", () => {
  itWith("glances", "polls /api/3 and agrees with the native sample", async () => {
    const port = await freePort();
    const server = spawn(
      "glances",
      ["-w", "--disable-webui", "--disable-check-update", "-B", "127.0.0.1", "-p", String(port), "-t", "1"],
      { stdio: "ignore" },
    );
    const native = await record({ interval: 1 });
    try {
      const url = `http://127.0.0.1:${port}`;
      // Bounded wait for the server to listen.
      let glances: Awaited<ReturnType<typeof record>> | undefined;
      for (let attempt = 0; attempt < 60 && !glances; attempt++) {
        try {
          glances = await record({ source: "glances-rest", glancesUrl: url, interval: 1 });
        } catch (error) {
          if ((error as { code?: string }).code !== "ERR_COLLECTOR_HTTP") throw error;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
      if (!glances) throw new Error(`Glances web server did not answer on ${url}`);
      expect(glances.collector.meta).toMatchObject({ source: "glances-rest" });
      const samples = await glances.nextSamples(3, 60_000);
      const last = samples[samples.length - 1] as MetricSample;
      expect(last.values["host.net.lo.rx_bytes"]).toBeGreaterThanOrEqual(0);
      expect(last.values["host.cpu.core.0.percent"]).toBeGreaterThanOrEqual(0);
      expectAgreement(last, nearest(native.samples(), last.time));
      expect(glances.collector.meta.sourceVersion).toMatch(/^3\.\d+/);
      // One sample per interval: with all 8 plugin requests at once, Glances 3.x's single-threaded
      // server held the last ones about a second and this run got 3 samples in 6 s.
      const before = glances.samples().length;
      await new Promise((resolve) => setTimeout(resolve, 6000));
      expect(glances.samples().length - before).toBeGreaterThanOrEqual(5);
      await glances.stop();
    } finally {
      await native.stop();
      await killAndWait(server);
    }
  });
});

describe("Glances REST /api/3 (scripted loopback server with 3.x answers)", () => {
  const answers: Record<string, unknown> = {
    pluginslist: ["cpu", "percpu", "load", "mem"],
    status: null,
    help: { version: "Glances 3.3.1.1", psutil_version: " with psutil 5.9.4" },
    // `total` is Glances 3.x's 3 s cache; idle and iowait are this update's.
    cpu: {
      total: 44.4,
      user: 55.1,
      nice: 0,
      system: 12.6,
      idle: 25.3,
      iowait: 5,
      softirq: 2,
      steal: 0,
      cpucore: 2,
    },
    percpu: [
      { key: "cpu_number", cpu_number: 0, total: 40 },
      { key: "cpu_number", cpu_number: 1, total: 48.8 },
    ],
    load: { min1: 1.5, min5: 1.2, min15: 0.9, cpucore: 2 },
    mem: { total: 8_000_000_000, available: 6_000_000_000, percent: 25 },
  };

  it("derives host CPU from the fresh fields, notes the cached per-core values, records the Glances version", async () => {
    const url = await listen((request, response) => {
      const match = /^\/api\/3\/(\w+)$/.exec(request.url ?? "");
      const name = match?.[1] as string;
      if (!match || !(name in answers)) {
        response.writeHead(404).end("not found");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answers[name]));
    });
    const recording = await record({ source: "glances-rest", glancesUrl: url, interval: 0.2 });
    expect(recording.collector.meta.sourceVersion).toBe("3.3.1.1");
    const [sample] = await recording.nextSamples(1);
    await recording.stop();
    expect(sample?.values["host.cpu.percent"]).toBe(69.7);
    expect(sample?.values["host.cpu.core.1.percent"]).toBe(48.8);
    const notes = recording.events.filter((event) => event.type === "note").map((event) => event.message);
    expect(notes).toContainEqual(expect.stringContaining("Glances 3.x refreshes per-core CPU"));
  });
});

describe("Glances REST /api/4 (scripted loopback server with 4.x answers)", () => {
  const answers: Record<string, unknown> = {
    pluginslist: ["cpu", "percpu", "load", "mem", "memswap", "network", "diskio", "containers", "system"],
    status: { version: "4.5.6" },
    system: { hostname: "node-7" },
    cpu: { total: 42.5, user: 30.1, system: 10.2, iowait: 1.1, steal: 0, cpucore: 4 },
    percpu: [
      { key: "cpu_number", cpu_number: 0, total: 50 },
      { key: "cpu_number", cpu_number: 1, total: 35 },
    ],
    load: { min1: 1.5, min5: 1.2, min15: 0.9, cpucore: 4 },
    mem: { total: 8_000_000_000, available: 6_000_000_000, percent: 25, used: 1_500_000_000 },
    memswap: { total: 0, used: 0, percent: 0 },
    network: [
      {
        key: "interface_name",
        interface_name: "eth0",
        bytes_recv: 2000,
        bytes_recv_rate_per_sec: 1000.5,
        bytes_sent_rate_per_sec: 500,
        time_since_update: 2,
        speed: 10_000_000_000,
      },
    ],
    diskio: [
      {
        key: "disk_name",
        disk_name: "nvme0n1",
        read_bytes_rate_per_sec: 4096,
        write_bytes_rate_per_sec: 8192,
        read_count_rate_per_sec: 1,
        write_count_rate_per_sec: 2,
      },
    ],
    containers: [
      {
        key: "name",
        name: "web",
        cpu_percent: 150.5,
        cpu_limit: 2,
        memory_usage: 300_000_000,
        memory_inactive_file: 100_000_000,
        memory_limit: 1_000_000_000,
        io_rx: 10,
        io_wx: 20,
        network_rx: 30,
        network_tx: 40,
      },
    ],
  };

  it("maps 4.x fields to the catalogue's units", async () => {
    const requested: string[] = [];
    const url = await listen((request, response) => {
      requested.push(request.url ?? "");
      const match = /^\/api\/4\/(\w+)$/.exec(request.url ?? "");
      const body = match ? answers[match[1] as string] : undefined;
      if (body === undefined) {
        response.writeHead(404).end("not found");
        return;
      }
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
    const recording = await record({ source: "glances-rest", glancesUrl: `${url}/api/4`, interval: 0.2 });
    expect(recording.collector.meta).toMatchObject({
      source: "glances-rest",
      sourceVersion: "4.5.6",
      host: "node-7",
    });
    const [sample] = await recording.nextSamples(1);
    await recording.stop();
    expect(sample?.values).toEqual({
      "host.cpu.percent": 42.5,
      "host.cpu.user": 30.1,
      "host.cpu.system": 10.2,
      "host.cpu.iowait": 1.1,
      "host.cpu.steal": 0,
      "host.cpu.count": 4,
      "host.cpu.core.0.percent": 50,
      "host.cpu.core.1.percent": 35,
      "host.load.1": 1.5,
      "host.load.5": 1.2,
      "host.load.15": 0.9,
      "host.mem.total": 8_000_000_000,
      "host.mem.available": 6_000_000_000,
      "host.mem.used": 2_000_000_000,
      "host.mem.percent": 25,
      "host.swap.used": 0,
      "host.swap.percent": 0,
      "host.net.eth0.speed": 10_000_000_000,
      "host.net.eth0.rx_bytes": 1000.5,
      "host.net.eth0.tx_bytes": 500,
      "host.disk.nvme0n1.read_bytes": 4096,
      "host.disk.nvme0n1.write_bytes": 8192,
      "host.disk.nvme0n1.read_ops": 1,
      "host.disk.nvme0n1.write_ops": 2,
      "container.web.cpu.percent": 150.5,
      "container.web.cpu.limit": 2,
      "container.web.mem.usage": 200_000_000,
      "container.web.mem.limit": 1_000_000_000,
      "container.web.io.read_bytes": 10,
      "container.web.io.write_bytes": 20,
      "container.web.net.rx_bytes": 30,
      "container.web.net.tx_bytes": 40,
    });
    expect(requested.every((path) => path.startsWith("/api/4/"))).toBe(true);
  });

  it("has at most 4 requests in flight at once", async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const url = await listen((request, response) => {
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      const match = /^\/api\/4\/(\w+)$/.exec(request.url ?? "");
      const body = match ? answers[match[1] as string] : undefined;
      // Held a little so that requests sent together overlap on the server.
      setTimeout(() => {
        inFlight--;
        if (body === undefined) response.writeHead(404).end("not found");
        else response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      }, 30);
    });
    const recording = await record({ source: "glances-rest", glancesUrl: url, interval: 0.5 });
    await recording.nextSamples(2);
    await recording.stop();
    expect(mostInFlight).toBe(4);
  });

  it("fails start() with a coded error when no Glances API answers", async () => {
    const url = await listen((_request, response) => {
      response.writeHead(500).end("boom");
    });
    await expect(createCollector({ source: "glances-rest", glancesUrl: url }).start()).rejects.toMatchObject({
      code: "ERR_COLLECTOR_HTTP",
    });
    expect(() => createCollector({ source: "glances-rest", glancesUrl: "not a url" })).toThrow(
      /is not a URL/,
    );
  });
});
