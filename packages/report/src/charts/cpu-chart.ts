import type { MetricsData } from "../inputs/types.js";
import { ChartBuilder, COLORS, constant, MAX_CORE_TRACES, names, scaled } from "./chart-builder.js";
import type { ChartContext } from "./chart-context.js";
import type { ChartSpec } from "./chart-types.js";

/** The service's process tree and each container's CPU, with the containers' quotas. */
function addServiceCpu(cpu: ChartBuilder, metrics: MetricsData, { x, series }: ChartContext): void {
  const processCpu = series("process.cpu.percent");
  if (processCpu)
    cpu.add({
      name: "service CPU",
      group: "service",
      color: COLORS.service[0] as string,
      x,
      y: scaled(processCpu, 0.01),
      unit: "cores",
    });
  names(metrics, /^container\.([^.]+)\.cpu\.percent$/).forEach((name, index) => {
    const group = `container:${name}`;
    const color = COLORS.container[index % COLORS.container.length] as string;
    cpu.add({
      name: `${name} CPU`,
      group,
      groupTitle: `Container ${name}`,
      color,
      x,
      y: scaled(series(`container.${name}.cpu.percent`) as Float64Array, 0.01),
      unit: "cores",
    });
    const limit = series(`container.${name}.cpu.limit`);
    if (limit) cpu.add({ name: `${name} CPU quota`, group, color, x, y: limit, dash: "dash", unit: "cores" });
  });
}

/** The host's CPU against its cores, and its steal. */
function addHostCpu(cpu: ChartBuilder, { x, series, hostCores }: ChartContext): void {
  const hostCpu = series("host.cpu.percent");
  if (hostCpu && hostCores !== null) {
    cpu.add({
      name: "host CPU",
      group: "host",
      color: COLORS.host[0] as string,
      x,
      y: scaled(hostCpu, hostCores / 100),
      unit: "cores",
    });
    cpu.add({
      name: `host cores (${hostCores})`,
      group: "host",
      color: COLORS.host[2] as string,
      x,
      y: constant(x.length, hostCores),
      dash: "dash",
      unit: "cores",
    });
  }
  const steal = series("host.cpu.steal");
  if (steal && hostCores !== null) {
    cpu.add({
      name: "host steal",
      group: "host",
      color: COLORS.host[3] as string,
      x,
      y: scaled(steal, hostCores / 100),
      unit: "cores",
      hidden: true,
    });
  }
}

/** The busiest core each second, and each core while there are few enough to read. */
function addCoreCpu(cpu: ChartBuilder, metrics: MetricsData, { x, series }: ChartContext): void {
  const coreNames = names(metrics, /^host\.cpu\.core\.(\d+)\.percent$/);
  if (coreNames.length === 0) return;
  // The busiest core shows a single-threaded limit that the host average hides.
  const coreSeries = coreNames.map((core) => series(`host.cpu.core.${core}.percent`) as Float64Array);
  const busiest = Float64Array.from(x, (_, index) => {
    let highest = Number.NaN;
    for (const values of coreSeries) {
      const value = values[index] as number;
      if (Number.isFinite(value) && !(value <= highest)) highest = value;
    }
    return highest / 100;
  });
  cpu.add({
    name: "busiest core",
    group: "cores",
    groupTitle: "Host cores",
    color: COLORS.host[1] as string,
    x,
    y: busiest,
    dash: "dot",
    unit: "cores",
  });
  // One trace per core only where they stay readable; 64 legend entries help nobody.
  if (coreNames.length <= MAX_CORE_TRACES) {
    coreNames.forEach((core, index) => {
      cpu.add({
        name: `core ${core}`,
        group: "cores",
        color: COLORS.host[4] as string,
        x,
        y: scaled(coreSeries[index] as Float64Array, 0.01),
        unit: "cores",
        hidden: true,
      });
    });
  }
}

/** The load generator's CPU (from the results) against its cores. */
function addGeneratorCpu(cpu: ChartBuilder, { results, timeline, t, fromTimeline }: ChartContext): void {
  if (!timeline.some((entry) => typeof entry.generatorCpuPercent === "number")) return;
  const generatorCores = results.selfCheck?.cores ?? results.host?.cpus;
  cpu.add({
    name: "generator CPU",
    group: "generator",
    color: COLORS.generator[0] as string,
    x: t,
    y: fromTimeline((i) => {
      const value = timeline[i]?.generatorCpuPercent;
      return value === undefined ? undefined : value / 100;
    }),
    unit: "cores",
  });
  if (generatorCores) {
    cpu.add({
      name: `generator cores (${generatorCores})`,
      group: "generator",
      color: COLORS.generator[1] as string,
      x: t,
      y: constant(t.length, generatorCores),
      dash: "dot",
      unit: "cores",
    });
  }
}

/** Cores in use by the service, its containers, the host and the generator; none without data. */
export function cpuChart(context: ChartContext): ChartSpec | undefined {
  const cpu = new ChartBuilder(context.maxPoints);
  if (context.metrics) {
    addServiceCpu(cpu, context.metrics, context);
    addHostCpu(cpu, context);
    addCoreCpu(cpu, context.metrics, context);
  }
  addGeneratorCpu(cpu, context);
  if (cpu.traces.length === 0) return undefined;
  return {
    id: "chart-cpu",
    title: "CPU",
    description: "Cores in use (1 = one core fully busy), against the cores available (dashed).",
    yTitle: "cores",
    traces: cpu.traces,
  };
}
