import { readFile } from "node:fs/promises";
import { CsvRow, splitCsvLine } from "./csv-line.js";
import { FormatError, fileError } from "./errors.js";
import {
  GLANCES_3_PERCPU_NOTE,
  type GlancesRaw,
  type GlancesView,
  glancesToValues,
} from "./glances-mapping.js";
import type { CollectorNote, MetricSample } from "./metric-sample.js";

/** The three column naming schemes of Glances CSV exports. */
export type GlancesCsvScheme = "2.x-3.x" | "4.0-4.3.1" | "4.3.2+";

const LIST_PLUGINS = ["percpu", "network", "diskio", "containers"] as const;
const DICT_PLUGINS = ["cpu", "load", "mem", "memswap"] as const;

interface ItemColumns {
  /** Column of the field that must hold the item's key in a row that is not shifted. */
  keyColumn: number | undefined;
  keyValue: string;
  fields: Map<string, number>;
}

/** Options of Glances CSV parsing. */
export interface GlancesCsvOptions {
  /**
   * Minutes east of UTC of the `timestamp` column, which Glances writes in local time without a
   * zone. Default: from the `now.iso` column when present (4.x), else this machine's time zone.
   */
  utcOffsetMinutes?: number;
  /** Name used in error messages (a file path). */
  sourceName?: string;
}

/**
 * Turns Glances CSV rows into samples, by column name. Built from the header line; keeps the
 * state a row needs (whether it is the first update, the previous time) so it also serves for
 * tailing a file as Glances writes it.
 */
export class GlancesCsvConverter {
  readonly scheme: GlancesCsvScheme;
  readonly header: readonly string[];
  /** The host name from the `system` plugin's columns, when exported. */
  hostname: string | undefined;
  readonly #sourceName: string;
  readonly #utcOffsetMinutes: number | undefined;
  readonly #timestampColumn: number;
  readonly #isoColumn: number | undefined;
  readonly #hostnameColumn: number | undefined;
  readonly #dict = new Map<string, Map<string, number>>();
  readonly #items = new Map<string, Map<string, ItemColumns>>();
  readonly #keys = new Map<string, string[]>();
  #rows = 0;
  #previousTime: number | undefined;
  readonly #notedShift = new Set<string>();
  #notedLonger = false;
  readonly #row = new CsvRow();

  constructor(headerLine: string, options: GlancesCsvOptions = {}) {
    this.#sourceName = options.sourceName ?? "Glances CSV";
    this.#utcOffsetMinutes = options.utcOffsetMinutes;
    const header = splitCsvLine(headerLine.replace(/\r$/, ""));
    this.header = header;
    if (header[0] !== "timestamp") {
      throw new FormatError(
        this.#sourceName,
        `not a Glances CSV export: the first column is "${header[0]}", expected "timestamp"`,
      );
    }
    this.#timestampColumn = 0;
    const index = new Map<string, number>();
    header.forEach((name, position) => {
      if (!index.has(name)) index.set(name, position);
    });
    if (index.has("cpu.total") || index.has("mem.total") || index.has("load.min1")) {
      this.scheme = "4.3.2+";
      this.#analysePrefixed(header, index, ".");
    } else if (index.has("cpu_total") || index.has("mem_total") || index.has("load_min1")) {
      this.scheme = "2.x-3.x";
      this.#analysePrefixed(header, index, "_");
    } else if (
      index.has("total") ||
      index.has("min1") ||
      header.some((name) => name.endsWith(".interface_name"))
    ) {
      this.scheme = "4.0-4.3.1";
      this.#analyseUnprefixed(header);
    } else {
      throw new FormatError(
        this.#sourceName,
        "no Glances cpu, mem, load or network columns found (enable those plugins in the export)",
      );
    }
    this.#isoColumn = index.get("now.iso") ?? index.get("now_iso") ?? index.get("iso");
    this.#hostnameColumn =
      index.get("system.hostname") ?? index.get("system_hostname") ?? index.get("hostname");
  }

