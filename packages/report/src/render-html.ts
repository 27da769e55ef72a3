import { allFailed } from "./all-failed.js";
import type {
  Analysis,
  ArrivalRateLevel,
  Capacity,
  ResourceCheck,
  RunMetadata,
  Trust,
} from "./analysis-types.js";
import { partialReason } from "./analyze.js";
import style from "./assets/report.css?raw";
import runnerSource from "./assets/report-client.js?raw";
import { describeServiceExit, peakLabel, separatePeak } from "./capacity.js";
import { buildCharts, type ChartSpec, type ChartTrace } from "./charts.js";
import { formatBytes, formatMilliseconds, formatNumber, formatPercent, formatSeconds } from "./format.js";
import { escapeHtml, jsonForScript, shellJoin } from "./html-escape.js";
import type { LatencySummary, LoadResultsInput, MetricsData } from "./inputs/types.js";
import { plateauLevelText } from "./onsets.js";
import {
  cspHash,
  DEFAULT_PLOTLY_BUNDLE,
  loadPlotlyScript,
  type PlotlyBundle,
  parsePlotlyBundle,
} from "./plotly-bundle.js";
import { REPORT_VERSION } from "./version.js";

/** What `renderHtml` needs. */
export interface RenderHtmlInput {
  results: LoadResultsInput;
  metrics?: MetricsData | undefined;
  analysis: Analysis;
  metadata?: RunMetadata | undefined;
  /** The page title; defaults to "Sizing report". */
  title?: string | undefined;
  /** ISO 8601 time printed as the generation time: the only varying input, so fixing it fixes the bytes. */
  generatedAt: string;
  /** The command that produced the report (e.g. the sizer argv), shown in the run metadata. */
  command?: readonly string[] | undefined;
  /** Most points per trace before min/max downsampling (default 800). */
  maxPointsPerTrace?: number | undefined;
  /**
   * The plotly.js bundle to inline: `basic` (default; `plotly.js-basic-dist-min`, every trace the
   * report draws) or `full` (`plotly.js-dist-min`, about 4 times larger and seconds slower to open).
   */
  plotlyBundle?: PlotlyBundle | undefined;
  /** A plotly.min.js source to inline instead of either bundle. */
  plotlySource?: string | undefined;
}

/**
 * The height of every chart, and its margins: the same on every chart, so the time axes line up.
 * `assets/report.css` repeats them (`.chart .plot` height, `.legend` padding) and the font; a test
 * holds the two together.
 */
export const CHART_HEIGHT = 340;
export const PLOT_MARGIN = { left: 64, right: 64, top: 22, bottom: 44 };

/** The page's font stack, for plotly's text as for the page's (`assets/report.css`). */
export const FONT = `system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`;

// The only script besides plotly: draws the charts from the JSON block, keeps their x axes together
// and makes each chart's legend (HTML under its title) hide and show its traces. The page inlines it
// without the file's final newline; its hash in the Content-Security-Policy is of those bytes. Biome
// lints the files of assets/ but does not format them (biome.json): their bytes are the page's.
const RUNNER = runnerSource.replace(/\n$/, "");

type Cell = { text: string; numeric?: boolean; className?: string };

