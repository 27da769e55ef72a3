import type { ContainerSampler } from "./container-sampler.js";
import type { HostSampler } from "./host-sampler.js";
import { COLLECTOR_VERSION } from "./metric-sample.js";
import type { ProcessTreeSampler } from "./process-tree-sampler.js";
import { type SampleSource, type SourceContext, type SourceInfo, waitForNextTick } from "./sample-source.js";

/** The parts the native source combines; each is optional. */
export interface NativeSourceParts {
  host: HostSampler | undefined;
  processTree: ProcessTreeSampler | undefined;
  containers: ContainerSampler | undefined;
}

/**
 * Reads `/proc` and cgroups every interval. Opening takes a first reading that only serves as the
 * baseline of rates: the first sample comes one interval later, complete.
 */
export class NativeSource implements SampleSource {
  readonly kind = "native" as const;
  readonly #parts: NativeSourceParts;
  #origin = 0;

  constructor(parts: NativeSourceParts) {
    this.#parts = parts;
  }

  async open(context: SourceContext): Promise<SourceInfo> {
    await this.#parts.processTree?.initialise();
    await this.#parts.containers?.initialise();
    this.#origin = context.clock.monotonic();
    const time = context.clock.now();
    await this.#read(this.#origin, (message) => context.emit({ type: "note", time, message }));
    return { sourceVersion: COLLECTOR_VERSION };
  }

  async run(context: SourceContext): Promise<void> {
    let tick = 0;
    while (!context.signal.aborted) {
      tick = await waitForNextTick(context, this.#origin, tick);
      if (context.signal.aborted) return;
      const time = context.clock.now();
      const values = await this.#read(context.clock.monotonic(), (message) =>
        context.emit({ type: "note", time, message }),
      );
      context.emit({ type: "sample", time, values });
    }
  }

  async #read(monotonicMs: number, note: (message: string) => void): Promise<Record<string, number>> {
    const values: Record<string, number> = {};
    const { host, processTree, containers } = this.#parts;
    const [, treeNotes, containerNotes] = await Promise.all([
      host?.sample(monotonicMs, values),
      processTree?.sample(monotonicMs, values),
      containers?.sample(monotonicMs, values),
    ]);
    for (const message of [...(treeNotes ?? []), ...(containerNotes ?? [])]) note(message);
    return values;
  }

  async close(): Promise<void> {}
}
