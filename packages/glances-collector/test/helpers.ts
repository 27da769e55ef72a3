import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { type Collector, type CollectorOptions, createCollector } from "../src/collector.js";
import type { CollectorEvent, MetricSample } from "../src/metric-sample.js";

/** A started collector whose events are gathered in the background. */
export interface Recording {
  collector: Collector;
  events: CollectorEvent[];
  samples(): MetricSample[];
  /** Resolves once `count` more samples have arrived (bounded: rejects after `limitMs`). */
  nextSamples(count: number, limitMs?: number): Promise<MetricSample[]>;
  stop(): Promise<void>;
}

export async function record(options: CollectorOptions): Promise<Recording> {
  const collector = createCollector(options);
  await collector.start();
  const events: CollectorEvent[] = [];
  let notify: (() => void) | undefined;
  let failure: unknown;
  const pump = (async () => {
    try {
      for await (const event of collector.events()) {
        events.push(event);
        notify?.();
      }
    } catch (error) {
      failure = error;
      notify?.();
    }
  })();
  const samples = (): MetricSample[] =>
    events.filter((event): event is CollectorEvent & { type: "sample" } => event.type === "sample");
  return {
    collector,
    events,
    samples,
    async nextSamples(count, limitMs = 30_000) {
      const target = samples().length + count;
      const deadline = Date.now() + limitMs;
      while (samples().length < target) {
        if (failure !== undefined) throw failure;
        if (Date.now() > deadline) throw new Error(`waited ${limitMs} ms for ${count} samples`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, 200);
        });
      }
      return samples().slice(target - count, target);
    },
    async stop() {
      await collector.stop();
      await pump;
      if (failure !== undefined) throw failure;
    },
  };
}

/** Spawns `node -e <script>`; the script talks on stdout. */
export function nodeChild(script: string): ChildProcess {
  return spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "inherit"] });
}

/** Resolves with the first stdout line of a child that contains `text`. */
export async function waitForLine(child: ChildProcess, text: string): Promise<string> {
  let buffer = "";
  const stdout = child.stdout;
  if (!stdout) throw new Error("child has no stdout pipe");
  stdout.setEncoding("utf8");
  for (;;) {
    const index = buffer.indexOf("\n");
    if (index !== -1) {
      const line = buffer.slice(0, index);
      buffer = buffer.slice(index + 1);
      if (line.includes(text)) return line;
      continue;
    }
    const [chunk] = (await once(stdout, "data")) as [string];
    buffer += chunk;
  }
}

export async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  await exited;
}

/** Sum over samples of rate x seconds since the previous sample: the bytes a rate metric accounts for. */
export function integrate(samples: MetricSample[], name: string, intervalSeconds: number): number {
  let total = 0;
  for (const [index, sample] of samples.entries()) {
    const value = sample.values[name];
    if (value === undefined) continue;
    const previous = samples[index - 1];
    const seconds = previous ? (sample.time - previous.time) / 1000 : intervalSeconds;
    total += value * seconds;
  }
  return total;
}