function table(
  headers: Array<string | Cell>,
  rows: Cell[][],
  rowClass?: (index: number) => string | undefined,
): string {
  const head = headers
    .map((header) => (typeof header === "string" ? { text: header } : header))
    .map((header) => `<th${header.numeric ? ' class="num"' : ""}>${escapeHtml(header.text)}</th>`)
    .join("");
  const body = rows
    .map((row, index) => {
      const className = rowClass?.(index);
      const cells = row
        .map((cell) => {
          const classes = [cell.numeric ? "num" : "", cell.className ?? ""].filter(Boolean).join(" ");
          return `<td${classes ? ` class="${classes}"` : ""}>${escapeHtml(cell.text)}</td>`;
        })
        .join("");
      return `<tr${className ? ` class="${className}"` : ""}>${cells}</tr>`;
    })
    .join("\n");
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const num = (value: number | undefined | null, decimals?: number): Cell => ({
  text: value === undefined || value === null ? "n/a" : formatNumber(value, decimals),
  numeric: true,
});
const ms = (latency: Partial<LatencySummary> | undefined, key: keyof LatencySummary): Cell => ({
  text: formatMilliseconds(latency?.[key]),
  numeric: true,
});
const ratio = (failed: number, total: number): Cell => ({
  text: total > 0 ? formatPercent((failed / total) * 100) : "n/a",
  numeric: true,
});

function countsTable(counts: Record<string, number> | undefined, label: string): string {
  const entries = Object.entries(counts ?? {}).sort(([left], [right]) =>
    left < right ? -1 : left > right ? 1 : 0,
  );
  if (entries.length === 0) return `<p class="hint">None recorded.</p>`;
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  return table(
    [label, { text: "count", numeric: true }, { text: "share", numeric: true }],
    entries.map(([key, count]) => [{ text: key, className: "name" }, num(count), ratio(count, total)]),
  );
}

/**
 * A secondary axis from 0 to a round top with round steps (1, 2, 2.5 or 5 times a power of ten, about
 * five of them): left to itself, an overlaying axis picks ticks like 63.6 that read as noise. An axis of
 * `counts` (whole things, such as dropped runs) steps by 1, 2 or 5 times a power of ten, never less
 * than 1, with integer labels: 0.5 of a run reads as nonsense.
 */
export function roundAxis(
  traces: readonly ChartTrace[],
  counts = false,
): { range: [number, number]; dtick: number; tickformat?: "d" } | { rangemode: "tozero" } {
  let top = 0;
  for (const trace of traces)
    for (const value of trace.y) if (value !== null && Number.isFinite(value) && value > top) top = value;
  if (!(top > 0)) return counts ? { range: [0, 1], dtick: 1, tickformat: "d" } : { rangemode: "tozero" };
  const rough = top / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const factors = counts ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10];
  const rounded = (factors.find((factor) => factor * power >= rough) ?? 10) * power;
  const step = counts ? Math.max(1, rounded) : rounded;
  const range: [number, number] = [0, Math.ceil((top * 1.05) / step) * step];
  return counts ? { range, dtick: step, tickformat: "d" } : { range, dtick: step };
}

