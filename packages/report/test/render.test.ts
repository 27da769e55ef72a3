import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { analyze } from "../src/analyze.js";
import { buildReport } from "../src/build-report.js";
import { downsampleShared } from "../src/charts/chart-builder.js";
import { buildCharts } from "../src/charts.js";
import { downsampleMinMax } from "../src/downsample.js";
import { escapeHtml, jsonForScript } from "../src/html-escape.js";
import { CHART_HEIGHT, FONT, PLOT_MARGIN, renderHtml } from "../src/render-html.js";
import { escapeMarkdown, renderSummaryMarkdown } from "../src/render-summary.js";
import { perRunSecond, secondOfSample } from "../src/run-seconds.js";
import { syntheticRun } from "./helpers/synthetic-run.js";

const HOSTILE = "<img src=x onerror=alert(1)>";
const SCRIPT_BREAK = "</script><script>alert(2)</script>";
// A container name reaches the legend's text and its group's attribute.
const CONTAINER = `"><img src=x onerror=alert(4)>`;

function hostileRun() {
  const run = syntheticRun({ kind: "cpu", scenarioName: HOSTILE });
  const results = structuredClone(run.results);
  const firstRequest = results.byRequest?.[0];
  if (firstRequest) firstRequest.name = `GET /${SCRIPT_BREAK}`;
  results.errors = { ...results.errors, [SCRIPT_BREAK]: 3 };
  results.statusCodes = { ...results.statusCodes, '"><b>418</b>': 1 };
  const metadata = {
    ...run.metadata,
    target: `http://127.0.0.1:8080/"><script>alert(3)</script>`,
    host: { name: "<b>node</b>", vcpus: 2 },
  };
  const metrics = { ...run.metrics, series: new Map(run.metrics.series) };
  metrics.series.set(
    `container.${CONTAINER}.cpu.percent`,
    run.metrics.series.get("process.cpu.percent") as Float64Array,
  );
  return { results, metrics, metadata };
}

const require = createRequire(import.meta.url);

/** An installed plotly package: its bundle's text and its version. */
function installedPlotly(name: string) {
  const version = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")).version as string;
  return { source: readFileSync(require.resolve(name), "utf8"), version };
}

function plotlyMeta(html: string): string | undefined {
  return /<meta name="sizer-report:plotly" content="([^"]*)">/.exec(html)?.[1];
}

function inlineScripts(html: string): string[] {
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((match) => match[1] as string);
}

