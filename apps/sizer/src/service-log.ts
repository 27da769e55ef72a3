import { createWriteStream, type WriteStream } from "node:fs";

/**
 * The service's output: every byte goes to `service.log`, and the last lines are kept in memory
 * so they can be shown when the service dies.
 */
export class ServiceLog {
  readonly path: string;
  private readonly stream: WriteStream;
  private readonly keep: number;
  private lines: string[] = [];
  private partial = "";
  private closed = false;

  constructor(path: string, options: { keepLines?: number } = {}) {
    this.path = path;
    this.keep = options.keepLines ?? 40;
    this.stream = createWriteStream(path, { flags: "a" });
    this.stream.on("error", () => {
      // A log that cannot be written must not crash the run; the tail stays in memory.
    });
  }

  /** Appends a chunk of the service's output. */
  write(chunk: Buffer | string): void {
    if (this.closed) return;
    this.stream.write(chunk);
    const text = this.partial + chunk.toString();
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    this.lines.push(...parts);
    if (this.lines.length > this.keep) this.lines.splice(0, this.lines.length - this.keep);
  }

  /** Writes a line of sizer's own (marked `[sizer]`) into the log. */
  note(message: string): void {
    this.write(`[sizer ${new Date().toISOString()}] ${message}\n`);
  }

  /** The last `count` lines the service printed. */
  tail(count = 20): string {
    const all = this.partial === "" ? this.lines : [...this.lines, this.partial];
    return all.slice(-count).join("\n");
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.stream.end(resolve));
  }
}