function chartLayout(chart: ChartSpec, xRange: [number, number], analysis: Analysis, startLabel: string) {
  const shapes: unknown[] = [];
  const annotations: unknown[] = [];
  const { onset } = analysis;
  if (onset.failureSeconds !== null || onset.plateauSeconds !== null || onset.saturationSeconds !== null) {
    shapes.push({
      type: "rect",
      xref: "x",
      yref: "paper",
      x0: onset.window.fromSeconds,
      x1: onset.window.toSeconds,
      y0: 0,
      y1: 1,
      fillcolor: "rgba(100,116,139,0.08)",
      line: { width: 0 },
      layer: "below",
    });
  }
  // The labels sit inside the plot at its bottom, on the side of their line that has room: at
  // the top right they ran under plotly's mode bar. The plateau's is stacked above the onset's.
  const middle = (xRange[0] + xRange[1]) / 2;
  const marker = (at: number, color: string, text: string, dash: string, row: number) => {
    shapes.push({
      type: "line",
      xref: "x",
      yref: "paper",
      x0: at,
      x1: at,
      y0: 0,
      y1: 1,
      line: { color, width: 2, dash },
    });
    const leftOfLine = at > middle;
    annotations.push({
      x: at,
      y: 0,
      xref: "x",
      yref: "paper",
      text,
      showarrow: false,
      yanchor: "bottom",
      xanchor: leftOfLine ? "right" : "left",
      xshift: leftOfLine ? -4 : 4,
      yshift: 4 + row * 20,
      bgcolor: "rgba(255,255,255,0.85)",
      font: { color, size: 11 },
    });
  };
  if (onset.failureSeconds !== null) marker(onset.failureSeconds, "#b91c1c", "failure onset", "dash", 0);
  if (onset.plateauSeconds !== null) marker(onset.plateauSeconds, "#b45309", "plateau", "dot", 1);
  if (onset.saturationSeconds !== null && onset.saturationSeconds !== onset.plateauSeconds)
    marker(onset.saturationSeconds, "#7c3aed", "saturated", "dot", 2);
  const decline = analysis.capacity.decline;
  if (decline) marker(decline.sustained.fromSeconds, "#7c3aed", "sustained level", "dashdot", 2);
  const bytes = chart.yTitle.startsWith("bytes");
  // Plotly's legend pushes the right margin by its own width, different in every chart; the HTML
  // legend above the plot leaves the margins fixed. Room for a right axis is kept in every chart.
  return {
    height: CHART_HEIGHT,
    margin: { l: PLOT_MARGIN.left, r: PLOT_MARGIN.right, t: PLOT_MARGIN.top, b: PLOT_MARGIN.bottom },
    font: { family: FONT, size: 12, color: "#1f2937" },
    paper_bgcolor: "#ffffff",
    plot_bgcolor: "#ffffff",
    hovermode: "x unified",
    showlegend: false,
    xaxis: {
      title: { text: `seconds since the start (${startLabel})` },
      range: xRange,
      // Every trace is on the timeline's seconds: the hover label is one second's, and says which.
      unifiedhovertitle: { text: "second %{x}" },
      gridcolor: "#eef2f7",
      zeroline: false,
      ticklabeloverflow: "allow",
    },
    yaxis: {
      title: { text: chart.yTitle },
      rangemode: "tozero",
      gridcolor: "#eef2f7",
      zeroline: false,
      ticklabeloverflow: "allow",
      ...(bytes ? { tickformat: "~s" } : {}),
      ...(chart.yCounts === true
        ? roundAxis(
            chart.traces.filter((trace) => trace.yaxis !== "y2"),
            true,
          )
        : {}),
    },
    ...(chart.y2Title
      ? {
          yaxis2: {
            title: { text: chart.y2Title },
            overlaying: "y",
            side: "right",
            showgrid: false,
            zeroline: false,
            ticklabeloverflow: "allow",
            ...(chart.y2Title.startsWith("bytes") ? { tickformat: "~s" } : {}),
            ...roundAxis(
              chart.traces.filter((trace) => trace.yaxis === "y2"),
              chart.y2Counts === true,
            ),
          },
        }
      : {}),
    shapes,
    annotations,
  };
}

/** The stroke pattern of each plotly dash, for the legend's line samples. */
const DASH_ARRAY: Record<string, string> = { dash: "6 3", dot: "2 2", dashdot: "6 2 2 2" };

/** The cards of an arrival-rate run: the rate sustained (req/s, runs/s, the pool), latency, the stop, dropped runs. */
function arrivalRateCards(
  capacity: Capacity,
  rate: ArrivalRateLevel,
  card: (label: string, value: string, sub?: string) => string,
): string[] {
  const stop = [
    capacity.stoppedAtSeconds !== null && `at ${formatSeconds(capacity.stoppedAtSeconds)}`,
    rate.targetAtStop !== null && `target ${formatNumber(rate.targetAtStop)} runs/s`,
    rate.achievedAtStop !== null && `achieved ${formatNumber(rate.achievedAtStop)}`,
    capacity.errorRatioAtStop !== null && `${formatPercent(capacity.errorRatioAtStop)} errors`,
  ];
  return [
    card(
      capacity.found ? "Sustained rate" : rate.keptUp === false ? "Achieved rate" : "Rate kept up with",
      capacity.throughput === null ? "n/a" : `${formatNumber(capacity.throughput)} req/s`,
      rate.runsPerSecond === null
        ? "no healthy rate measured"
        : `${formatNumber(rate.runsPerSecond)} scenario runs/s${
            rate.keptUp === null || rate.targetRunsPerSecond === null
              ? ""
              : ` of a ${formatNumber(rate.targetRunsPerSecond)} target`
          }${
            rate.poolWorkers === null
              ? ""
              : `, a pool of ${formatNumber(rate.poolWorkers)} workers (an upper bound: queued runs included)`
          }`,
    ),
    card(
      "Latency p95",
      formatMilliseconds(capacity.latency?.p95),
      `from the planned start · p50 ${formatMilliseconds(capacity.latency?.p50)} · p99 ${formatMilliseconds(capacity.latency?.p99)}`,
    ),
    card("Stopped", capacity.stopReason ?? "end of run", stop.filter(Boolean).join(", ")),
    card(
      "Dropped runs",
      formatNumber(rate.dropped),
      `of ${formatNumber(rate.started + rate.dropped)} scheduled: load the service never got${
        rate.late > 0 ? `; ${formatNumber(rate.late)} started late` : ""
      }`,
    ),
  ];
}

