import { formatNumber } from "../format.js";
import { combine, lastFinite } from "../series-math.js";
import { type CheckList, names } from "./level-check.js";

/** The service's CPU against its cores, and against one core (a single-threaded process). */
function serviceCpuChecks(list: CheckList): void {
  const { serviceCores, thresholds } = list.context;
  const series = (name: string) => list.series(name);
  const processCpu = series("process.cpu.percent");
  if (processCpu && serviceCores !== null) {
    list.level({
      resource: "cpu",
      scope: "service",
      rule: "cpu-cores",
      noun: `of its ${formatNumber(serviceCores)} core${serviceCores === 1 ? "" : "s"}`,
      label: `Service CPU (process tree, ${formatNumber(serviceCores)} core${serviceCores === 1 ? "" : "s"})`,
      metric: "process.cpu.percent",
      threshold: thresholds.cpuPercent,
      values: combine(processCpu.length, (index) => (processCpu[index] as number) / serviceCores),
      absolute: (percent) => `${formatNumber((percent * serviceCores) / 100, 2)} cores`,
    });
  }
  if (processCpu && (serviceCores === null || serviceCores > 1)) {
    list.level({
      resource: "cpu",
      scope: "service",
      rule: "cpu-single-core",
      noun: "of one core, the most a single-threaded process can use",
      label: "Service CPU on one core (a single-threaded process is bound by one core)",
      metric: "process.cpu.percent",
      threshold: thresholds.singleCorePercent,
      // Above 110% the tree used more than one core: not single-core bound, so those samples do not count.
      values: combine(processCpu.length, (index) => {
        const value = processCpu[index] as number;
        return value > 110 ? Number.NaN : Math.min(value, 100);
      }),
    });
  }
}

/** The cores the service was pinned to, busy with any process while the service used them. */
function pinnedCoresCheck(list: CheckList): void {
  const { context } = list;
  const { thresholds } = context;
  const processCpu = list.series("process.cpu.percent");
  const series = (name: string) => list.series(name);
  const pinned = context.serviceCpus ?? [];
  const pinnedSeries = pinned.map((cpu) => series(`host.cpu.core.${cpu}.percent`));
  if (pinned.length > 0 && pinnedSeries.every((values) => values !== undefined)) {
    const cpuList = pinned.join(",");
    const plural = pinned.length === 1 ? "" : "s";
    list.level({
      resource: "cpu",
      scope: "service",
      rule: "cpu-pinned-cores",
      noun: `of its pinned core${plural} (cpu ${cpuList}), shared with other processes`,
      label: `The service's pinned core${plural} (cpu ${cpuList}), busy with any process while the service used a quarter or more (its own share otherwise)`,
      metric: pinned.map((cpu) => `host.cpu.core.${cpu}.percent`).join(" + "),
      threshold: thresholds.cpuPercent,
      // The cores' busy share where the service itself used a quarter of them or more (a CPU-bound service
      // squeezed by others still does), its own share elsewhere: cores full of other processes' work
      // while it idled did not limit it.
      values: combine((pinnedSeries[0] as Float64Array).length, (index) => {
        const own = processCpu?.[index] ?? Number.NaN;
        if (!Number.isFinite(own)) return Number.NaN;
        if (own < 25 * pinned.length) return own / pinned.length;
        let sum = 0;
        for (const values of pinnedSeries) sum += (values as Float64Array)[index] as number;
        return sum / pinned.length;
      }),
    });
  }
}

/** Each container's CPU against its quota, and the host's CPU. */
function machineCpuChecks(list: CheckList): void {
  const { metrics } = list;
  const { serviceCores, thresholds } = list.context;
  const series = (name: string) => list.series(name);
  const hostCores = lastFinite(series("host.cpu.count"));
  for (const name of names(metrics, /^container\.([^.]+)\.cpu\.percent$/)) {
    const cpu = series(`container.${name}.cpu.percent`) as Float64Array;
    const limit = lastFinite(series(`container.${name}.cpu.limit`));
    const cores = limit ?? serviceCores ?? hostCores;
    if (cores === null || cores <= 0) continue;
    list.level({
      resource: "cpu",
      scope: "container",
      rule: "cpu-cores",
      noun: `of its ${formatNumber(cores, limit !== null ? 2 : 0)} core${cores === 1 ? "" : "s"}`,
      label: `Container ${name} CPU (${limit !== null ? `quota ${formatNumber(limit, 2)}` : formatNumber(cores)} cores)`,
      metric: `container.${name}.cpu.percent`,
      threshold: thresholds.cpuPercent,
      values: combine(cpu.length, (index) => (cpu[index] as number) / cores),
      absolute: (percent) => `${formatNumber((percent * cores) / 100, 2)} cores`,
    });
  }
  const hostCpu = series("host.cpu.percent");
  if (hostCpu) {
    list.level({
      resource: "cpu",
      scope: "host",
      rule: "cpu-cores",
      noun: hostCores !== null ? `of its ${formatNumber(hostCores)} cores` : "of its cores",
      label: `Host CPU${hostCores !== null ? ` (${formatNumber(hostCores)} cores)` : ""}`,
      metric: "host.cpu.percent",
      threshold: thresholds.cpuPercent,
      values: hostCpu,
    });
  }
}

/** The CPU checks: the service's, its pinned cores', its containers' and the host's. */
export function cpuChecks(list: CheckList): void {
  serviceCpuChecks(list);
  pinnedCoresCheck(list);
  machineCpuChecks(list);
}
