import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describeWith } from "@sizer/test-utils";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { buildReport } from "../src/build-report.js";
import { MetricsBuilder } from "../src/inputs/metrics-builder.js";
import type { TimelineEntry } from "../src/inputs/types.js";
import { type OpenedReport, openReport } from "./helpers/browser.js";
import { syntheticRun } from "./helpers/synthetic-run.js";

const HOSTILE = "<img src=x onerror=alert(1)>";
const require = createRequire(import.meta.url);
const versionOf = (name: string): string =>
  JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")).version;
const artifacts = fileURLToPath(new URL("../../../.tmp/test-artifacts/", import.meta.url));

/** The plot area (plotly's drag rectangle of the x/y subplot) of every chart, in page pixels. */
function plotAreas(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".js-plotly-plot")].map((element) => {
      const { left, right, top, bottom, width } = (
        element.querySelector(".nsewdrag") as Element
      ).getBoundingClientRect();
      return { id: element.id, left, right, top, bottom, width };
    }),
  );
}

/** The charts whose plot area does not start and end where the first chart's does (1 px slack). */
async function misalignedCharts(page: Page): Promise<string[]> {
  const areas = await plotAreas(page);
  const first = areas[0];
  if (!first) throw new Error("no chart drawn");
  // Aligned but squeezed to nothing would pass too: the plot must take most of the page's width.
  const viewport = page.viewportSize()?.width ?? 0;
  expect(first.width).toBeGreaterThan(viewport * 0.6);
  return areas
    .filter((area) => Math.abs(area.left - first.left) > 1 || Math.abs(area.width - first.width) > 1)
    .map(
      (area) =>
        `${area.id}: left ${area.left}, width ${area.width} (${first.id}: left ${first.left}, width ${first.width})`,
    );
}