/**
 * A chart's legend as buttons, grouped under their group titles: a button hides or shows its
 * trace, a group title its whole group (the runner wires them to the plot).
 */
function legendHtml(chart: ChartSpec): string {
  const groups = new Map<string, { title: string; shown: boolean; items: string[] }>();
  chart.traces.forEach((trace, index) => {
    let group = groups.get(trace.legendgroup);
    if (!group) {
      group = { title: trace.legendgrouptitle?.text ?? trace.legendgroup, shown: false, items: [] };
      groups.set(trace.legendgroup, group);
    }
    group.shown ||= trace.visible !== "legendonly";
    const dash = trace.line.dash ? ` stroke-dasharray="${DASH_ARRAY[trace.line.dash]}"` : "";
    group.items.push(
      `<button type="button" data-trace="${index}" aria-pressed="${trace.visible !== "legendonly"}"><svg width="24" height="8" aria-hidden="true"><line x1="0" y1="4" x2="24" y2="4" stroke="${escapeHtml(trace.line.color)}" stroke-width="2"${dash}/></svg>${escapeHtml(trace.name)}</button>`,
    );
  });
  const blocks = [...groups].map(
    ([key, group]) =>
      `<div class="legend-group"><button type="button" class="legend-title" data-group="${escapeHtml(key)}" aria-pressed="${group.shown}">${escapeHtml(group.title)}</button>${group.items.join("")}</div>`,
  );
  return `<div class="legend" id="${chart.id}-legend" role="group" aria-label="${escapeHtml(`Legend of ${chart.title}`)}">${blocks.join("")}</div>`;
}

