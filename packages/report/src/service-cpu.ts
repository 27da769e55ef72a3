import type { MetricsData } from "./inputs/types.js";

const CONTAINER_CPU = /^container\.[^.]+\.cpu\.percent$/;

/**
 * The service's own CPU, in percent of one core: its process tree's (`process.cpu.percent`) when
 * recorded, else the sum of its containers' (`container.<name>.cpu.percent`, a service run with
 * `--image`), else undefined.
 */
export function serviceCpuSeries(metrics: MetricsData): Float64Array | undefined {
  const processCpu = metrics.series.get("process.cpu.percent");
  if (processCpu) return processCpu;
  const containers = [...metrics.series.keys()].filter((name) => CONTAINER_CPU.test(name));
  if (containers.length === 0) return undefined;
  const sum = new Float64Array(metrics.times.length);
  for (const name of containers) {
    const values = metrics.series.get(name) as ArrayLike<number>;
    for (let index = 0; index < sum.length; index++)
      sum[index] = (sum[index] as number) + (values[index] as number);
  }
  return sum;
}