describeWith("chromium", "the report in headless Chromium", () => {
  let opened: OpenedReport;
  let htmlPath: string;

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
    htmlPath = report.files.html;
    opened = await openReport(htmlPath, { width: 1280 });
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
      { id: "chart-latency", traces: 6 },
      // service, host, host cores, steal, busiest core, two cores, generator, generator cores
      { id: "chart-cpu", traces: 9 },
      // service RSS, host used, host total, swap used, generator RSS
      { id: "chart-memory", traces: 5 },
      { id: "chart-disk", traces: 6 },
      { id: "chart-network", traces: 3 },
    ]);
  });

  it("runs the basic plotly bundle by default", async () => {
    const version = await opened.page.evaluate(
      () => (window as unknown as { Plotly: { version: string } }).Plotly.version,
    );
    expect(version).toBe(versionOf("plotly.js-basic-dist-min"));
  });

  it("draws the generator's loop delay, CPU and memory, and says its network is not recorded", async () => {
    const { page } = opened;
    const generatorTraces = await page.evaluate(() =>
      ["chart-latency", "chart-cpu", "chart-memory"].map((id) =>
        (
          document.getElementById(id) as unknown as { data: Array<{ name: string; legendgroup: string }> }
        ).data
          .filter((trace) => trace.legendgroup === "generator")
          .map((trace) => trace.name),
      ),
    );
    expect(generatorTraces).toEqual([
      ["generator event-loop delay p99"],
      ["generator CPU", "generator cores (2)"],
      ["generator RSS"],
    ]);
    await expect(
      page.locator("#chart-memory-legend button", { hasText: "generator RSS" }).count(),
    ).resolves.toBe(1);
    const note = page.locator("#generator-note");
    await expect(note.isVisible()).resolves.toBe(true);
    await expect(note.textContent()).resolves.toContain(
      "network traffic and disk I/O are not recorded by loadcore",
    );
  });

  it("keeps the onset and plateau labels inside each plot, clear of the mode bar", async () => {
    const { page } = opened;
    const overlaps: string[] = [];
    for (const { id } of opened.charts) {
      await page.locator(`#${id}`).hover({ position: { x: 300, y: 150 } });
      await page.locator(`#${id} .modebar`).waitFor({ state: "visible" });
      const boxes = await page.evaluate((chartId) => {
        const chart = document.getElementById(chartId) as HTMLElement;
        const box = (element: Element | null) => {
          const rect = element?.getBoundingClientRect();
          return rect ? { left: rect.left, right: rect.right, top: rect.top, bottom: rect.bottom } : null;
        };
        return {
          modebar: box(chart.querySelector(".modebar")),
          plot: box(chart.querySelector(".nsewdrag")),
          labels: [...chart.querySelectorAll(".annotation")].map((label) => {
            const { left, right, top, bottom } = label.getBoundingClientRect();
            return { text: label.textContent, left, right, top, bottom };
          }),
        };
      }, id);
      expect(boxes.labels.map((label) => label.text).sort()).toEqual(["failure onset", "plateau"]);
      for (const label of boxes.labels) {
        const { modebar, plot } = boxes;
        if (!modebar || !plot) throw new Error(`no mode bar or plot area in ${id}`);
        const clear =
          label.right <= modebar.left ||
          label.left >= modebar.right ||
          label.bottom <= modebar.top ||
          label.top >= modebar.bottom;
        if (!clear) overlaps.push(`${id}: ${label.text}`);
        expect(label.top).toBeGreaterThanOrEqual(plot.top);
        expect(label.left).toBeGreaterThanOrEqual(plot.left);
        expect(label.right).toBeLessThanOrEqual(plot.right);
        expect(label.bottom).toBeLessThanOrEqual(plot.bottom + 1);
      }
    }
    expect(overlaps).toEqual([]);
  });

  it("lines the time axes of all charts up: every plot area starts and ends at the same x", async () => {
    await expect(misalignedCharts(opened.page)).resolves.toEqual([]);
  });

  it("keeps the time axes lined up and nothing overlapping on a narrow page", async () => {
    const narrow = await openReport(htmlPath, { width: 800 });
    try {
      const { page } = narrow;
      expect(narrow.consoleErrors).toEqual([]);
      await expect(misalignedCharts(page)).resolves.toEqual([]);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(overflow).toBeLessThanOrEqual(800);
      const areas = await plotAreas(page);
      for (const { id, top } of areas) {
        const legend = await page.locator(`#${id}-legend`).boundingBox();
        const card = await page.locator(`#${id}`).locator("xpath=..").boundingBox();
        if (!legend || !card) throw new Error(`no legend or card for ${id}`);
        // Above the plot area, inside the card.
        expect(legend.y + legend.height).toBeLessThanOrEqual(top);
        expect(legend.x).toBeGreaterThanOrEqual(card.x);
        expect(legend.x + legend.width).toBeLessThanOrEqual(card.x + card.width);
      }
      mkdirSync(artifacts, { recursive: true });
      await page.screenshot({ path: join(artifacts, "report-800.png"), fullPage: true });
    } finally {
      await narrow.close();
    }
  }, 120_000);

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

  it("hides a group from its legend title, shows it again, and keeps the x axes together", async () => {
    const { page } = opened;
    const visibility = () =>
      page.evaluate(() =>
        (
          document.getElementById("chart-cpu") as unknown as {
            data: Array<{ legendgroup: string; visible?: unknown }>;
          }
        ).data
          .filter((trace) => trace.legendgroup === "host")
          .map((trace) => trace.visible ?? true),
      );
    const title = page.locator('#chart-cpu-legend button[data-group="host"]');
    const drawnLines = () => page.locator("#chart-cpu .scatterlayer .trace").count();
    const poll = { timeout: 10_000 };
    await expect(title.textContent()).resolves.toBe("Host");
    await expect(visibility()).resolves.toEqual([true, true, "legendonly"]);
    const linesBefore = await drawnLines();
    await title.click();
    await expect.poll(visibility, poll).toEqual(["legendonly", "legendonly", "legendonly"]);
    await expect(title.getAttribute("aria-pressed")).resolves.toBe("false");
    await expect(drawnLines()).resolves.toBe(linesBefore - 2);
    await title.click();
    await expect.poll(visibility, poll).toEqual([true, true, true]);
    await expect(title.getAttribute("aria-pressed")).resolves.toBe("true");

    const steal = page.locator("#chart-cpu-legend button", { hasText: "host steal" });
    await steal.click();
    await expect.poll(visibility, poll).toEqual([true, true, "legendonly"]);
    await expect(steal.getAttribute("aria-pressed")).resolves.toBe("false");
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

describeWith("chromium", "the report with the full plotly bundle in headless Chromium", () => {
  it("draws the same charts", async () => {
    const run = syntheticRun({ kind: "cpu", seconds: 60 });
    const report = await buildReport({
      ...run,
      outDir: mkdtempSync(join(tmpdir(), "sizer-report-browser-full-")),
      generatedAt: "2026-11-26T07:00:00Z",
      plotlyBundle: "full",
    });
    const full = await openReport(report.files.html, { width: 1280 });
    try {
      expect(full.consoleErrors).toEqual([]);
      const version = await full.page.evaluate(
        () => (window as unknown as { Plotly: { version: string } }).Plotly.version,
      );
      expect(version).toBe(versionOf("plotly.js-dist-min"));
      expect(full.charts.map((chart) => chart.id)).toEqual([
        "chart-load",
        "chart-errors",
        "chart-latency",
        "chart-cpu",
        "chart-memory",
        "chart-disk",
        "chart-network",
      ]);
      expect(full.charts.every((chart) => chart.traces > 0)).toBe(true);
    } finally {
      await full.close();
    }
  }, 120_000);
});

/** The unified hover label of a chart once the mouse is on second `second`: its title and its lines. */
async function hoverLabelAt(page: Page, chartId: string, second: number): Promise<string[]> {
  const point = await page.evaluate(
    ({ id, at }) => {
      const element = document.getElementById(id) as unknown as HTMLElement & {
        _fullLayout: {
          xaxis: { l2p: (value: number) => number; _offset: number };
          yaxis: { _offset: number; _length: number };
        };
      };
      element.scrollIntoView({ block: "center" });
      const box = element.getBoundingClientRect();
      const { xaxis, yaxis } = element._fullLayout;
      return { x: box.left + xaxis._offset + xaxis.l2p(at), y: box.top + yaxis._offset + yaxis._length / 2 };
    },
    { id: chartId, at: second },
  );
  await page.mouse.move(point.x, point.y);
  // Plotly throttles hover: wait for the label of this second (titled "second N", or "N" before the
  // labels named their second), not the one of the last hover.
  await page.waitForFunction(
    ({ id, at }) => {
      const title = document.querySelector(`#${id} .hoverlayer .legend text`)?.textContent ?? "";
      return new RegExp(`(^|\\s)${at}$`).test(title);
    },
    { id: chartId, at: second },
    { timeout: 10_000 },
  );
  return page
    .locator(`#${chartId} .hoverlayer .legend`)
    .evaluate((legend) =>
      [...legend.querySelectorAll("text")]
        .map((text) => text.textContent ?? "")
        .filter((text) => text !== ""),
    );
}

describeWith("chromium", "the hover labels of the report in headless Chromium", () => {
  // Resource samples on their own clock, two a second (at .2 and .7 s): sample 11.7 and 12.2 belong
  // to second 12. Each sample's service CPU is ten times its time, so a value names its samples.
  const run = syntheticRun({ kind: "cpu", seconds: 40 });
  const start = run.results.timeline[0]?.time as number;
  const builder = new MetricsBuilder();
  for (let tenth = 2; tenth < 400; tenth += 5) {
    const sample = builder.addSample(start + tenth * 100);
    builder.set("host.cpu.count", sample, 2);
    builder.set("process.cpu.percent", sample, tenth);
    builder.set("process.rss", sample, (100 + tenth) * 1024 * 1024);
  }
  const metrics = builder.build({ ...run.metrics.meta });
  // A slower collector: one sample every 2 s (at 0.3, 2.3...), so odd seconds have none.
  const slowBuilder = new MetricsBuilder();
  for (let tenth = 3; tenth < 400; tenth += 20) {
    const sample = slowBuilder.addSample(start + tenth * 100);
    slowBuilder.set("host.cpu.count", sample, 2);
    slowBuilder.set("process.cpu.percent", sample, tenth);
  }
  const slowMetrics = slowBuilder.build({ ...run.metrics.meta, intervalSeconds: 2 });
  let opened: OpenedReport;
  let slow: OpenedReport;

  beforeAll(async () => {
    const report = async (withMetrics: typeof metrics) =>
      (
        await buildReport({
          ...run,
          metrics: withMetrics,
          outDir: mkdtempSync(join(tmpdir(), "sizer-report-browser-hover-")),
          generatedAt: "2026-11-26T07:00:00Z",
        })
      ).files.html;
    opened = await openReport(await report(metrics), { width: 1280 });
    slow = await openReport(await report(slowMetrics), { width: 1280 });
  }, 120_000);

  afterAll(async () => {
    await opened?.close();
    await slow?.close();
  });

  it("leaves a resource out of the label of a second it has no sample in, and draws it through", async () => {
    const { page } = slow;
    expect(slow.consoleErrors).toEqual([]);
    const generator = (second: number) =>
      `generator CPU : ${new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 }).format(
        ((run.results.timeline[second] as TimelineEntry).generatorCpuPercent as number) / 100,
      )} cores`;
    await expect(hoverLabelAt(page, "chart-cpu", 13)).resolves.toEqual([
      "second 13",
      "Load generator",
      generator(13),
      "generator cores (2) : 2 cores",
    ]);
    await expect(hoverLabelAt(page, "chart-cpu", 12)).resolves.toEqual([
      "second 12",
      "Service (process tree)",
      "service CPU : 1.23 cores",
      "Load generator",
      generator(12),
      "generator cores (2) : 2 cores",
    ]);
    // One line through the samples, not 20 lone points that draw nothing.
    const servicePath = await page.evaluate(
      () => document.querySelector("#chart-cpu .scatterlayer .trace .js-line")?.getAttribute("d") ?? "",
    );
    expect(servicePath.split("M")).toHaveLength(2);
  });

  it("pairs the load and the resources of one second in a label that names it", async () => {
    const { page } = opened;
    for (const second of [12, 25]) {
      const entry = run.results.timeline[second] as TimelineEntry;
      // Samples at second - 0.3 and second + 0.2: CPU percent 10 x those times, in cores.
      const serviceCores = ((second - 0.3) * 10 + (second + 0.2) * 10) / 2 / 100;
      const format = (value: number) =>
        new Intl.NumberFormat("en-US", { maximumSignificantDigits: 4 }).format(value);
      const load = await hoverLabelAt(page, "chart-load", second);
      const cpu = await hoverLabelAt(page, "chart-cpu", second);
      // The values first: a label that pairs other seconds fails here, whatever its title.
      expect(cpu.slice(1)).toEqual([
        "Service (process tree)",
        `service CPU : ${format(serviceCores)} cores`,
        "Load generator",
        `generator CPU : ${format((entry.generatorCpuPercent as number) / 100)} cores`,
        "generator cores (2) : 2 cores",
      ]);
      expect(cpu[0]).toBe(`second ${second}`);
      expect(load).toEqual([
        `second ${second}`,
        "Load",
        `workers : ${format(entry.workers)} workers`,
        `throughput : ${format(entry.throughput)} req/s`,
      ]);
    }
  });
});