function metadataList(input: RenderHtmlInput): string {
  const { results, metrics, metadata, analysis } = input;
  const rows: Array<[string, string]> = [];
  const add = (label: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== "") rows.push([label, String(value)]);
  };
  add("Load command", results.command ? shellJoin(results.command) : undefined);
  add("Report command", input.command ? shellJoin(input.command) : undefined);
  add("Service command", metadata?.serviceCommand);
  add("Target", metadata?.target);
  add("Started", results.startedAt);
  add("Ended", results.endedAt);
  add("Duration", formatSeconds(results.durationSeconds));
  add(
    "Load generator",
    [
      results.tool?.name && `${results.tool.name} ${results.tool.version ?? ""}`.trim(),
      results.tool?.node && `Node ${results.tool.node}`,
      results.host?.hostname && `on ${results.host.hostname}`,
      results.host?.cpus !== undefined && `${results.host.cpus} CPUs`,
      results.host?.memoryBytes !== undefined && formatBytes(results.host.memoryBytes),
    ]
      .filter(Boolean)
      .join(", "),
  );
  const node = metadata?.host;
  if (node) {
    add(
      "Service node",
      [
        node.name,
        node.instanceType,
        node.vcpus !== undefined && `${node.vcpus} vCPUs`,
        node.memoryBytes !== undefined && formatBytes(node.memoryBytes),
      ]
        .filter(Boolean)
        .join(", "),
    );
  }
  if (analysis.serviceCores)
    add("Service cores", `${analysis.serviceCores.count} (from ${analysis.serviceCores.source})`);
  if (metadata?.sharedCores !== undefined)
    add("Shared cores", metadata.sharedCores ? "yes: generator and service on the same cores" : "no");
  if (metrics) {
    add(
      "Metrics",
      [
        metrics.meta.source &&
          `source ${metrics.meta.source}${metrics.meta.sourceVersion ? ` ${metrics.meta.sourceVersion}` : ""}`,
        metrics.meta.host && `host ${metrics.meta.host}`,
        metrics.meta.intervalSeconds !== undefined && `every ${metrics.meta.intervalSeconds} s`,
        metrics.meta.pid !== undefined && `pid ${metrics.meta.pid}`,
        `${formatNumber(metrics.times.length)} samples of ${formatNumber(metrics.series.size)} metrics`,
      ]
        .filter(Boolean)
        .join(", "),
    );
  }
  for (const [name, version] of Object.entries(metadata?.versions ?? {}).sort(([left], [right]) =>
    left < right ? -1 : 1,
  )) {
    add(`Version of ${name}`, version);
  }
  if (metadata?.partial) add("Partial", metadata.partialReason ?? "yes");
  if (metadata?.serviceExit)
    add("Service exit", `the service ${describeServiceExit(metadata.serviceExit, results.timeline)}`);
  if (results.options) add("Load options", JSON.stringify(results.options));
  return `<dl class="metadata">${rows.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${escapeHtml(value)}</dd>`).join("\n")}</dl>`;
}

function capacityNumbers(analysis: Analysis): string {
  const { capacity } = analysis;
  const card = (label: string, value: string, sub?: string) =>
    `<div class="number"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div>${
      sub ? `<div class="sub">${escapeHtml(sub)}</div>` : ""
    }</div>`;
  const saturation = capacity.levelFrom === "saturation" ? capacity.saturation : null;
  const decline = capacity.levelFrom === "decline" ? capacity.decline : null;
  const rate = capacity.arrivalRate;
  const cards = rate
    ? arrivalRateCards(capacity, rate, card)
    : [
        saturation
          ? card(
              "Workers at saturation",
              formatNumber(saturation.workers),
              "where the throughput stopped growing",
            )
          : decline
            ? card(
                "Workers at the end",
                formatNumber(decline.sustained.workers),
                "the load of the sustained level",
              )
            : card(
                capacity.found ? "Healthy workers" : "Workers reached",
                formatNumber((capacity.found ? capacity.workers : capacity.workersAtStop) ?? Number.NaN),
                capacity.found ? "last level within the tolerance" : "no healthy limit found",
              ),
        card(
          "Throughput",
          capacity.throughput === null ? "n/a" : `${formatNumber(capacity.throughput)} req/s`,
          saturation
            ? `held once saturated, up to ${formatNumber(saturation.workersAtEnd)} workers`
            : decline
              ? `sustained from ${formatSeconds(decline.sustained.fromSeconds)} to ${formatSeconds(decline.sustained.toSeconds)}`
              : capacity.levelFrom === "peak" && capacity.peakThroughput
                ? peakLabel(capacity.peakThroughput)
                : capacity.found
                  ? "at the healthy level"
                  : capacity.levelFrom === "healthy"
                    ? `at the last healthy level, ${formatNumber(capacity.workers ?? Number.NaN)} workers`
                    : "no level measured",
        ),
        card(
          "Latency p95",
          formatMilliseconds(capacity.latency?.p95),
          `p50 ${formatMilliseconds(capacity.latency?.p50)} · p99 ${formatMilliseconds(capacity.latency?.p99)}`,
        ),
        card(
          "Stopped",
          capacity.stopReason ?? "end of run",
          [
            capacity.stoppedAtSeconds !== null && `at ${formatSeconds(capacity.stoppedAtSeconds)}`,
            capacity.workersAtStop !== null && `${formatNumber(capacity.workersAtStop)} workers`,
            capacity.errorRatioAtStop !== null && `${formatPercent(capacity.errorRatioAtStop)} errors`,
          ]
            .filter(Boolean)
            .join(", "),
        ),
      ];
  const peak = rate ? null : separatePeak(capacity);
  if (peak) cards.push(card("Peak throughput", `${formatNumber(peak.value)} req/s`, peakLabel(peak)));
  if (decline) {
    cards.push(
      card(
        "Early peak",
        `${formatNumber(decline.peak.throughput)} req/s`,
        `${formatNumber(decline.peak.averagedSeconds)} s average at ${formatSeconds(decline.peak.atSeconds)}, then ${formatPercent(decline.dropPercent)} lower`,
      ),
    );
  }
  if (capacity.plateau) {
    cards.push(
      card(
        "Throughput plateau",
        `${formatNumber(capacity.plateau.throughput)} req/s`,
        `from ${formatSeconds(capacity.plateau.atSeconds)}, ${formatNumber(capacity.plateau.workers)} workers${plateauLevelText(capacity.plateau)}`,
      ),
    );
  }
  return `<div class="numbers">${cards.join("")}</div>`;
}

/** The verdict cell of the checks table: a growth rule that fires is growing, not saturated. */
function checkVerdict(check: ResourceCheck): string {
  if (!check.saturated) return "ok";
  if (check.rule === "memory-growth") return `growing (${check.short})`;
  return `saturated${check.sinceSeconds !== null ? ` from ${formatSeconds(check.sinceSeconds)}` : ""}`;
}

const RESOURCE_LABEL: Record<string, string> = {
  cpu: "CPU",
  memory: "Memory",
  disk: "Disk I/O",
  network: "Network",
  application: "The application (no resource saturated)",
  generator: "The load generator",
  unknown: "Unknown",
};

/** Verdicts that are not a resource running out, named by their rule. */
const RULE_LABEL: Record<string, string> = {
  "service-died": "The service died",
  "all-failed": "Every scenario run failed",
};

/** The run's start time as the page prints it: `2026-11-26 07:00:00 UTC`. */
function startTimeLabel(results: LoadResultsInput): string {
  return results.startedAt.replace("T", " ").replace(/\.\d+Z$|Z$/, " UTC");
}

/** The JSON block the runner draws from: the shared time range and each chart's traces and layout. */
function chartData(results: LoadResultsInput, charts: readonly ChartSpec[], analysis: Analysis) {
  const last = results.timeline[results.timeline.length - 1];
  const xRange: [number, number] = [results.timeline[0]?.t ?? 0, last?.t ?? results.durationSeconds];
  const startLabel = startTimeLabel(results);
  return {
    xRange,
    charts: charts.map((chart) => ({
      id: chart.id,
      traces: chart.traces,
      layout: chartLayout(chart, xRange, analysis, startLabel),
    })),
  };
}

/** The page's Content-Security-Policy: the two inline scripts by hash, and no network load at all. */
function contentSecurityPolicy(plotlyHash: string): string {
  return [
    "default-src 'none'",
    `script-src ${plotlyHash} ${cspHash(RUNNER)}`,
    "style-src 'unsafe-inline'",
    "img-src data: blob:",
    "font-src data:",
    "connect-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "object-src 'none'",
    "frame-src 'none'",
  ].join("; ");
}

/** The badges next to the title: partial run, and whether the result can be trusted. */
function badgesHtml(results: LoadResultsInput, trust: Trust): string {
  return [
    trust.partial ? `<span class="badge partial">partial run</span>` : "",
    allFailed(results)
      ? `<span class="badge untrusted">measured nothing usable</span>`
      : trust.trustworthy
        ? `<span class="badge trusted">trustworthy</span>`
        : `<span class="badge untrusted">not trustworthy</span>`,
  ].join(" ");
}

/** The trust warnings: notes on a trustworthy result, reasons on an untrustworthy one. */
function warningsHtml(trust: Trust): string {
  if (trust.warnings.length === 0) return "";
  return `<div class="warnings${trust.trustworthy ? " mild" : ""}" id="warnings"><h3>${
    trust.trustworthy ? "Notes" : "Why this result is not trustworthy"
  }</h3><ul>${trust.warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`).join("")}</ul></div>`;
}

