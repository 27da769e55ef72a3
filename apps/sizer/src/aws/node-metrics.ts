import { existsSync, statSync } from "node:fs";
import { readFile, rename } from "node:fs/promises";
import { join } from "node:path";
import { createMetricsWriter, readMetricsFile } from "@sizer/glances-collector";
import { parseResults } from "@sizer/loadcore";

/**
 * Starts a node's metrics with the load: the recorder on the node starts with the container, before
 * the health wait and (with loaders) the 10 s start margin, so its first samples precede the load by
 * that long and a report would read them as the run's ("saturated from -11 s"). Samples (and notes)
 * older than one interval before the load's start (`results.json`'s `startedAt`) are dropped, through
 * the collector's own reader and writer; nothing when the folder has no metrics or no results.
 */
export async function alignNodeMetrics(folder: string): Promise<void> {
  const metricsFile = join(folder, "metrics.csv");
  const resultsFile = join(folder, "results.json");
  if (!existsSync(metricsFile) || statSync(metricsFile).size === 0 || !existsSync(resultsFile)) return;
  const results = parseResults(JSON.parse(await readFile(resultsFile, "utf8")), resultsFile);
  const file = await readMetricsFile(metricsFile);
  const { meta } = file;
  const intervalSeconds = meta.intervalSeconds ?? 1;
  const keepFrom = Date.parse(results.startedAt) - intervalSeconds * 1000;
  const samples = file.samples.filter((sample) => sample.time >= keepFrom);
  if (Number.isNaN(keepFrom) || samples.length === file.samples.length) return;
  const aligned = `${metricsFile}.aligned`;
  const writer = createMetricsWriter(aligned, {
    source: meta.source ?? "native",
    sourceVersion: meta.sourceVersion ?? "unknown",
    host: meta.host ?? "unknown",
    intervalSeconds,
    ...(meta.pid === undefined ? {} : { pid: meta.pid }),
    extra: meta.extra,
  });
  for (const sample of samples) await writer.writeSample(sample);
  for (const note of file.notes) if (note.time >= keepFrom) await writer.writeNote(note);
  await writer.close();
  await rename(aligned, metricsFile);
}
