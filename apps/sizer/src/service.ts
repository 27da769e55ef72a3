import type { ProcessExit } from "./process-tree.js";

/** A service under test, however it was started. */
export interface ServiceHandle {
  /** How it runs: a command sizer started, a Docker container, or a URL already running. */
  kind: "command" | "docker" | "url";
  /**
   * The base URL the scenario reaches it at (`SERVER_URL`), without a trailing slash so that
   * `${SERVER_URL}/records` asks for `/records`: `http://127.0.0.1:8080`, or `http://host/api`.
   */
  url: string;
  /** The root pid of its process tree, watched by the collector, when known. */
  pid: number | undefined;
  /**
   * The containers watched by the collector (Docker only): the name, also the metrics' name
   * (`container.<name>.*`, letters, digits and `_`), and the engine's id.
   */
  containers: Array<{ name: string; id: string }>;
  /** A one-line description for people: the command, the image or the URL. */
  description: string;
  /** Resolves when the service ends by itself (never for `--url`). */
  ended: Promise<ProcessExit>;
  /** How it ended, once it has. */
  exit(): ProcessExit | undefined;
  /** The last lines it printed. */
  outputTail(lines?: number): string;
  /** Ends the service and its whole process tree (or container). Safe to call twice. */
  stop(): Promise<void>;
}

/** A promise that never settles: the end of a service sizer does not own. */
export function never<T>(): Promise<T> {
  return new Promise<T>(() => {});
}

/**
 * The `SERVER_URL` of a service answering at `url`: the URL without its trailing slash
 * (`http://127.0.0.1:8080/` gives `http://127.0.0.1:8080`, `http://host/api/` gives
 * `http://host/api`). A URL with a query or a fragment is kept as it is.
 */
export function serverUrlOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.search !== "" || parsed.hash !== "") return parsed.toString();
  return parsed.toString().replace(/\/+$/, "");
}