/** The verdict card: the capacity, the bottleneck and its evidence, the capacity numbers and the warnings. */
function verdictSection(analysis: Analysis): string {
  const { bottleneck, trust, capacity } = analysis;
  return `<section class="card verdict" id="verdict">
<p class="headline" id="capacity">${escapeHtml(capacity.message)}</p>
<p class="bottleneck" id="bottleneck"><strong>${escapeHtml(RULE_LABEL[bottleneck.rule] ?? RESOURCE_LABEL[bottleneck.resource] ?? bottleneck.resource)}</strong> — ${escapeHtml(bottleneck.summary)}</p>
<div class="chips"><span class="chip">confidence: ${escapeHtml(bottleneck.confidence)}</span><span class="chip">scope: ${escapeHtml(bottleneck.scope)}</span><span class="chip">rule: ${escapeHtml(bottleneck.rule)}</span></div>
${
  analysis.modelAdvice
    ? `<p class="advice" id="model-advice"><strong>Size on an arrival rate</strong> — ${escapeHtml(analysis.modelAdvice.message)}</p>\n`
    : ""
}${capacityNumbers(analysis)}
<h3>Evidence</h3>
<ul class="evidence">${bottleneck.evidence.map((fact) => `<li>${escapeHtml(fact)}</li>`).join("")}</ul>
${warningsHtml(trust)}
</section>`;
}

