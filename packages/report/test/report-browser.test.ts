import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildReport } from "../src/build-report.js";
import { type OpenedReport, openReport } from "./helpers/browser.js";
import { syntheticRun } from "./helpers/synthetic-run.js";

const HOSTILE = "<img src=x onerror=alert(1)>";
const artifacts = fileURLToPath(new URL("../../../.tmp/test-artifacts/", import.meta.url));

describe("the report in headless Chromium", () => {
  let opened: OpenedReport;

  beforeAll(async () => {
    const run = syntheticRun({ kind: "cpu", scenarioName: HOSTILE });
    const outDir = mkdtempSync(join(tmpdir(), "sizer-report-browser-"));
    const report = await buildReport({
      ...run,
      outDir,
      generatedAt: "2026-11-26T07:00:00Z",
      title: "Sizing report: demo service",
      command: ["sizer", "run", "--target", "http://127.0.0.1:8080"],
    });
    opened = await openReport(report.files.html, { width: 1280 });
  }, 120_000);

  afterAll(async () => {
    await opened?.close();
  });

  it("draws every chart with its traces, without console errors or network requests", () => {
    expect(opened.consoleErrors).toEqual([]);
    expect(opened.networkRequests).toEqual([]);
    expect(opened.charts).toEqual([
      { id: "chart-load", traces: 2 },
      { id: "chart-errors", traces: 3 },
      { id: "chart-latency", traces: 5 },
      // service, host, host cores, steal, busiest core, two cores, generator, generator cores
      { id: "chart-cpu", traces: 9 },
      { id: "chart-memory", traces: 4 },
      { id: "chart-disk", traces: 6 },
      { id: "chart-network", traces: 3 },
    ]);
  });

  it("shows the verdict at the top, and a screenshot is kept", async () => {
    const { page } = opened;
    await expect(page.locator("#capacity").isVisible()).resolves.toBe(true);
    const bottleneck = await page.locator("#bottleneck").textContent();
    expect(bottleneck).toMatch(/^CPU — What ran out first: CPU of the service/);
    const box = await page.locator("#verdict").boundingBox();
    expect(box?.y).toBeLessThan(200);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "report.png"), fullPage: true });
  });

  it("keeps a hostile scenario name as text", async () => {
    const { page } = opened;
    expect(opened.dialogs).toEqual([]);
    await expect(page.locator("img").count()).resolves.toBe(0);
    const cell = page.locator("#tables td", { hasText: HOSTILE });
    await expect(cell.count()).resolves.toBe(1);
    await expect(cell.isVisible()).resolves.toBe(true);
  });

  it("toggles a trace from the legend and keeps the x axes together", async () => {
    const { page } = opened;
    await page.locator("#chart-cpu .legend .traces .legendtoggle").first().click({ force: true });
    // Plotly waits out its double-click delay before it toggles.
    await page.waitForFunction(
      () =>
        (document.getElementById("chart-cpu") as unknown as { data: Array<{ visible?: unknown }> }).data[0]
          ?.visible === "legendonly",
      undefined,
      { timeout: 10_000 },
    );
    const ranges = await page.evaluate(async () => {
      const plotly = (
        window as unknown as { Plotly: { relayout: (element: Element, update: object) => Promise<void> } }
      ).Plotly;
      await plotly.relayout(document.getElementById("chart-load") as Element, { "xaxis.range": [10, 20] });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return [...document.querySelectorAll(".js-plotly-plot")].map(
        (element) => (element as unknown as { layout: { xaxis: { range: number[] } } }).layout.xaxis.range,
      );
    });
    for (const range of ranges) expect(range).toEqual([10, 20]);
  });
});
