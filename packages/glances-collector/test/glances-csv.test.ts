import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { splitCsvLine } from "../src/csv-line.js";
import { FormatError } from "../src/errors.js";
import { GlancesCsvConverter, parseGlancesCsv, readGlancesCsv } from "../src/glances-csv.js";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const V45 = `${FIXTURES}/glances-4.5.6-host.csv`;
const V33 = `${FIXTURES}/glances-3.3.1-host.csv`;

function rowsOf(path: string): string[][] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map(splitCsvLine);
}

describe("Glances 4.5 CSV (plugin.field columns)", () => {
  it("recognises the scheme, the host and the interval", async () => {
    const result = await readGlancesCsv(V45);
    expect(result.scheme).toBe("4.3.2+");
    expect(result.hostname).toBe("vm");
    expect(result.intervalSeconds).toBe(1);
    expect(result.samples).toHaveLength(24);
    expect(result.headerColumns).toBe(268);
  });

  it("keeps quoted cells whole: every row has as many cells as the header", () => {
    // A naive split on commas gives 273 cells (fs./.options holds "rw,relatime,..."); a CSV reader 268.
    const rows = rowsOf(V45);
    const header = rows[0] as string[];
    for (const row of rows.slice(1)) expect(row).toHaveLength(header.length);
    expect(readFileSync(V45, "utf8").split("\n")[2]?.split(",")).toHaveLength(273);
  });

  it("reads the values the file holds, as rates per second", async () => {
    const { samples } = await readGlancesCsv(V45);
    // Row 2: network.lo.bytes_recv_rate_per_sec = 199.0; times come from `timestamp` with now.iso's +00:00.
    expect(samples[1]?.time).toBe(Date.UTC(2026, 10, 26, 6, 27, 36));
    expect(samples[1]?.values["host.net.lo.rx_bytes"]).toBe(199);
    expect(samples[1]?.values["host.net.lo.tx_bytes"]).toBe(199);
    // Row 10: diskio.vda.write_bytes_rate_per_sec = 8557665.0, write_count_rate_per_sec = 18.0.
    const row10 = samples[9]?.values ?? {};
    expect(row10["host.disk.vda.write_bytes"]).toBe(8557665);
    expect(row10["host.disk.vda.write_ops"]).toBe(18);
    expect(row10["host.cpu.percent"]).toBe(96.7);
    expect(row10["host.cpu.core.1.percent"]).toBe(98.5);
    expect(row10["host.cpu.count"]).toBe(2);
    expect(row10["host.mem.total"]).toBe(25276063744);
    expect(row10["host.mem.used"]).toBe(25276063744 - 24798826496);
    const rows = rowsOf(V45);
    const header = rows[0] as string[];
    expect(row10["host.load.1"]).toBeCloseTo(Number(rows[10]?.[header.indexOf("load.min1")]), 2);
  });

  it("leaves rates absent in the first row, where Glances writes 0 for lack of a previous reading", async () => {
    const { samples } = await readGlancesCsv(V45);
    const first = samples[0]?.values ?? {};
    expect(first["host.cpu.percent"]).toBe(50);
    expect(first["host.net.lo.rx_bytes"]).toBeUndefined();
    expect(first["host.disk.vda.write_bytes"]).toBeUndefined();
    expect(samples[1]?.values["host.disk.vda.write_bytes"]).toBe(0);
  });

  it("reads the 4.0-4.3.1 scheme (no plugin prefix) to the same values", () => {
    const text = readFileSync(V45, "utf8");
    const newline = text.indexOf("\n");
    const header = splitCsvLine(text.slice(0, newline));
    const stripped = header.map((name) => (name.includes(".") ? name.slice(name.indexOf(".") + 1) : name));
    expect(stripped).toContain("total");
    const unprefixed = `${stripped.map((name) => (name.includes(",") ? `"${name}"` : name)).join(",")}${text.slice(newline)}`;
    const old = parseGlancesCsv(unprefixed);
    const current = parseGlancesCsv(text);
    expect(old.scheme).toBe("4.0-4.3.1");
    expect(old.samples).toHaveLength(current.samples.length);
    for (const [index, sample] of current.samples.entries()) {
      expect(old.samples[index]?.values).toEqual(sample.values);
    }
  });
});