/** The per-scenario table. */
function scenarioTable(results: LoadResultsInput): string {
  const scenarios = results.scenarios ?? [];
  if (scenarios.length === 0) return `<p class="hint">No scenario recorded.</p>`;
  return table(
    [
      "scenario",
      { text: "ok", numeric: true },
      { text: "failed", numeric: true },
      { text: "failed %", numeric: true },
      { text: "p50", numeric: true },
      { text: "p95", numeric: true },
      { text: "p99", numeric: true },
    ],
    scenarios.map((scenario) => [
      { text: scenario.name, className: "name" },
      num(scenario.ok),
      num(scenario.failed),
      ratio(scenario.failed, scenario.ok + scenario.failed),
      ms(scenario.latency, "p50"),
      ms(scenario.latency, "p95"),
      ms(scenario.latency, "p99"),
    ]),
  );
}

/** The per-request table. */
function requestTable(results: LoadResultsInput): string {
  const requests = results.byRequest ?? [];
  if (requests.length === 0) return `<p class="hint">No request recorded.</p>`;
  return table(
    [
      "request",
      { text: "count", numeric: true },
      { text: "errors", numeric: true },
      { text: "errors %", numeric: true },
      { text: "p50", numeric: true },
      { text: "p95", numeric: true },
      { text: "p99", numeric: true },
    ],
    requests.map((request) => [
      { text: request.name, className: "name" },
      num(request.count),
      num(request.failed),
      ratio(request.failed, request.count),
      ms(request.latency, "p50"),
      ms(request.latency, "p95"),
      ms(request.latency, "p99"),
    ]),
  );
}

/** The checks table: each resource measured, its levels against its threshold, and its verdict. */
function checksTable(checks: readonly ResourceCheck[]): string {
  if (checks.length === 0) return `<p class="hint">No resource metrics: nothing to check.</p>`;
  return table(
    [
      "resource",
      "measured",
      { text: "in window", numeric: true },
      { text: "peak", numeric: true },
      { text: "threshold", numeric: true },
      "verdict",
    ],
    checks.map((check) => {
      const level = (value: number | null) =>
        value === null ? "n/a" : check.unit === "bytes" ? formatBytes(value) : formatPercent(value);
      return [
        { text: RESOURCE_LABEL[check.resource] ?? check.resource },
        { text: check.label, className: "name" },
        { text: level(check.windowLevel), numeric: true },
        {
          text: `${level(check.peakLevel)}${check.peakAtSeconds !== null ? ` at ${formatSeconds(check.peakAtSeconds)}` : ""}`,
          numeric: true,
        },
        { text: level(check.threshold), numeric: true },
        { text: checkVerdict(check) },
      ];
    }),
    (index) => (checks[index]?.saturated ? "saturated" : undefined),
  );
}

/** One card per chart: title, description, legend and the element the runner draws into. */
function chartCards(charts: readonly ChartSpec[]): string {
  return charts
    .map(
      (chart) =>
        `<div class="card chart"><h3>${escapeHtml(chart.title)}</h3><p>${escapeHtml(chart.description)}</p>${legendHtml(chart)}<div class="plot" id="${chart.id}"></div></div>`,
    )
    .join("\n");
}

