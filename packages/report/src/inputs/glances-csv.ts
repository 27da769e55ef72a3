import { ReportInputError } from "../errors.js";
import { MetricsBuilder } from "./metrics-builder.js";
import type { MetricsData } from "./types.js";

/** Splits one CSV line, honouring double quotes (Glances quotes cells holding commas). */
function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const character = line[index];
    if (quoted) {
      if (character === '"' && line[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (character === '"') quoted = false;
      else cell += character;
    } else if (character === '"') quoted = true;
    else if (character === ",") {
      cells.push(cell);
      cell = "";
    } else cell += character;
  }
  cells.push(cell);
  return cells;
}

const sanitize = (name: string) => name.replace(/[^A-Za-z0-9_-]/g, "_");

/** How one Glances column becomes one metric. */
interface ColumnMapping {
  column: number;
  metric: string;
  /** Divide by this column's value (v3 deltas over `time_since_update`). */
  divideByColumn?: number;
  /** Divide by the time since the previous row (v3 container deltas per refresh). */
  perInterval?: boolean;
  /** Subtract this column's value (container memory minus inactive file). */
  subtractColumn?: number;
  /** Zero means unknown (Glances writes 0 for an unknown link speed). */
  zeroIsAbsent?: boolean;
}

type Rule = [
  RegExp,
  (match: RegExpExecArray, find: (name: string) => number) => Omit<ColumnMapping, "column"> | undefined,
];

const V4_RULES: Rule[] = [
  [/^cpu\.total$/, () => ({ metric: "host.cpu.percent" })],
  [/^cpu\.(user|system|iowait|steal)$/, (m) => ({ metric: `host.cpu.${m[1]}` })],
  [/^cpu\.cpucore$/, () => ({ metric: "host.cpu.count" })],
  [/^percpu\.(\d+)\.total$/, (m) => ({ metric: `host.cpu.core.${m[1]}.percent` })],
  [/^load\.min(1|5|15)$/, (m) => ({ metric: `host.load.${m[1]}` })],
  [/^mem\.(total|used|available|percent)$/, (m) => ({ metric: `host.mem.${m[1]}` })],
  [/^memswap\.(used|percent)$/, (m) => ({ metric: `host.swap.${m[1]}` })],
  [
    /^network\.(.+)\.bytes_(recv|sent)_rate_per_sec$/,
    (m) => ({
      metric: `host.net.${sanitize(m[1] as string)}.${m[2] === "recv" ? "rx" : "tx"}_bytes`,
    }),
  ],
  [
    /^network\.(.+)\.speed$/,
    (m) => ({ metric: `host.net.${sanitize(m[1] as string)}.speed`, zeroIsAbsent: true }),
  ],
  [
    /^diskio\.(.+)\.(read|write)_bytes_rate_per_sec$/,
    (m) => ({
      metric: `host.disk.${sanitize(m[1] as string)}.${m[2]}_bytes`,
    }),
  ],
  [
    /^diskio\.(.+)\.(read|write)_count_rate_per_sec$/,
    (m) => ({
      metric: `host.disk.${sanitize(m[1] as string)}.${m[2]}_ops`,
    }),
  ],
  [
    /^containers\.(.+)\.(cpu_percent|memory_usage|memory_limit|cpu_limit|io_rx|io_wx|network_rx|network_tx)$/,
    (m, find) => {
      const name = `container.${sanitize(m[1] as string)}`;
      switch (m[2]) {
        case "cpu_percent":
          return { metric: `${name}.cpu.percent` };
        case "cpu_limit":
          return { metric: `${name}.cpu.limit`, zeroIsAbsent: true };
        case "memory_usage": {
          const inactive = find(`containers.${m[1]}.memory_inactive_file`);
          return { metric: `${name}.mem.usage`, ...(inactive >= 0 ? { subtractColumn: inactive } : {}) };
        }
        case "memory_limit":
          return { metric: `${name}.mem.limit`, zeroIsAbsent: true };
        case "io_rx":
          return { metric: `${name}.io.read_bytes` };
        case "io_wx":
          return { metric: `${name}.io.write_bytes` };
        case "network_rx":
          return { metric: `${name}.net.rx_bytes` };
        default:
          return { metric: `${name}.net.tx_bytes` };
      }
    },
  ],
];

const V3_RULES: Rule[] = [
  [/^cpu_total$/, () => ({ metric: "host.cpu.percent" })],
  [/^cpu_(user|system|iowait|steal)$/, (m) => ({ metric: `host.cpu.${m[1]}` })],
  [/^cpu_cpucore$/, () => ({ metric: "host.cpu.count" })],
  [/^percpu_(\d+)_total$/, (m) => ({ metric: `host.cpu.core.${m[1]}.percent` })],
  [/^load_min(1|5|15)$/, (m) => ({ metric: `host.load.${m[1]}` })],
  [/^mem_(total|used|available|percent)$/, (m) => ({ metric: `host.mem.${m[1]}` })],
  [/^memswap_(used|percent)$/, (m) => ({ metric: `host.swap.${m[1]}` })],
  [
    /^network_(.+)_(rx|tx)$/,
    (m, find) => {
      if ((m[1] as string).endsWith("_cumulative")) return undefined;
      const since = find(`network_${m[1]}_time_since_update`);
      return {
        metric: `host.net.${sanitize(m[1] as string)}.${m[2]}_bytes`,
        ...(since >= 0 ? { divideByColumn: since } : { perInterval: true }),
      };
    },
  ],
  [
    /^network_(.+)_speed$/,
    (m) => ({ metric: `host.net.${sanitize(m[1] as string)}.speed`, zeroIsAbsent: true }),
  ],
  [
    /^diskio_(.+)_(read|write)_(bytes|count)$/,
    (m, find) => {
      const since = find(`diskio_${m[1]}_time_since_update`);
      return {
        metric: `host.disk.${sanitize(m[1] as string)}.${m[2]}_${m[3] === "bytes" ? "bytes" : "ops"}`,
        ...(since >= 0 ? { divideByColumn: since } : { perInterval: true }),
      };
    },
  ],
  [
    /^docker_(.+)_(cpu_percent|memory_usage|io_r|io_w|network_rx|network_tx)$/,
    (m) => {
      const name = `container.${sanitize(m[1] as string)}`;
      const metric = {
        cpu_percent: "cpu.percent",
        memory_usage: "mem.usage",
        io_r: "io.read_bytes",
        io_w: "io.write_bytes",
        network_rx: "net.rx_bytes",
        network_tx: "net.tx_bytes",
      }[m[2] as string];
      const perInterval = m[2] !== "cpu_percent" && m[2] !== "memory_usage";
      return { metric: `${name}.${metric}`, ...(perInterval ? { perInterval: true } : {}) };
    },
  ],
];

