/** The unit of a metric's values. */
export type MetricUnit =
  | "percent"
  | "count"
  | "bytes"
  | "bytes/s"
  | "ops/s"
  | "per second"
  | "bits/s"
  | "cores";

/** `gauge`: a level at the sample's time; `rate`: a per-second average over the interval before it. */
export type MetricKind = "gauge" | "rate";

/** What a metric name means. */
export interface MetricDescriptor {
  name: string;
  unit: MetricUnit;
  kind: MetricKind;
  description: string;
}

/** A family of metrics: `pattern` uses `<n>`, `<dev>`, `<iface>` and `<name>` placeholders. */
export interface MetricPattern {
  pattern: string;
  unit: MetricUnit;
  kind: MetricKind;
  description: string;
}

function family(pattern: string, unit: MetricUnit, kind: MetricKind, description: string): MetricPattern {
  return { pattern, unit, kind, description };
}

/**
 * Every metric this package can produce, as name patterns (docs/formats.md section 2). A source
 * reports the subset it has.
 */
export const metricCatalogue: readonly MetricPattern[] = Object.freeze([
  family("host.cpu.percent", "percent", "gauge", "all cores busy, 0-100"),
  family("host.cpu.user", "percent", "gauge", "user time of all cores, 0-100"),
  family("host.cpu.system", "percent", "gauge", "system time of all cores, 0-100"),
  family("host.cpu.iowait", "percent", "gauge", "iowait time of all cores, 0-100"),
  family("host.cpu.steal", "percent", "gauge", "time stolen by the hypervisor, 0-100"),
  family("host.cpu.count", "count", "gauge", "logical cores"),
  family("host.cpu.core.<n>.percent", "percent", "gauge", "one core busy, 0-100"),
  family("host.load.1", "count", "gauge", "load average over 1 minute"),
  family("host.load.5", "count", "gauge", "load average over 5 minutes"),
  family("host.load.15", "count", "gauge", "load average over 15 minutes"),
  family("host.mem.total", "bytes", "gauge", "physical memory"),
  family("host.mem.used", "bytes", "gauge", "total minus available"),
  family("host.mem.available", "bytes", "gauge", "memory available without swapping"),
  family("host.mem.percent", "percent", "gauge", "used / total"),
  family("host.swap.used", "bytes", "gauge", "swap in use"),
  family("host.swap.percent", "percent", "gauge", "swap used / swap total"),
  family("host.disk.<dev>.read_bytes", "bytes/s", "rate", "bytes read from the device"),
  family("host.disk.<dev>.write_bytes", "bytes/s", "rate", "bytes written to the device"),
  family("host.disk.<dev>.read_ops", "ops/s", "rate", "read requests completed"),
  family("host.disk.<dev>.write_ops", "ops/s", "rate", "write requests completed"),
  family("host.disk.<dev>.util", "percent", "gauge", "time the device was busy"),
  family("host.net.<iface>.rx_bytes", "bytes/s", "rate", "bytes received"),
  family("host.net.<iface>.tx_bytes", "bytes/s", "rate", "bytes sent"),
  family("host.net.<iface>.rx_packets", "per second", "rate", "packets received"),
  family("host.net.<iface>.tx_packets", "per second", "rate", "packets sent"),
  family("host.net.<iface>.rx_errors", "per second", "rate", "receive errors"),
  family("host.net.<iface>.tx_errors", "per second", "rate", "transmit errors"),
  family("host.net.<iface>.rx_drops", "per second", "rate", "received packets dropped"),
  family("host.net.<iface>.tx_drops", "per second", "rate", "sent packets dropped"),
  family("host.net.<iface>.speed", "bits/s", "gauge", "link speed where known"),
  family("process.count", "count", "gauge", "processes in the watched tree"),
  family("process.cpu.percent", "percent", "gauge", "100 = one core fully used (can exceed 100)"),
  family("process.rss", "bytes", "gauge", "resident memory, sum over the tree"),
  family("process.threads", "count", "gauge", "threads, sum over the tree"),
  family("process.fds", "count", "gauge", "open file descriptors, sum over the tree"),
  family("process.read_bytes", "bytes/s", "rate", "storage reads of the tree"),
  family("process.write_bytes", "bytes/s", "rate", "storage writes of the tree"),
  family("container.<name>.cpu.percent", "percent", "gauge", "100 = one core"),
  family("container.<name>.cpu.limit", "cores", "gauge", "quota / period, absent when unlimited"),
  family("container.<name>.mem.usage", "bytes", "gauge", "usage minus inactive file"),
  family("container.<name>.mem.limit", "bytes", "gauge", "memory limit, absent when unlimited"),
  family("container.<name>.io.read_bytes", "bytes/s", "rate", "storage reads of the cgroup"),
  family("container.<name>.io.write_bytes", "bytes/s", "rate", "storage writes of the cgroup"),
  family(
    "container.<name>.net.rx_bytes",
    "bytes/s",
    "rate",
    "bytes received in the container's network namespace",
  ),
  family(
    "container.<name>.net.tx_bytes",
    "bytes/s",
    "rate",
    "bytes sent in the container's network namespace",
  ),
]);

const exact = new Map<string, MetricPattern>();
/** Patterns with placeholders, split into the fixed text before and after the variable segment. */
const wildcard: { prefix: string; suffix: string; pattern: MetricPattern }[] = [];
for (const entry of metricCatalogue) {
  const start = entry.pattern.indexOf("<");
  if (start === -1) {
    exact.set(entry.pattern, entry);
  } else {
    const end = entry.pattern.indexOf(">", start);
    wildcard.push({
      prefix: entry.pattern.slice(0, start),
      suffix: entry.pattern.slice(end + 1),
      pattern: entry,
    });
  }
}

/**
 * The unit, kind and meaning of a concrete metric name (`host.net.eth0.rx_bytes`), or `undefined`
 * for a name outside the catalogue.
 */
export function describeMetric(name: string): MetricDescriptor | undefined {
  const fixed = exact.get(name);
  if (fixed) return { name, unit: fixed.unit, kind: fixed.kind, description: fixed.description };
  for (const { prefix, suffix, pattern } of wildcard) {
    if (name.length <= prefix.length + suffix.length) continue;
    if (!name.startsWith(prefix) || !name.endsWith(suffix)) continue;
    const variable = name.slice(prefix.length, name.length - suffix.length);
    if (!isSanitisedName(variable)) continue;
    return { name, unit: pattern.unit, kind: pattern.kind, description: pattern.description };
  }
  return undefined;
}

function isSanitisedName(text: string): boolean {
  return text.length > 0 && sanitiseName(text) === text;
}

/** Makes a device, interface or container name safe inside a metric name: `[A-Za-z0-9_-]`, others become `_`. */
export function sanitiseName(text: string): string {
  let result = "";
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const ok =
      (code >= 48 && code <= 57) ||
      (code >= 65 && code <= 90) ||
      (code >= 97 && code <= 122) ||
      code === 95 ||
      code === 45;
    result += ok ? text[index] : "_";
  }
  return result.length > 0 ? result : "_";
}