  #analysePrefixed(header: readonly string[], index: Map<string, number>, separator: string): void {
    for (const plugin of DICT_PLUGINS) {
      const fields = new Map<string, number>();
      const prefix = `${plugin}${separator}`;
      for (const [name, position] of index) {
        if (name.startsWith(prefix)) fields.set(name.slice(prefix.length), position);
      }
      this.#dict.set(plugin, fields);
    }
    const keySuffix = `${separator}key`;
    for (const plugin of LIST_PLUGINS) {
      const names = plugin === "containers" ? ["containers", "docker"] : [plugin];
      const items = new Map<string, ItemColumns>();
      for (const name of names) {
        const prefix = `${name}${separator}`;
        for (const column of header) {
          if (!column.startsWith(prefix) || !column.endsWith(keySuffix)) continue;
          const key = column.slice(prefix.length, column.length - keySuffix.length);
          if (key.length === 0 || items.has(key)) continue;
          const itemPrefix = `${prefix}${key}${separator}`;
          const fields = new Map<string, number>();
          header.forEach((candidate, position) => {
            if (candidate.startsWith(itemPrefix) && !fields.has(candidate.slice(itemPrefix.length))) {
              fields.set(candidate.slice(itemPrefix.length), position);
            }
          });
          items.set(key, { keyColumn: undefined, keyValue: key, fields });
        }
      }
      this.#items.set(plugin, items);
      this.#keys.set(plugin, [...items.keys()]);
    }
  }

  /** 4.0-4.3.1: dict plugins have bare field names, list items are `<key>.<field>`. */
  #analyseUnprefixed(header: readonly string[]): void {
    const items = new Map<string, Map<string, number>>();
    for (let position = 0; position < header.length; position++) {
      const name = header[position] as string;
      const dot = name.lastIndexOf(".");
      if (dot <= 0) continue;
      const key = name.slice(0, dot);
      const fields = items.get(key) ?? new Map<string, number>();
      if (!fields.has(name.slice(dot + 1))) fields.set(name.slice(dot + 1), position);
      items.set(key, fields);
    }
    const byPlugin = new Map<string, Map<string, ItemColumns>>();
    for (const plugin of LIST_PLUGINS) byPlugin.set(plugin, new Map());
    for (const [key, fields] of items) {
      const plugin = fields.has("interface_name")
        ? "network"
        : fields.has("disk_name")
          ? "diskio"
          : fields.has("cpu_number")
            ? "percpu"
            : fields.has("cpu_percent") && fields.has("memory_usage")
              ? "containers"
              : undefined;
      if (plugin) byPlugin.get(plugin)?.set(key, { keyColumn: undefined, keyValue: key, fields });
    }
    for (const [plugin, pluginItems] of byPlugin) {
      this.#items.set(plugin, pluginItems);
      this.#keys.set(plugin, [...pluginItems.keys()]);
    }
    // Dict plugins: find each one's run of bare columns by its leading fields.
    const bare = (position: number): string | undefined => {
      const name = header[position];
      return name !== undefined && !name.includes(".") ? name : undefined;
    };
    const findRun = (plugin: string, leading: string[]): void => {
      for (let start = 1; start < header.length; start++) {
        if (!leading.every((name, offset) => bare(start + offset) === name)) continue;
        const fields = new Map<string, number>();
        for (let position = start; bare(position) !== undefined; position++) {
          const name = bare(position) as string;
          if (fields.has(name)) break;
          fields.set(name, position);
        }
        this.#dict.set(plugin, fields);
        return;
      }
      this.#dict.set(plugin, new Map());
    };
    findRun("cpu", ["total", "user"]);
    findRun("mem", ["total", "available"]);
    findRun("memswap", ["total", "used", "free", "percent", "sin"]);
    findRun("load", ["min1", "min5", "min15"]);
  }

  /** Converts one data line; returns no sample for a blank or unusable line, with notes saying why. */
  convertLine(line: string): { sample: MetricSample | undefined; notes: CollectorNote[] } {
    const notes: CollectorNote[] = [];
    const text = line.endsWith("\r") ? line.slice(0, -1) : line;
    if (text.length === 0) return { sample: undefined, notes };
    const cells = this.#row;
    cells.scan(text);
    const time = this.#parseTime(cells);
    if (time === undefined) {
      notes.push({
        time: this.#previousTime ?? 0,
        message: `${this.#sourceName}: skipped a row with a bad timestamp "${cells.cell(0)}"`,
      });
      return { sample: undefined, notes };
    }
    if (cells.length > this.header.length && !this.#notedLonger) {
      this.#notedLonger = true;
      notes.push({
        time,
        message: `${this.#sourceName}: rows have ${cells.length} cells for ${this.header.length} header columns (Glances writes the header once); extra cells ignored, shifted items dropped`,
      });
    }
    if (this.hostname === undefined && this.#hostnameColumn !== undefined) {
      const hostname = cells.cell(this.#hostnameColumn);
      if (hostname) this.hostname = hostname;
    }
    const view = new RowView(cells, this.#dict, this.#items, this.#keys);
    const firstUpdate = this.#rows === 0;
    const intervalSeconds = this.#previousTime === undefined ? undefined : (time - this.#previousTime) / 1000;
    const cachedCpuTotal = this.scheme === "2.x-3.x";
    const values = glancesToValues(view, { firstUpdate, intervalSeconds, cachedCpuTotal });
    if (firstUpdate && cachedCpuTotal && view.keys("percpu").length > 0) {
      notes.push({ time, message: `${this.#sourceName}: ${GLANCES_3_PERCPU_NOTE}` });
    }
    for (const shifted of view.shiftedItems) {
      if (this.#notedShift.has(shifted)) continue;
      this.#notedShift.add(shifted);
      notes.push({
        time,
        message: `${this.#sourceName}: ${shifted} does not line up with the header in some rows; its values are absent there`,
      });
    }
    this.#rows++;
    this.#previousTime = time;
    return { sample: { time, values }, notes };
  }

  #parseTime(cells: CsvRow): number | undefined {
    const stamp = cells.cell(this.#timestampColumn);
    if (!stamp || stamp.length < 19) return undefined;
    const year = Number(stamp.slice(0, 4));
    const month = Number(stamp.slice(5, 7));
    const day = Number(stamp.slice(8, 10));
    const hour = Number(stamp.slice(11, 13));
    const minute = Number(stamp.slice(14, 16));
    const second = Number(stamp.slice(17, 19));
    if (!(year > 0 && month > 0 && day > 0 && hour >= 0 && minute >= 0 && second >= 0)) return undefined;
    let offset = this.#utcOffsetMinutes;
    if (offset === undefined && this.#isoColumn !== undefined)
      offset = isoOffsetMinutes(cells.cell(this.#isoColumn));
    if (offset === undefined) return new Date(year, month - 1, day, hour, minute, second).getTime();
    return Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000;
  }
}

/** `2026-11-26T06:27:34+01:00` gives 60; undefined without an offset. */
function isoOffsetMinutes(iso: string | undefined): number | undefined {
  if (!iso || iso.length < 6) return undefined;
  if (iso.endsWith("Z")) return 0;
  const sign = iso[iso.length - 6];
  if (sign !== "+" && sign !== "-") return undefined;
  const hours = Number(iso.slice(-5, -3));
  const minutes = Number(iso.slice(-2));
  if (!Number.isInteger(hours) || !Number.isInteger(minutes)) return undefined;
  return (sign === "-" ? -1 : 1) * (hours * 60 + minutes);
}

class RowView implements GlancesView {
  readonly shiftedItems: string[] = [];
  readonly #cells: CsvRow;
  readonly #dict: Map<string, Map<string, number>>;
  readonly #items: Map<string, Map<string, ItemColumns>>;
  readonly #keys: Map<string, string[]>;
  readonly #valid = new Map<ItemColumns, boolean>();

  constructor(
    cells: CsvRow,
    dict: Map<string, Map<string, number>>,
    items: Map<string, Map<string, ItemColumns>>,
    keys: Map<string, string[]>,
  ) {
    this.#cells = cells;
    this.#dict = dict;
    this.#items = items;
    this.#keys = keys;
  }

  field(plugin: string, name: string): GlancesRaw {
    const position = this.#dict.get(plugin)?.get(name);
    return position === undefined || this.#cells.isEmpty(position)
      ? undefined
      : emptyToUndefined(this.#cells.cell(position));
  }

  keys(plugin: string): readonly string[] {
    return this.#keys.get(plugin) ?? [];
  }

  item(plugin: string, key: string, name: string): GlancesRaw {
    const item = this.#items.get(plugin)?.get(key);
    if (!item) return undefined;
    const position = item.fields.get(name);
    if (position === undefined || this.#cells.isEmpty(position) || !this.#isValid(plugin, item))
      return undefined;
    return emptyToUndefined(this.#cells.cell(position));
  }

  /**
   * An item lines up when the cell of its key field (the `key` column names it: `interface_name`,
   * `disk_name`, `cpu_number`, `name`) holds the item's key: rows shifted by items that appeared
   * after the header was written fail this check.
   */
  #isValid(plugin: string, item: ItemColumns): boolean {
    const known = this.#valid.get(item);
    if (known !== undefined) return known;
    let valid = true;
    const keyNamePosition = item.fields.get("key");
    if (keyNamePosition !== undefined) {
      const keyName = this.#cells.cell(keyNamePosition);
      const keyPosition = keyName === undefined ? undefined : item.fields.get(keyName);
      valid = keyPosition !== undefined && this.#cells.cell(keyPosition) === item.keyValue;
    }
    if (!valid) this.shiftedItems.push(`${plugin} item "${item.keyValue}"`);
    this.#valid.set(item, valid);
    return valid;
  }
}

function emptyToUndefined(cell: string | undefined): string | undefined {
  return cell === undefined || cell === "" || cell === "None" ? undefined : cell;
}

/** The result of reading a whole Glances CSV export. */
export interface GlancesCsvResult {
  scheme: GlancesCsvScheme;
  hostname: string | undefined;
  /** Median seconds between rows, rounded to 0.1 s; undefined with fewer than two rows. */
  intervalSeconds: number | undefined;
  samples: MetricSample[];
  notes: CollectorNote[];
  /** Header columns and the widest row, to report how ragged the file was. */
  headerColumns: number;
}

/** Parses the text of a Glances CSV export (any of the three naming schemes). */
export function parseGlancesCsv(text: string, options: GlancesCsvOptions = {}): GlancesCsvResult {
  const sourceName = options.sourceName ?? "Glances CSV";
  let end = text.indexOf("\n");
  if (end === -1) end = text.length;
  const headerLine = text.slice(0, end);
  if (headerLine.trim().length === 0) throw new FormatError(sourceName, "empty file: no Glances CSV header");
  const converter = new GlancesCsvConverter(headerLine, { ...options, sourceName });
  const samples: MetricSample[] = [];
  const notes: CollectorNote[] = [];
  let start = end + 1;
  while (start < text.length) {
    let lineEnd = text.indexOf("\n", start);
    if (lineEnd === -1) lineEnd = text.length;
    const result = converter.convertLine(text.slice(start, lineEnd));
    if (result.sample) samples.push(result.sample);
    for (const note of result.notes) notes.push(note);
    start = lineEnd + 1;
  }
  return {
    scheme: converter.scheme,
    hostname: converter.hostname,
    intervalSeconds: medianInterval(samples),
    samples,
    notes,
    headerColumns: converter.header.length,
  };
}

/** Reads and parses a Glances CSV export file. */
export async function readGlancesCsv(
  path: string,
  options: GlancesCsvOptions = {},
): Promise<GlancesCsvResult> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw fileError(path, error);
  }
  return parseGlancesCsv(text, { sourceName: path, ...options });
}

function medianInterval(samples: MetricSample[]): number | undefined {
  if (samples.length < 2) return undefined;
  const gaps: number[] = [];
  for (let index = 1; index < samples.length; index++) {
    gaps.push(((samples[index] as MetricSample).time - (samples[index - 1] as MetricSample).time) / 1000);
  }
  gaps.sort((a, b) => a - b);
  const middle = gaps[Math.floor(gaps.length / 2)] as number;
  return Math.round(middle * 10) / 10;
}