/** Glances writes local time without a zone; it is read as this machine's local time. */
function parseLocalTimestamp(text: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(text);
  if (!match) return Number.NaN;
  const [, year, month, day, hour, minute, second] = match.map(Number) as number[];
  return new Date(year as number, (month as number) - 1, day, hour, minute, second).getTime();
}

/**
 * Converts a raw Glances CSV export (3.x `plugin_field` or 4.3.2+ `plugin.field` header) into
 * sizer metrics: host CPU, per-core CPU, load, memory, swap, network and disk rates, containers.
 * Rows longer than the header are truncated, as Glances grows rows without rewriting the header.
 * Timestamps are read as local time of this machine (Glances writes no time zone).
 *
 * @throws {ReportInputError} `ERR_REPORT_INPUT_INVALID` when the header is not a Glances one.
 */
export function parseGlancesCsv(text: string, file = "glances.csv"): MetricsData {
  const lines = text
    .split("\n")
    .map((line) => line.replace(/\r$/, ""))
    .filter((line) => line !== "");
  const header = splitCsvLine(lines[0] ?? "");
  const columnIndex = new Map(header.map((name, index) => [name, index] as const));
  const find = (name: string) => columnIndex.get(name) ?? -1;
  const version = columnIndex.has("cpu.total") ? 4 : columnIndex.has("cpu_total") ? 3 : 0;
  if (header[0] !== "timestamp" || version === 0) {
    throw new ReportInputError(
      "ERR_REPORT_INPUT_INVALID",
      file,
      "not a Glances CSV export this report can read (expected a timestamp column and cpu_total or cpu.total; Glances 4.0–4.3.1 headers are ambiguous, convert them with glances-collector)",
    );
  }
  const rules = version === 4 ? V4_RULES : V3_RULES;
  const mappings: ColumnMapping[] = [];
  header.forEach((name, column) => {
    for (const [pattern, map] of rules) {
      const match = pattern.exec(name);
      if (!match) continue;
      const mapping = map(match, find);
      if (mapping) mappings.push({ column, ...mapping });
      break;
    }
  });
  const builder = new MetricsBuilder();
  const hostColumn = find(version === 4 ? "system.hostname" : "system_hostname");
  let host: string | undefined;
  let previousTime = Number.NaN;
  const intervals: number[] = [];
  for (let lineIndex = 1; lineIndex < lines.length; lineIndex++) {
    const cells = splitCsvLine(lines[lineIndex] as string).slice(0, header.length);
    const time = parseLocalTimestamp(cells[0] ?? "");
    if (Number.isNaN(time)) {
      throw new ReportInputError(
        "ERR_REPORT_INPUT_INVALID",
        file,
        `line ${lineIndex + 1}: timestamp must be "YYYY-MM-DD HH:MM:SS", got ${JSON.stringify(cells[0])}`,
      );
    }
    const interval = Number.isNaN(previousTime) ? Number.NaN : (time - previousTime) / 1000;
    if (interval > 0) intervals.push(interval);
    previousTime = time;
    if (host === undefined && hostColumn >= 0 && cells[hostColumn]) host = cells[hostColumn];
    const index = builder.addSample(time);
    const numberAt = (column: number) =>
      cells[column] === undefined || cells[column] === "" ? Number.NaN : Number(cells[column]);
    for (const mapping of mappings) {
      let value = numberAt(mapping.column);
      if (!Number.isFinite(value)) continue;
      if (mapping.zeroIsAbsent && value === 0) continue;
      if (mapping.subtractColumn !== undefined) {
        const subtract = numberAt(mapping.subtractColumn);
        if (Number.isFinite(subtract)) value -= subtract;
      }
      if (mapping.divideByColumn !== undefined) {
        const seconds = numberAt(mapping.divideByColumn);
        if (!(seconds > 0)) continue;
        value /= seconds;
      } else if (mapping.perInterval) {
        if (!(interval > 0)) continue;
        value /= interval;
      }
      builder.set(mapping.metric, index, value);
    }
  }
  intervals.sort((left, right) => left - right);
  const medianInterval = intervals[Math.floor(intervals.length / 2)];
  return builder.build({
    format: "sizer-metrics",
    formatVersion: 1,
    source: "glances-csv",
    sourceVersion: version === 4 ? "4.x" : "3.x",
    ...(host !== undefined ? { host } : {}),
    ...(medianInterval !== undefined ? { intervalSeconds: medianInterval } : {}),
    extra: { converted: "raw Glances CSV read by @sizer/report" },
  });
}