/** Which charts draw the load generator, and that its network and disk are not recorded. */
function generatorNote(charts: readonly ChartSpec[]): string {
  const generatorCharts = charts
    .filter((chart) => chart.traces.some((trace) => trace.legendgroup === "generator"))
    .map((chart) => chart.title);
  if (generatorCharts.length === 0) return "";
  // Said plainly rather than left out: the issue asks for the generator's disk and network too.
  return `<p class="hint" id="generator-note">The load generator (legend group “Load generator”) is drawn in ${escapeHtml(
    generatorCharts.length > 1
      ? `${generatorCharts.slice(0, -1).join(", ")} and ${generatorCharts[generatorCharts.length - 1]}`
      : (generatorCharts[0] as string),
  )}. Its network traffic and disk I/O are not recorded by loadcore, so no chart shows them.</p>`;
}

/** The banner over the verdict of a partial run, saying why it is partial. */
function partialBanner(input: RenderHtmlInput): string {
  if (!input.analysis.trust.partial) return "";
  return `<div class="partial-banner" id="partial">PARTIAL RUN: ${escapeHtml(partialReason(input.results, input.metadata))}. The numbers below cover only what was recorded.</div>`;
}

/**
 * Renders the report as one self-contained HTML page: plotly.js inlined, the data embedded as JSON,
 * a Content-Security-Policy that forbids every network load, every user or target string escaped.
 * The output depends only on the inputs (pass `generatedAt` to fix the bytes).
 */
export function renderHtml(input: RenderHtmlInput): string {
  const { results, analysis } = input;
  const title = input.title ?? "Sizing report";
  const plotlyScript = loadPlotlyScript(
    parsePlotlyBundle(input.plotlyBundle ?? DEFAULT_PLOTLY_BUNDLE),
    input.plotlySource,
  );
  const plotlyLabel = `${plotlyScript.name}${plotlyScript.version ? ` ${plotlyScript.version}` : ""}`;
  const charts = buildCharts(results, input.metrics, analysis, input.maxPointsPerTrace);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(plotlyScript.hash)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="@sizer/report ${escapeHtml(REPORT_VERSION)}">
<meta name="sizer-report:plotly" content="${escapeHtml(plotlyLabel)}">
<title>${escapeHtml(title)}</title>
<style>
${style}</style>
</head>
<body>
<main>
<header class="top"><h1>${escapeHtml(title)}</h1>${badgesHtml(results, analysis.trust)}<span class="meta">${escapeHtml(metadataTarget(input))}</span></header>
${partialBanner(input)}
${verdictSection(analysis)}
<section id="charts">
<h2>Over time</h2>
<p class="hint">All charts share the time axis: zoom one and the others follow; double-click to reset. Click a legend entry to hide it, a group title to hide the group. The shaded band is the evidence window.</p>
${generatorNote(charts)}
${chartCards(charts)}
</section>
<section id="checks">
<h2>What was checked</h2>
<div class="card">${checksTable(analysis.checks)}</div>
</section>
<section class="tables" id="tables">
<div class="card"><h3>Per scenario</h3>${scenarioTable(results)}</div>
<div class="card"><h3>Per request</h3>${requestTable(results)}</div>
<div class="card"><h3>Status codes</h3>${countsTable(results.statusCodes, "status")}</div>
<div class="card"><h3>Error classes</h3>${countsTable(results.errors, "class")}</div>
</section>
<section id="metadata">
<h2>Run</h2>
<div class="card">${metadataList(input)}</div>
</section>
<footer>Generated by @sizer/report ${escapeHtml(REPORT_VERSION)} at ${escapeHtml(input.generatedAt)}. Charts by ${escapeHtml(plotlyLabel)}. Self-contained: this file loads nothing from the network.</footer>
</main>
<script type="application/json" id="report-data">${jsonForScript(chartData(results, charts, analysis))}</script>
<script>${plotlyScript.source}</script>
<script>${RUNNER}</script>
</body>
</html>
`;
}

function metadataTarget(input: RenderHtmlInput): string {
  const parts = [input.metadata?.target, startTimeLabel(input.results)];
  return parts.filter(Boolean).join(" · ");
}
