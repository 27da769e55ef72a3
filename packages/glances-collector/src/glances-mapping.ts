import { sanitiseName } from "./metric-catalogue.js";

/** A raw Glances value: numbers from JSON, strings from CSV cells, empty or missing as undefined. */
export type GlancesRaw = string | number | boolean | null | undefined;

/**
 * One Glances update seen through its plugins, whatever the transport (a CSV row of any naming
 * scheme, or REST JSON). Plugin names are Glances 4's: `containers` stands for 3.x's `docker` too.
 */
export interface GlancesView {
  /** A field of a dict plugin (`cpu`, `load`, `mem`, `memswap`). */
  field(plugin: string, name: string): GlancesRaw;
  /** The item keys of a list plugin (`percpu`, `network`, `diskio`, `containers`). */
  keys(plugin: string): readonly string[];
  /** A field of one item of a list plugin; undefined when that item is not valid in this update. */
  item(plugin: string, key: string, name: string): GlancesRaw;
}

/** How to read rates. */
export interface GlancesMappingOptions {
  /**
   * The first update of a Glances 4 export: its `*_rate_per_sec` fields are 0 because Glances had
   * no previous reading, so rates are left absent rather than reported as zero.
   */
  firstUpdate?: boolean;
  /** Seconds since the previous update, for 3.x container deltas that carry no time of their own. */
  intervalSeconds?: number;
  /**
   * Glances 3.x: its cpu `total` (and per-core totals) is cached for 3 s, while `idle`, `user`,
   * `system`... are fresh every update; `host.cpu.percent` is then derived from those fields.
   */
  cachedCpuTotal?: boolean;
}

/** The note a Glances 3.x source writes once: per-core CPU has no fresh alternative there. */
export const GLANCES_3_PERCPU_NOTE =
  "Glances 3.x refreshes per-core CPU (host.cpu.core.*) only every 3 s; host.cpu.percent comes from the cpu plugin's fresh per-state fields, not its cached total";

const BUSY_FIELDS = ["user", "nice", "system", "irq", "softirq", "steal"] as const;

/**
 * Busy percent of all cores from the cpu plugin's per-state fields, counting iowait as idle like
 * the native source and psutil's `cpu_percent` do: `100 - idle - iowait`, else the sum of the
 * busy states present.
 */
function busyFromFields(view: GlancesView): number | undefined {
  const idle = toNumber(view.field("cpu", "idle"));
  const iowait = toNumber(view.field("cpu", "iowait")) ?? 0;
  if (idle !== undefined) return Math.min(100, Math.max(0, 100 - idle - iowait));
  let busy: number | undefined;
  for (const name of BUSY_FIELDS) {
    const value = toNumber(view.field("cpu", name));
    if (value !== undefined) busy = (busy ?? 0) + value;
  }
  return busy === undefined ? undefined : Math.min(100, Math.max(0, busy));
}

/** A finite number from a raw value, or undefined (empty cell, `None`, text). */
export function toNumber(raw: GlancesRaw): number | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw === "boolean") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

const round = (value: number): number => Math.round(value * 100) / 100;

/** Metric names built from a prefix and a device/interface/container key, made once and reused per row. */
const names = new Map<string, Map<string, string>>();
function metricName(prefix: string, key: string, suffix: string): string {
  const head = `${prefix}\u0000${key}`;
  let bySuffix = names.get(head);
  if (!bySuffix) {
    bySuffix = new Map();
    names.set(head, bySuffix);
  }
  let name = bySuffix.get(suffix);
  if (name === undefined) {
    name = `${prefix}.${sanitiseName(key)}.${suffix}`;
    bySuffix.set(suffix, name);
  }
  return name;
}

