import type { Dispatcher } from "undici";
import { RUN_DEFAULTS } from "../options/run-options.js";

/** Options of {@link request} and {@link jsonRequest}. */
export interface OneOffRequestOptions {
  /** HTTP method, GET by default (Molotov's `verb`). */
  method?: string;
  headers?: Record<string, string>;
  /** A value sent as JSON. */
  json?: unknown;
  body?: string | Uint8Array;
  /** Timeout in seconds (default 30). */
  timeout?: number;
  /** The undici dispatcher to use; undici's global one by default. */
  dispatcher?: Dispatcher;
  /** Accept any TLS certificate (as the run's `--insecure`); ignored when `dispatcher` is given. */
  insecure?: boolean;
}

/** The answer of {@link request}. */
export interface OneOffResponse<T = string> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body: text for {@link request}, parsed JSON for {@link jsonRequest}. */
  content: T;
}

let insecureAgent: Dispatcher | undefined;

/**
 * A one-off HTTP request for fixtures (`globalSetup`, `setup`...), outside any session and not counted in
 * the statistics. Unlike Molotov's, it is asynchronous: `await request(url)`.
 */
export async function request(url: string, options: OneOffRequestOptions = {}): Promise<OneOffResponse> {
  const timeoutMs = (options.timeout ?? RUN_DEFAULTS.timeout) * 1000;
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Uint8Array | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    if (!Object.keys(headers).some((key) => key.toLowerCase() === "content-type")) {
      headers["content-type"] = "application/json";
    }
  }
  // loaded on first use: the engine's hot path only needs undici's Client (see http-pools.ts)
  const { Agent, request: undiciRequest } = await import("undici");
  // one shared agent for every --insecure one-off request (its idle sockets do not hold the process)
  if (options.insecure === true && options.dispatcher === undefined) {
    insecureAgent ??= new Agent({ connect: { rejectUnauthorized: false } });
  }
  const dispatcher = options.dispatcher ?? (options.insecure === true ? insecureAgent : undefined);
  const response = await undiciRequest(url, {
    method: (options.method ?? "GET").toUpperCase() as Dispatcher.HttpMethod,
    headers,
    body: body ?? null,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  const content = await response.body.text();
  return { status: response.statusCode, headers: response.headers, content };
}

/** {@link request}, with the answer parsed as JSON (`content` is undefined for an empty body). */
export async function jsonRequest<T = unknown>(
  url: string,
  options: OneOffRequestOptions = {},
): Promise<OneOffResponse<T>> {
  const response = await request(url, {
    ...options,
    headers: { accept: "application/json", ...options.headers },
  });
  const content = (response.content === "" ? undefined : JSON.parse(response.content)) as T;
  return { ...response, content };
}