describe("renderHtml", () => {
  const input = hostileRun();
  const analysis = analyze(input);
  const html = renderHtml({ ...input, analysis, generatedAt: "2026-11-26T07:00:00.000Z" });
  const markup = html.replace(/<script>[\s\S]*?<\/script>/g, "<script></script>");

  it("escapes every user and target string", () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain("<b>node</b>");
    expect(html).not.toContain(CONTAINER);
    expect(markup).toContain(`data-group="container:${escapeHtml(CONTAINER)}"`);
    expect(markup).toContain(`${escapeHtml(CONTAINER)} CPU</button>`);
    expect(html).not.toContain("<script>alert");
    expect(markup).toContain(escapeHtml(HOSTILE));
    expect(markup).toContain("&lt;b&gt;node&lt;/b&gt;");
    // Exactly our three script elements: the JSON data block, plotly, the runner.
    expect(html.match(/<script/g)).toHaveLength(3);
    expect(html.match(/<\/script/gi)).toHaveLength(3);
  });

  it("forbids network loads with a CSP whose hashes match the inline scripts", () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'none'");
    const scripts = inlineScripts(html);
    expect(scripts).toHaveLength(2);
    for (const script of scripts) {
      const hash = createHash("sha256").update(script, "utf8").digest("base64");
      expect(csp).toContain(`'sha256-${hash}'`);
    }
    expect(csp).not.toContain("unsafe-eval");
    expect(markup).not.toMatch(/(src|href)="?(https?:)?\/\//i);
    expect(markup).not.toMatch(/@import|url\(/i);
  });

  it("inlines the basic plotly bundle by default, names it, and embeds the charts as data", () => {
    const basic = installedPlotly("plotly.js-basic-dist-min");
    const full = installedPlotly("plotly.js-dist-min");
    expect(inlineScripts(html)[0]).toBe(basic.source);
    expect(html).not.toContain(full.source.slice(0, 300));
    expect(plotlyMeta(html)).toBe(`plotly.js-basic-dist-min ${basic.version}`);
    expect(html).toContain(`Charts by plotly.js-basic-dist-min ${basic.version}.`);
    const data = JSON.parse(
      /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "{}",
    );
    expect(data.charts.map((chart: { id: string }) => chart.id)).toEqual([
      "chart-load",
      "chart-errors",
      "chart-latency",
      "chart-cpu",
      "chart-memory",
      "chart-disk",
      "chart-network",
    ]);
    const load = data.charts[0];
    expect(load.layout.shapes.map((shape: { type: string }) => shape.type)).toEqual(["rect", "line", "line"]);
    // The marker labels sit at the bottom of the plot, away from the mode bar at its top right.
    for (const label of load.layout.annotations) expect([label.y, label.yanchor]).toEqual([0, "bottom"]);
  });

  it("gives every chart the same margins and its legend as HTML buttons, so the time axes line up", () => {
    const data = JSON.parse(
      /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? "{}",
    );
    const layouts = data.charts.map(
      (chart: { layout: { margin: unknown; showlegend: boolean } }) => chart.layout,
    );
    expect(new Set(layouts.map((layout: { margin: unknown }) => JSON.stringify(layout.margin))).size).toBe(1);
    expect(layouts.every((layout: { showlegend: boolean }) => layout.showlegend === false)).toBe(true);

    const legend = (id: string) =>
      new RegExp(`<div class="legend" id="${id}-legend"[^>]*>(.*?)</div></div>`).exec(html)?.[1] ?? "";
    const buttons = (id: string) =>
      [
        ...legend(id).matchAll(/<button type="button" ([^>]*)>(?:<svg[\s\S]*?<\/svg>)?([^<]*)<\/button>/g),
      ].map((match) => `${match[1]} ${match[2]}`);
    expect(buttons("chart-load")).toEqual([
      'class="legend-title" data-group="load" aria-pressed="true" Load',
      'data-trace="0" aria-pressed="true" workers',
      'data-trace="1" aria-pressed="true" throughput',
    ]);
    // The max latency starts hidden, as its trace does.
    expect(buttons("chart-latency")).toContain('data-trace="4" aria-pressed="false" max');
    expect(legend("chart-errors")).toContain('stroke-dasharray="6 3"/></svg>tolerance 5%</button>');
  });

  it("counts workers in whole workers: the load chart's left axis has integer ticks, even for 3 workers", () => {
    const few = syntheticRun({ kind: "no-failure", seconds: 12, rampPerSecond: 0.25 });
    const page = renderHtml({ ...few, analysis: analyze(few), generatedAt: "2026-12-07T19:00:00Z" });
    const data = JSON.parse(
      /<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(page)?.[1] ?? "{}",
    );
    const load = data.charts.find((chart: { id: string }) => chart.id === "chart-load");
    const workers = Math.max(...few.results.timeline.map((entry) => entry.workers));
    expect(workers).toBeLessThan(5);
    expect(load.layout.yaxis).toMatchObject({ tickformat: "d" });
    expect(Number.isInteger(load.layout.yaxis.dtick) && load.layout.yaxis.dtick >= 1).toBe(true);
    expect(load.layout.yaxis.range[1]).toBeGreaterThanOrEqual(workers);
  });

  it("inlines the stylesheet and the client script of src/assets, sized as plotly lays the charts out", () => {
    const assets = join(dirname(fileURLToPath(import.meta.url)), "..", "src", "assets");
    const stylesheet = readFileSync(join(assets, "report.css"), "utf8");
    const client = readFileSync(join(assets, "report-client.js"), "utf8");
    expect(html).toContain(`<style>\n${stylesheet}</style>`);
    expect(inlineScripts(html).at(-1)).toBe(client.replace(/\n$/, ""));
    expect(stylesheet).toContain(`.chart .plot { height: ${CHART_HEIGHT}px; }`);
    expect(stylesheet).toContain(`padding: 0 ${PLOT_MARGIN.right}px 0 ${PLOT_MARGIN.left - 6}px;`);
    expect(stylesheet).toContain(`body { margin: 0; font-family: ${FONT};`);
  });

  it("inlines the full plotly bundle on request, a given source over both", () => {
    const full = installedPlotly("plotly.js-dist-min");
    const withFull = renderHtml({
      ...input,
      analysis,
      generatedAt: "2026-11-26T07:00:00Z",
      plotlyBundle: "full",
    });
    expect(inlineScripts(withFull)[0]).toBe(full.source);
    expect(plotlyMeta(withFull)).toBe(`plotly.js-dist-min ${full.version}`);
    const csp = /content="([^"]*script-src[^"]*)"/.exec(withFull)?.[1] ?? "";
    expect(csp).toContain(`'sha256-${createHash("sha256").update(full.source, "utf8").digest("base64")}'`);

    const custom = "/**\n* plotly.js (custom) v9.8.7\n*/\nwindow.Plotly = {};";
    const withCustom = renderHtml({
      ...input,
      analysis,
      generatedAt: "2026-11-26T07:00:00Z",
      plotlyBundle: "full",
      plotlySource: custom,
    });
    expect(inlineScripts(withCustom)[0]).toBe(custom);
    expect(plotlyMeta(withCustom)).toBe("custom 9.8.7");
    expect(() =>
      renderHtml({
        ...input,
        analysis,
        generatedAt: "2026-11-26T07:00:00Z",
        plotlyBundle: "huge" as "full",
      }),
    ).toThrow('plotlyBundle: expected basic or full, got "huge"');
  });

  it("puts the verdict and the capacity at the top", () => {
    const verdictAt = html.indexOf('id="verdict"');
    expect(verdictAt).toBeGreaterThan(0);
    expect(verdictAt).toBeLessThan(html.indexOf('id="charts"'));
    expect(html).toContain(escapeHtml(analysis.capacity.message));
    expect(html).toContain(escapeHtml(analysis.bottleneck.summary));
  });

  it("shows a partial run prominently", () => {
    const partial = renderHtml({
      ...input,
      metadata: { ...input.metadata, partial: true, partialReason: "the service died at 80 s" },
      analysis: analyze({ ...input, metadata: { ...input.metadata, partial: true } }),
      generatedAt: "2026-11-26T07:00:00.000Z",
    });
    expect(partial).toContain(
      '<div class="partial-banner" id="partial">PARTIAL RUN: the service died at 80 s.',
    );
    expect(partial).toContain('<span class="badge partial">partial run</span>');
    expect(html).not.toContain('id="partial"');
  });
});