/** Converts one Glances update to sizer metrics with the units of the catalogue. */
export function glancesToValues(
  view: GlancesView,
  options: GlancesMappingOptions = {},
): Record<string, number> {
  const values: Record<string, number> = {};
  const set = (name: string, value: number | undefined): void => {
    if (value !== undefined) values[name] = round(value);
  };
  const firstUpdate = options.firstUpdate === true;

  const cachedTotal = toNumber(view.field("cpu", "total"));
  set("host.cpu.percent", options.cachedCpuTotal ? (busyFromFields(view) ?? cachedTotal) : cachedTotal);
  set("host.cpu.user", toNumber(view.field("cpu", "user")));
  set("host.cpu.system", toNumber(view.field("cpu", "system")));
  set("host.cpu.iowait", toNumber(view.field("cpu", "iowait")));
  set("host.cpu.steal", toNumber(view.field("cpu", "steal")));
  set("host.cpu.count", toNumber(view.field("cpu", "cpucore")) ?? toNumber(view.field("load", "cpucore")));
  for (const key of view.keys("percpu")) {
    const number = toNumber(view.item("percpu", key, "cpu_number")) ?? toNumber(key);
    if (number === undefined) continue;
    set(metricName("host.cpu.core", String(number), "percent"), toNumber(view.item("percpu", key, "total")));
  }

  set("host.load.1", toNumber(view.field("load", "min1")));
  set("host.load.5", toNumber(view.field("load", "min5")));
  set("host.load.15", toNumber(view.field("load", "min15")));

  const total = toNumber(view.field("mem", "total"));
  const available = toNumber(view.field("mem", "available"));
  set("host.mem.total", total);
  set("host.mem.available", available);
  // Glances' `used` is psutil's (total - free - buffers - cache); sizer's is total - available.
  set("host.mem.used", total !== undefined && available !== undefined ? total - available : undefined);
  set("host.mem.percent", toNumber(view.field("mem", "percent")));
  set("host.swap.used", toNumber(view.field("memswap", "used")));
  set("host.swap.percent", toNumber(view.field("memswap", "percent")));

  for (const key of view.keys("network")) {
    const name = String(view.item("network", key, "interface_name") ?? key);
    const speed = toNumber(view.item("network", key, "speed"));
    if (speed !== undefined && speed > 0) set(metricName("host.net", name, "speed"), speed);
    if (firstUpdate && view.item("network", key, "bytes_recv_rate_per_sec") !== undefined) continue;
    set(metricName("host.net", name, "rx_bytes"), perSecond(view, "network", key, RECEIVED));
    set(metricName("host.net", name, "tx_bytes"), perSecond(view, "network", key, SENT));
  }

  for (const key of view.keys("diskio")) {
    const name = String(view.item("diskio", key, "disk_name") ?? key);
    if (firstUpdate && view.item("diskio", key, "read_bytes_rate_per_sec") !== undefined) continue;
    set(metricName("host.disk", name, "read_bytes"), perSecond(view, "diskio", key, READ_BYTES));
    set(metricName("host.disk", name, "write_bytes"), perSecond(view, "diskio", key, WRITE_BYTES));
    set(metricName("host.disk", name, "read_ops"), perSecond(view, "diskio", key, READ_COUNT));
    set(metricName("host.disk", name, "write_ops"), perSecond(view, "diskio", key, WRITE_COUNT));
  }

  for (const key of view.keys("containers")) {
    const name = sanitiseName(String(view.item("containers", key, "name") ?? key));
    const prefix = `container.${name}`;
    set(`${prefix}.cpu.percent`, toNumber(view.item("containers", key, "cpu_percent")));
    set(`${prefix}.cpu.limit`, toNumber(view.item("containers", key, "cpu_limit")));
    const usage = toNumber(view.item("containers", key, "memory_usage"));
    const inactive = toNumber(view.item("containers", key, "memory_inactive_file"));
    set(`${prefix}.mem.usage`, usage === undefined ? undefined : usage - (inactive ?? 0));
    set(`${prefix}.mem.limit`, toNumber(view.item("containers", key, "memory_limit")));
    // 4.x: io_rx/io_wx and network_rx/network_tx are bytes/s. 3.x: io_r/io_w and network_rx/tx are
    // bytes since the previous update.
    const ioRead = toNumber(view.item("containers", key, "io_rx"));
    if (ioRead !== undefined || view.item("containers", key, "io_wx") !== undefined) {
      set(`${prefix}.io.read_bytes`, ioRead);
      set(`${prefix}.io.write_bytes`, toNumber(view.item("containers", key, "io_wx")));
      set(`${prefix}.net.rx_bytes`, toNumber(view.item("containers", key, "network_rx")));
      set(`${prefix}.net.tx_bytes`, toNumber(view.item("containers", key, "network_tx")));
    } else if (options.intervalSeconds !== undefined && options.intervalSeconds > 0 && !firstUpdate) {
      const seconds = options.intervalSeconds;
      const divide = (value: number | undefined): number | undefined =>
        value === undefined ? undefined : value / seconds;
      set(`${prefix}.io.read_bytes`, divide(toNumber(view.item("containers", key, "io_r"))));
      set(`${prefix}.io.write_bytes`, divide(toNumber(view.item("containers", key, "io_w"))));
      set(`${prefix}.net.rx_bytes`, divide(toNumber(view.item("containers", key, "network_rx"))));
      set(`${prefix}.net.tx_bytes`, divide(toNumber(view.item("containers", key, "network_tx"))));
    }
  }
  return values;
}

const RATE_NAMES = new Map(
  ["bytes_recv", "rx", "bytes_sent", "tx", "read_bytes", "write_bytes", "read_count", "write_count"].map(
    (name) => [name, `${name}_rate_per_sec`],
  ),
);
const RECEIVED = ["bytes_recv", "rx"];
const SENT = ["bytes_sent", "tx"];
const READ_BYTES = ["read_bytes"];
const WRITE_BYTES = ["write_bytes"];
const READ_COUNT = ["read_count"];
const WRITE_COUNT = ["write_count"];

/**
 * A per-second rate of a list item's counter: 4.x's `<field>_rate_per_sec` when present, else the
 * per-update delta (`<field>`, 4.0-4.3.1's and 3.x's meaning) divided by `time_since_update`.
 */
function perSecond(view: GlancesView, plugin: string, key: string, fields: string[]): number | undefined {
  for (const name of fields) {
    const rate = toNumber(view.item(plugin, key, RATE_NAMES.get(name) ?? `${name}_rate_per_sec`));
    if (rate !== undefined) return rate;
  }
  const seconds = toNumber(view.item(plugin, key, "time_since_update"));
  if (seconds === undefined || seconds <= 0) return undefined;
  for (const name of fields) {
    const delta = toNumber(view.item(plugin, key, name));
    if (delta !== undefined) return delta / seconds;
  }
  return undefined;
}
