import type { CollectorNote, MetricDescriptorInput, MetricsData, MetricsFileMetaInput } from "./types.js";

/** Accumulates samples column by column; a column that appears late is padded with NaN (absent). */
export class MetricsBuilder {
  readonly times: number[] = [];
  readonly notes: CollectorNote[] = [];
  private readonly columns = new Map<string, number[]>();

  /** Starts a new sample and returns its index. */
  addSample(time: number): number {
    this.times.push(time);
    return this.times.length - 1;
  }

  set(name: string, index: number, value: number): void {
    let column = this.columns.get(name);
    if (!column) {
      column = [];
      this.columns.set(name, column);
    }
    while (column.length < index) column.push(Number.NaN);
    column[index] = value;
  }

  build(meta: MetricsFileMetaInput, descriptors: MetricDescriptorInput[] = []): MetricsData {
    const count = this.times.length;
    const series = new Map<string, Float64Array>();
    for (const name of [...this.columns.keys()].sort()) {
      const column = this.columns.get(name) ?? [];
      const values = new Float64Array(count).fill(Number.NaN);
      for (let index = 0; index < column.length && index < count; index++) {
        values[index] = column[index] ?? Number.NaN;
      }
      series.set(name, values);
    }
    return { meta, descriptors, times: this.times, series, notes: this.notes };
  }
}
