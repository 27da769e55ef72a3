import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningProcess, startProcess } from "@sizer/process-kit";
import { GlancesFailedError, GlancesNotFoundError } from "./errors.js";
import { GlancesCsvConverter } from "./glances-csv.js";
import { glancesVersion } from "./glances-process.js";
import type { SampleSource, SourceContext, SourceInfo } from "./sample-source.js";

/** Options of the spawned-Glances source. */
export interface GlancesCsvSourceOptions {
  /** The Glances executable. Default `glances`. */
  command?: string;
  /** Where Glances writes its CSV. Default: a file in a new temporary directory, removed on close. */
  csvFile?: string;
  /**
   * Plugins to enable (all others are disabled, which keeps rows short and stable). Default:
   * cpu, percpu, load, mem, memswap, network, diskio, system, and docker (3.x) or containers (4.x).
   */
  plugins?: string[];
  /** Milliseconds to wait for the first data row before failing. Default 30 s plus two intervals. */
  startTimeoutMs?: number;
}

/**
 * Spawns `glances --quiet --export csv` and reads its CSV as it grows. Glances writes the header
 * with its first update and a row per refresh (`-t <interval>`).
 */
export class GlancesCsvSource implements SampleSource {
  readonly kind = "glances-csv" as const;
  readonly #command: string;
  readonly #plugins: string[] | undefined;
  readonly #startTimeoutMs: number | undefined;
  #csvFile: string | undefined;
  #temporaryDirectory: string | undefined;
  #process: RunningProcess | undefined;
  #exit: Promise<number | null> | undefined;
  #exited = false;
  #stderr = "";
  #handle: FileHandle | undefined;
  #offset = 0;
  #pending = "";
  #converter: GlancesCsvConverter | undefined;

  constructor(options: GlancesCsvSourceOptions = {}) {
    this.#command = options.command ?? "glances";
    this.#csvFile = options.csvFile;
    this.#plugins = options.plugins;
    this.#startTimeoutMs = options.startTimeoutMs;
  }

  async open(context: SourceContext): Promise<SourceInfo> {
    const version = await glancesVersion(this.#command);
    const major = Number(version.split(".")[0]);
    const plugins = this.#plugins ?? [
      "cpu",
      "percpu",
      "load",
      "mem",
      "memswap",
      "network",
      "diskio",
      "system",
      "now",
      major >= 4 ? "containers" : "docker",
    ];
    if (!this.#csvFile) {
      this.#temporaryDirectory = await mkdtemp(join(tmpdir(), "glances-collector-"));
      this.#csvFile = join(this.#temporaryDirectory, "glances.csv");
    }
    const args = [
      "--quiet",
      "--disable-check-update",
      "--export",
      "csv",
      "--export-csv-file",
      this.#csvFile,
      "--export-csv-overwrite",
      "-t",
      String(context.interval),
      "--disable-plugin",
      "all",
      "--enable-plugin",
      plugins.join(","),
    ];
    const glances = startProcess([this.#command, ...args], {
      endWithParent: true,
      onOutput: (chunk, stream) => {
        if (stream === "stderr") this.#stderr = (this.#stderr + chunk).slice(-2000);
      },
    });
    this.#process = glances;
    this.#exit = glances.spawned.then(
      async () => {
        const exit = await glances.exited;
        this.#exited = true;
        return exit.exitCode;
      },
      (error: unknown) => {
        this.#exited = true;
        throw new GlancesNotFoundError(this.#command, { cause: error });
      },
    );
    this.#exit.catch(() => undefined);

    // Wait for the header and a first row so that a broken Glances fails `start()`, not later.
    const timeout = this.#startTimeoutMs ?? 30_000 + 2 * context.interval * 1000;
    const deadline = context.clock.monotonic() + timeout;
    while (this.#converter === undefined) {
      if (this.#exited) await this.#failIfExited();
      if (context.signal.aborted) break;
      if (context.clock.monotonic() > deadline) {
        throw new GlancesFailedError(
          `Glances wrote no CSV header to ${this.#csvFile} within ${Math.round(timeout / 1000)} s`,
        );
      }
      await this.#readHeader();
      if (this.#converter === undefined) await context.clock.sleep(100, context.signal);
    }
    return {
      sourceVersion: version,
      ...(this.#converter?.hostname ? { host: this.#converter.hostname } : {}),
    };
  }

  async #failIfExited(): Promise<void> {
    const code = await this.#exit;
    throw new GlancesFailedError(
      `Glances exited with code ${code} before writing data${this.#stderr ? `: ${this.#stderr.trim().slice(-500)}` : ""}`,
    );
  }

  /** Reads what Glances appended since the last call; returns complete lines. */
  async #readLines(): Promise<string[]> {
    if (!this.#handle) {
      try {
        this.#handle = await open(this.#csvFile as string, "r");
      } catch {
        return [];
      }
    }
    const buffer = Buffer.alloc(64 * 1024);
    let text = "";
    for (;;) {
      const { bytesRead } = await this.#handle.read(buffer, 0, buffer.length, this.#offset);
      if (bytesRead === 0) break;
      this.#offset += bytesRead;
      text += buffer.toString("utf8", 0, bytesRead);
    }
    if (text.length === 0) return [];
    const all = this.#pending + text;
    const lastNewline = all.lastIndexOf("\n");
    if (lastNewline === -1) {
      this.#pending = all;
      return [];
    }
    this.#pending = all.slice(lastNewline + 1);
    return all.slice(0, lastNewline).split("\n");
  }

  #backlog: string[] = [];

  async #readHeader(): Promise<void> {
    const lines = await this.#readLines();
    const header = lines.shift();
    if (header === undefined) return;
    this.#converter = new GlancesCsvConverter(header, { sourceName: `Glances CSV ${this.#csvFile}` });
    this.#backlog = lines;
  }

  async run(context: SourceContext): Promise<void> {
    const converter = this.#converter;
    if (!converter) return;
    const emitLines = (lines: string[]): void => {
      for (const line of lines) {
        const { sample, notes } = converter.convertLine(line);
        for (const note of notes) context.emit({ type: "note", ...note });
        if (sample) context.emit({ type: "sample", ...sample });
      }
    };
    emitLines(this.#backlog);
    this.#backlog = [];
    const pollMs = Math.min(250, (context.interval * 1000) / 4);
    while (!context.signal.aborted) {
      emitLines(await this.#readLines());
      if (this.#exited) {
        emitLines(await this.#readLines());
        const code = await this.#exit;
        if (context.signal.aborted) return;
        throw new GlancesFailedError(
          `Glances exited with code ${code} while collecting${this.#stderr ? `: ${this.#stderr.trim().slice(-500)}` : ""}`,
        );
      }
      await context.clock.sleep(pollMs, context.signal);
    }
    emitLines(await this.#readLines());
  }

  async close(): Promise<void> {
    const glances = this.#process;
    if (glances && !this.#exited) {
      await glances.stop();
      await this.#exit?.catch(() => undefined);
    }
    this.#process = undefined;
    await this.#handle?.close();
    this.#handle = undefined;
    if (this.#temporaryDirectory) {
      await rm(this.#temporaryDirectory, { recursive: true, force: true });
      this.#temporaryDirectory = undefined;
    }
  }
}