describe("the checks table", () => {
  it("says a memory growth that fires is growing, with the growth, while a full CPU is saturated", () => {
    const run = syntheticRun({ kind: "cpu" });
    const MiB = 1024 * 1024;
    const series = new Map(run.metrics.series);
    // 58 MiB growing by 1 MiB a second with the workers (113 MiB at 55 s), on a host with plenty of memory.
    series.set(
      "process.rss",
      Float64Array.from(run.metrics.times, (_, index) => (58 + index) * MiB),
    );
    const input = { results: run.results, metrics: { ...run.metrics, series }, metadata: run.metadata };
    const analysis = analyze(input);
    const growth = analysis.checks.find((check) => check.rule === "memory-growth");
    expect(growth?.saturated).toBe(true);
    const html = renderHtml({ ...input, analysis, generatedAt: "2026-11-26T07:00:00.000Z" });
    const verdictOf = (label: string) => {
      const row = html.split("\n").find((line) => line.startsWith("<tr") && line.includes(label));
      return /<td>([^<]*)<\/td><\/tr>$/.exec(row ?? "")?.[1];
    };
    expect(verdictOf("Service memory growth")).toMatch(
      /^growing \(\d+ MiB, \+\d+(\.\d)?% since the load began\)$/,
    );
    expect(verdictOf("Service CPU")).toMatch(/^saturated from \d+ s$/);
  });
});

