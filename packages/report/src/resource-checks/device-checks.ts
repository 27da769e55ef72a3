import { formatBitsPerSecond } from "../format.js";
import { combine, lastFinite } from "../series-math.js";
import { type CheckList, names } from "./level-check.js";

/** Each disk's utilisation and the host's iowait. */
export function diskChecks(list: CheckList): void {
  const { metrics } = list;
  const { thresholds } = list.context;
  const series = (name: string) => list.series(name);
  for (const device of names(metrics, /^host\.disk\.([^.]+)\.util$/)) {
    list.level({
      resource: "disk",
      scope: "host",
      rule: "disk-util",
      noun: `busy (disk ${device})`,
      label: `Disk ${device} utilisation`,
      metric: `host.disk.${device}.util`,
      threshold: thresholds.diskUtilPercent,
      values: series(`host.disk.${device}.util`) as Float64Array,
    });
  }
  const iowait = series("host.cpu.iowait");
  if (iowait) {
    list.level({
      resource: "disk",
      scope: "host",
      rule: "iowait",
      noun: "of CPU time waiting for I/O",
      label: "Host iowait",
      metric: "host.cpu.iowait",
      threshold: thresholds.iowaitPercent,
      values: iowait,
    });
  }
}

/** Each interface's busiest direction against its link speed. */
export function networkChecks(list: CheckList): void {
  const { context, metrics } = list;
  const { thresholds } = context;
  const series = (name: string) => list.series(name);
  for (const iface of names(metrics, /^host\.net\.([^.]+)\.(?:rx|tx)_bytes$/)) {
    const speed =
      lastFinite(series(`host.net.${iface}.speed`)) ??
      (iface === "lo" ? null : (context.linkSpeedBitsPerSecond ?? null));
    if (speed === null || speed <= 0) continue;
    const received = series(`host.net.${iface}.rx_bytes`);
    const sent = series(`host.net.${iface}.tx_bytes`);
    const length = (received ?? sent)?.length ?? 0;
    list.level({
      resource: "network",
      scope: "host",
      rule: "network-link",
      noun: `of the ${iface} link, ${formatBitsPerSecond(speed)}`,
      label: `Network ${iface} (link ${formatBitsPerSecond(speed)})`,
      metric: `host.net.${iface}.rx_bytes / tx_bytes`,
      threshold: thresholds.networkPercent,
      values: combine(length, (index) => {
        const inbound = received?.[index] ?? Number.NaN;
        const outbound = sent?.[index] ?? Number.NaN;
        const busiest =
          Number.isFinite(inbound) && Number.isFinite(outbound)
            ? Math.max(inbound, outbound)
            : Number.isFinite(inbound)
              ? inbound
              : outbound;
        return ((busiest * 8) / speed) * 100;
      }),
      absolute: (percent) => formatBitsPerSecond((percent * speed) / 100),
    });
  }
}