describe("Glances 3.3 CSV (plugin_field columns)", () => {
  it("divides per-update deltas by time_since_update", async () => {
    const result = await readGlancesCsv(V33, { utcOffsetMinutes: 0 });
    expect(result.scheme).toBe("2.x-3.x");
    expect(result.samples).toHaveLength(24);
    // Row 5: network_lo_rx = 17408158 bytes over network_lo_time_since_update = 1.0497560501098633 s.
    const row5 = result.samples[4];
    expect(row5?.time).toBe(Date.UTC(2026, 10, 26, 6, 27, 38));
    expect(row5?.values["host.net.lo.rx_bytes"]).toBeCloseTo(17408158 / 1.0497560501098633, 1);
    // Row 9: diskio_vda_write_bytes = 17068032 over 2.00370192527771 s.
    expect(result.samples[8]?.values["host.disk.vda.write_bytes"]).toBeCloseTo(
      17068032 / 2.00370192527771,
      1,
    );
    // Row 11: cpu_idle 2.7, cpu_iowait 0.0 (cpu_total 97.1 is Glances' 3 s cache).
    expect(result.samples[10]?.values["host.cpu.percent"]).toBe(97.3);
    expect(result.samples[0]?.values["host.mem.available"]).toBe(24824401920);
    expect(result.samples[0]?.values["host.cpu.core.0.percent"]).toBe(100);
    // 3.x writes speed 0 when unknown: absent, not zero.
    expect(result.samples[0]?.values["host.net.eth0.speed"]).toBeUndefined();
  });

  it("takes host CPU from the fresh idle/iowait fields, not the total Glances 3.x caches for 3 s", async () => {
    const rows = rowsOf(V33);
    const header = rows[0] as string[];
    const column = (name: string): number => header.indexOf(name);
    const result = await readGlancesCsv(V33, { utcOffsetMinutes: 0 });
    // Row 5: cpu_total is still 9.5 from two rows before, while idle is 61.3 (user 9.9, system 21.2, softirq 7.6).
    expect(rows[5]?.[column("cpu_total")]).toBe("9.5");
    expect(result.samples[4]?.values["host.cpu.percent"]).toBe(38.7);
    result.samples.forEach((sample, index) => {
      const row = rows[index + 1] as string[];
      const busy = 100 - Number(row[column("cpu_idle")]) - Number(row[column("cpu_iowait")]);
      expect(sample.values["host.cpu.percent"]).toBeCloseTo(busy, 5);
    });
    // Per-core values have no fresh alternative in 3.x: kept as written, with a note saying so.
    expect(result.samples[4]?.values["host.cpu.core.0.percent"]).toBe(
      Number(rows[5]?.[column("percpu_0_total")]),
    );
    expect(result.notes.map((note) => note.message)).toContainEqual(
      expect.stringContaining("Glances 3.x refreshes per-core CPU (host.cpu.core.*) only every 3 s"),
    );
  });

  it("falls back to the sum of the busy fields when a 3.x export has no idle column", () => {
    const text = [
      "timestamp,cpu_total,cpu_user,cpu_system,cpu_softirq,cpu_iowait",
      "2026-11-26 06:27:34,44.4,50.0,20.0,2.5,3.0",
    ].join("\n");
    const result = parseGlancesCsv(text, { utcOffsetMinutes: 0 });
    expect(result.samples[0]?.values["host.cpu.percent"]).toBe(72.5);
    expect(result.notes).toEqual([]);
  });

  it("drops items shifted by an interface that appeared after the header, and says so", () => {
    const rows = rowsOf(V33);
    const header = rows[0] as string[];
    const row = [...(rows[5] as string[])];
    // Glances sorts items by key: a new "docker0" lands before "eth0" and shifts eth0's cells.
    const eth0 = header.indexOf("network_eth0_interface_name");
    row.splice(
      eth0,
      0,
      "docker0",
      "",
      "1.0",
      "5000",
      "500",
      "6000",
      "600",
      "11000",
      "1100",
      "True",
      "0",
      "interface_name",
    );
    const text = `${header.join(",")}\n${(rows[4] as string[]).join(",")}\n${row.join(",")}\n`;
    const result = parseGlancesCsv(text, { utcOffsetMinutes: 0 });
    const [normal, shifted] = result.samples;
    expect(normal?.values["host.net.eth0.rx_bytes"]).toBeDefined();
    expect(shifted?.values["host.net.eth0.rx_bytes"]).toBeUndefined();
    expect(shifted?.values["host.net.lo.rx_bytes"]).toBeCloseTo(17408158 / 1.0497560501098633, 1);
    expect(shifted?.values["host.cpu.percent"]).toBe(38.7);
    const messages = result.notes.map((note) => note.message).join("\n");
    expect(messages).toContain(`rows have ${row.length} cells for ${header.length}`);
    expect(messages).toContain('network item "eth0" does not line up');
  });
});