describe("the load generator's resources", () => {
  it("draws the generator's RSS in the memory chart, with its CPU's legend group, metrics or not", () => {
    const run = syntheticRun({ kind: "cpu", seconds: 60 });
    for (const metrics of [run.metrics, undefined]) {
      const analysis = analyze({ results: run.results, metrics });
      const charts = buildCharts(run.results, metrics, analysis);
      const memory = charts.find((chart) => chart.id === "chart-memory");
      const rss = memory?.traces.find((trace) => trace.name === "generator RSS");
      expect(rss?.legendgroup).toBe("generator");
      expect(rss?.y).toEqual(run.results.timeline.map((entry) => entry.generatorRssBytes));
      const cpu = charts.find((chart) => chart.id === "chart-cpu");
      expect(cpu?.traces.find((trace) => trace.name === "generator CPU")?.legendgroup).toBe("generator");
    }
  });

  it("says where the generator is drawn and that its network and disk are not recorded", () => {
    const run = syntheticRun({ kind: "cpu", seconds: 60 });
    const page = renderHtml({ ...run, analysis: analyze(run), generatedAt: "2026-11-26T07:00:00Z" });
    expect(page).toContain(
      '<p class="hint" id="generator-note">The load generator (legend group “Load generator”) is drawn in Latency, CPU and Memory. Its network traffic and disk I/O are not recorded by loadcore, so no chart shows them.</p>',
    );

    const older = structuredClone(run.results);
    for (const entry of older.timeline) delete entry.generatorRssBytes;
    const olderAnalysis = analyze({ results: older });
    const olderCharts = buildCharts(older, undefined, olderAnalysis);
    expect(olderCharts.map((chart) => chart.id)).not.toContain("chart-memory");
    const olderPage = renderHtml({
      results: older,
      analysis: olderAnalysis,
      generatedAt: "2026-11-26T07:00:00Z",
    });
    expect(olderPage).toContain(
      "is drawn in Latency and CPU. Its network traffic and disk I/O are not recorded",
    );
  });
});

describe("buildReport", () => {
  it("writes the same bytes for the same inputs and generation time", async () => {
    const input = hostileRun();
    const first = await buildReport({
      ...input,
      outDir: mkdtempSync(join(tmpdir(), "sizer-report-a-")),
      generatedAt: "2026-11-26T07:00:00Z",
    });
    const second = await buildReport({
      ...input,
      outDir: mkdtempSync(join(tmpdir(), "sizer-report-b-")),
      generatedAt: "2026-11-26T07:00:00Z",
    });
    const digest = (path: string | null) =>
      createHash("sha256")
        .update(readFileSync(path as string))
        .digest("hex");
    for (const key of ["html", "summaryMd", "summaryJson"] as const) {
      expect(digest(first.files[key])).toBe(digest(second.files[key]));
    }
    const later = await buildReport({
      ...input,
      htmlPath: join(mkdtempSync(join(tmpdir(), "sizer-report-c-")), "r.html"),
      generatedAt: "2026-11-26T08:00:00Z",
    });
    expect(digest(later.files.html)).not.toBe(digest(first.files.html));
    expect(later.files.summaryMd).toBeNull();
  });

  it("writes a versioned summary.json and an escaped summary.md", async () => {
    const input = hostileRun();
    const report = await buildReport({
      ...input,
      outDir: mkdtempSync(join(tmpdir(), "sizer-report-d-")),
      generatedAt: "2026-11-26T07:00:00Z",
      title: "Nightly | sizing",
    });
    const summary = JSON.parse(readFileSync(report.files.summaryJson as string, "utf8"));
    expect(summary).toMatchObject({
      format: "sizer-report-summary",
      formatVersion: 1,
      generatedAt: "2026-11-26T07:00:00.000Z",
      title: "Nightly | sizing",
    });
    expect(summary.analysis.bottleneck.resource).toBe("cpu");
    expect(summary.analysis.capacity.workers).toBe(report.analysis.capacity.workers);
    const markdown = readFileSync(report.files.summaryMd as string, "utf8");
    expect(markdown.startsWith("## Nightly \\| sizing\n")).toBe(true);
    expect(markdown).toContain("**Bottleneck: CPU** (service, confidence high)");
    expect(markdown).not.toContain("<img");
    expect(markdown).toContain("&lt;img src=x onerror=alert\\(1\\)&gt;".replace("\\(1\\)", "(1)"));
  });

  it("refuses a bad generation time or two destinations", async () => {
    const { results } = syntheticRun({ kind: "cpu", seconds: 10 });
    await expect(buildReport({ results, outDir: "/tmp/x", generatedAt: "tomorrow" })).rejects.toThrow(
      "generatedAt: expected an ISO 8601 time",
    );
    await expect(buildReport({ results, outDir: "/tmp/x", htmlPath: "/tmp/x.html" })).rejects.toThrow(
      "give exactly one of outDir and htmlPath",
    );
  });
});

