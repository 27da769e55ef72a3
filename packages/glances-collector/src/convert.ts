import { type GlancesCsvOptions, type GlancesCsvScheme, readGlancesCsv } from "./glances-csv.js";
import { createMetricsWriter } from "./metrics-writer.js";

/** What `convertGlancesCsv` did. */
export interface ConvertResult {
  scheme: GlancesCsvScheme;
  samples: number;
  notes: number;
  metrics: number;
}

/** Options of `convertGlancesCsv`. */
export interface ConvertOptions extends GlancesCsvOptions {
  /** Recorded as `sourceVersion`; default the naming scheme (`2.x-3.x`, `4.0-4.3.1`, `4.3.2+`). */
  glancesVersion?: string;
  /** Recorded as `host`; default the `system` plugin's hostname column, else `unknown`. */
  hostName?: string;
}

/**
 * Converts a Glances CSV export (any naming scheme) into a `sizer-metrics` file: NDJSON when the
 * output ends in `.ndjson`/`.jsonl`, CSV otherwise.
 */
export async function convertGlancesCsv(
  input: string,
  output: string,
  options: ConvertOptions = {},
): Promise<ConvertResult> {
  const parsed = await readGlancesCsv(input, options);
  const writer = createMetricsWriter(output, {
    source: "glances-csv",
    sourceVersion: options.glancesVersion ?? parsed.scheme,
    host: options.hostName ?? parsed.hostname ?? "unknown",
    intervalSeconds: parsed.intervalSeconds ?? Number.NaN,
    extra: { convertedFrom: input },
  });
  const names = new Set<string>();
  try {
    // Notes first: they describe the file as a whole (ragged rows, shifted items).
    for (const note of parsed.notes) await writer.writeNote(note);
    for (const sample of parsed.samples) {
      for (const name of Object.keys(sample.values)) names.add(name);
      await writer.writeSample(sample);
    }
  } finally {
    await writer.close();
  }
  return {
    scheme: parsed.scheme,
    samples: parsed.samples.length,
    notes: parsed.notes.length,
    metrics: names.size,
  };
}
