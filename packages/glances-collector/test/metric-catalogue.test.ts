import { describe, expect, it } from "vitest";
import { describeMetric, metricCatalogue, sanitiseName } from "../src/metric-catalogue.js";

describe("metric catalogue", () => {
  it("describes fixed and patterned names with the units of docs/formats.md", () => {
    expect(describeMetric("host.cpu.percent")).toMatchObject({ unit: "percent", kind: "gauge" });
    expect(describeMetric("host.cpu.core.1.percent")).toMatchObject({ unit: "percent", kind: "gauge" });
    expect(describeMetric("host.net.eth0.rx_bytes")).toMatchObject({ unit: "bytes/s", kind: "rate" });
    expect(describeMetric("host.net.eth0.speed")).toMatchObject({ unit: "bits/s", kind: "gauge" });
    expect(describeMetric("host.disk.nvme0n1.util")).toMatchObject({ unit: "percent", kind: "gauge" });
    expect(describeMetric("process.write_bytes")).toMatchObject({ unit: "bytes/s", kind: "rate" });
    expect(describeMetric("container.web-1.cpu.limit")).toMatchObject({ unit: "cores", kind: "gauge" });
    expect(describeMetric("container.web-1.mem.usage")).toMatchObject({ unit: "bytes", kind: "gauge" });
  });

  it("refuses names outside the catalogue or with unsanitised segments", () => {
    expect(describeMetric("host.cpu.temperature")).toBeUndefined();
    expect(describeMetric("host.net.eth0.100.rx_bytes")).toBeUndefined();
    expect(describeMetric("host.net..rx_bytes")).toBeUndefined();
  });

  it("sanitises device, interface and container names", () => {
    expect(sanitiseName("eth0.100")).toBe("eth0_100");
    expect(sanitiseName("my container/1")).toBe("my_container_1");
    expect(sanitiseName("nvme0n1")).toBe("nvme0n1");
  });

  it("has one entry per pattern", () => {
    const patterns = metricCatalogue.map((entry) => entry.pattern);
    expect(new Set(patterns).size).toBe(patterns.length);
  });
});