describe("Glances CSV errors", () => {
  it("refuses a file that is not a Glances export", () => {
    expect(() => new GlancesCsvConverter("time,host.cpu.percent")).toThrow(FormatError);
    expect(() => parseGlancesCsv("timestamp,foo,bar\n2026-11-26 06:00:00,1,2\n")).toThrow(/no Glances cpu/);
    expect(() => parseGlancesCsv("")).toThrow(/empty file/);
  });

  it("names a missing file with a coded error", async () => {
    await expect(readGlancesCsv("/nonexistent/glances.csv")).rejects.toMatchObject({
      code: "ERR_COLLECTOR_FILE_NOT_FOUND",
    });
  });

  it("skips a row with a bad timestamp with a note", () => {
    const result = parseGlancesCsv("timestamp,cpu_total\n2026-11-26 06:00:00,5.0\nnot a time,6.0\n", {
      utcOffsetMinutes: 0,
    });
    expect(result.samples).toHaveLength(1);
    expect(result.notes[0]?.message).toContain("bad timestamp");
  });
});

describe("Glances container columns", () => {
  it("3.x docker_<name>_*: per-update deltas divided by the time between rows", () => {
    const header =
      "timestamp,cpu_total,docker_web_key,docker_web_name,docker_web_cpu_percent,docker_web_memory_usage,docker_web_io_r,docker_web_io_w,docker_web_network_rx,docker_web_network_tx";
    const text = [
      header,
      "2026-11-26 06:00:00,10.0,name,web,150.5,300000000,0,0,0,0",
      "2026-11-26 06:00:02,12.0,name,web,140.0,310000000,4096,8192,2000,1000",
      "",
    ].join("\n");
    const { samples } = parseGlancesCsv(text, { utcOffsetMinutes: 0 });
    expect(samples[0]?.values).toEqual({
      "host.cpu.percent": 10,
      "container.web.cpu.percent": 150.5,
      "container.web.mem.usage": 300000000,
    });
    expect(samples[1]?.values).toMatchObject({
      "container.web.cpu.percent": 140,
      "container.web.io.read_bytes": 2048,
      "container.web.io.write_bytes": 4096,
      "container.web.net.rx_bytes": 1000,
      "container.web.net.tx_bytes": 500,
    });
  });

  it("4.x containers.<name>.*: bytes/s as written, usage minus inactive file", () => {
    const header =
      "timestamp,cpu.total,containers.web.key,containers.web.name,containers.web.cpu_percent,containers.web.memory_usage,containers.web.memory_inactive_file,containers.web.memory_limit,containers.web.io_rx,containers.web.io_wx,containers.web.network_rx,containers.web.network_tx,containers.web.cpu_limit";
    const text = [header, "2026-11-26 06:00:00,10.0,name,web,250.0,500,100,1000,10,20,30,40,2.5", ""].join(
      "\n",
    );
    const { samples } = parseGlancesCsv(text, { utcOffsetMinutes: 0 });
    expect(samples[0]?.values).toEqual({
      "host.cpu.percent": 10,
      "container.web.cpu.percent": 250,
      "container.web.cpu.limit": 2.5,
      "container.web.mem.usage": 400,
      "container.web.mem.limit": 1000,
      "container.web.io.read_bytes": 10,
      "container.web.io.write_bytes": 20,
      "container.web.net.rx_bytes": 30,
      "container.web.net.tx_bytes": 40,
    });
  });
});