describe("helpers", () => {
  it("downsamples with min/max buckets, keeping every peak", () => {
    const x = Array.from({ length: 3600 }, (_, index) => index);
    const y = x.map((index) => (index === 1234 ? 500 : index === 2345 ? -20 : Math.sin(index / 50)));
    const sampled = downsampleMinMax(x, y, 600);
    expect(sampled.x.length).toBeLessThanOrEqual(600);
    expect(Math.max(...(sampled.y as number[]))).toBe(500);
    expect(Math.min(...(sampled.y as number[]))).toBe(-20);
    expect(sampled.x).toEqual([...sampled.x].sort((left, right) => left - right));
    expect(downsampleMinMax([1, 2], [Number.NaN, 3], 10).y).toEqual([null, 3]);
  });

  it("pairs resource samples with the second they belong to, as the analysis does, and averages them", () => {
    // Samples at 0.6, 1.1, 1.6 and 3.4 s: 0.6 and 1.1 belong to second 1, 1.6 to 2, 3.4 to 3; none to 0.
    const perSecond = perRunSecond([0.6, 1.1, 1.6, 3.4, 9.9], [10, 20, 30, 40, 50], [0, 1, 2, 3]);
    expect([...perSecond]).toEqual([Number.NaN, 15, 30, 40]);
    expect([0.49, 0.5, 1.49, -0.4].map(secondOfSample)).toEqual([0, 1, 1, -0]);
  });

  it("keeps the same seconds in every trace of a long chart, with each trace's peaks", () => {
    const length = 3600;
    const spike = Float64Array.from({ length }, (_, index) => (index === 1234 ? 500 : Math.sin(index / 50)));
    const dip = Float64Array.from({ length }, (_, index) => (index === 2345 ? -20 : Math.cos(index / 70)));
    const flat = new Float64Array(length).fill(2);
    const kept = downsampleShared(length, [spike, dip, flat], 800);
    expect(kept.length).toBeLessThanOrEqual(800);
    expect(kept).toContain(1234);
    expect(kept).toContain(2345);
    expect(kept).toEqual([...kept].sort((left, right) => left - right));
    // Charts of a synthetic hour: every trace of a chart on the same seconds.
    const run = syntheticRun({ kind: "cpu", seconds: length });
    for (const chart of buildCharts(run.results, run.metrics, analyze(run), 800)) {
      const seconds = chart.traces[0]?.x;
      expect(seconds?.length, chart.id).toBeLessThanOrEqual(800);
      for (const trace of chart.traces) expect(trace.x, `${chart.id} ${trace.name}`).toEqual(seconds);
    }
  });

  it("escapes JSON for a script element and text for Markdown", () => {
    expect(jsonForScript({ name: "</script><!--" })).toBe('{"name":"\\u003c/script>\\u003c!--"}');
    expect(escapeMarkdown("a|b <i>*c*</i>")).toBe("a\\|b &lt;i&gt;\\*c\\*&lt;/i&gt;");
    const markdown = renderSummaryMarkdown({
      ...hostileRun(),
      analysis: analyze(hostileRun()),
      generatedAt: "2026-11-26T07:00:00.000Z",
    });
    expect(markdown).toContain("| &lt;img src=x onerror=alert(1)&gt; |");
  });
});
