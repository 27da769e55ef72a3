import { createRequire } from "node:module";
import type { Client, Dispatcher } from "undici";
import type { EventListener } from "../engine/registry.js";
import { ResponseStatusError } from "../errors.js";
import type { StatsRecorder } from "../stats/stats.js";
import { classifyError, type ErrorClass } from "./error-class.js";
import type { HttpPools, OriginConnections } from "./http-pools.js";
import { DeadlineEntry, type RequestDeadlines } from "./request-deadlines.js";

/** Options of a session, e.g. returned by the `setup` fixture. */
export interface SessionOptions {
  /** Headers sent with every request of the session. */
  headers?: Record<string, string>;
  /** Per-request timeout in seconds (default: the run's `--timeout`). */
  timeout?: number;
  /** Prefix for URLs starting with `/`, e.g. `http://127.0.0.1:8080`. */
  baseUrl?: string;
}

/** A request body: text, bytes or a form. */
export type RequestBody = string | Uint8Array | URLSearchParams;

/** Expected status codes: the request throws a `ResponseStatusError` for any other. */
export type ExpectedStatus = number | readonly number[];

/** Options of one request. */
export interface RequestOptions {
  /** Extra headers, merged over the session's. */
  headers?: Record<string, string>;
  /** A value sent as JSON (sets `content-type: application/json`). */
  json?: unknown;
  /** A raw body; a `URLSearchParams` is sent as a form. */
  body?: RequestBody;
  /** Query parameters appended to the URL. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Timeout in seconds (headers, then between body chunks). */
  timeout?: number;
  /** Name in the statistics; `METHOD /path/{id}` by default. */
  name?: string;
  /** Status(es) to expect; anything else throws a `ResponseStatusError` (class `status`). */
  expect?: ExpectedStatus;
}

/** What `sending_request` and `response_received` listeners see of a request. */
export interface RequestDescription {
  method: string;
  url: string;
  name: string;
  headers: Record<string, string>;
  body: string | Uint8Array | undefined;
}

/** The process-wide parts a session relies on (one per process or worker thread). */
export interface SessionRuntime {
  pools: HttpPools;
  recorder: StatsRecorder;
  listeners: readonly EventListener[];
  /** Default per-request timeout, ms. */
  timeoutMs: number;
  /** The deadlines of every request in flight (one timer for all). */
  deadlines: RequestDeadlines;
  /** `-v` count: 2 prints every request and response line. */
  verbose: number;
  /** Writes a line to the run's output. */
  print(text: string): void;
  /** Set after a forced shutdown: late completions are not counted. */
  discarding: boolean;
}

/** The context of a session (Molotov's `get_context`). */
export interface SessionContext {
  /** Worker id, unique across all processes of the run (0-based). */
  readonly workerId: number;
  /** Index of the process or worker thread running the worker (0-based). */
  readonly processIndex: number;
  /** The current step (scenario run) of the worker, 1-based. */
  step: number;
  /** The run's resolved options. */
  readonly options: Readonly<Record<string, unknown>>;
}

const CONTEXT = Symbol.for("@sizer/loadcore.context");
/**
 * Arrival-rate model: how late the session's current scenario run started, ms (undefined in the workers
 * model). Each request's latency is then counted from when it should have been sent, its service time
 * plus this lag, and its service time is recorded too (coordinated-omission free, as wrk2).
 */
export const RUN_LAG = Symbol("@sizer/loadcore.runLag");

/** The context of a session: worker id, step, the run's options. */
export function getContext(session: Session): SessionContext {
  const context = (session as unknown as Record<symbol, SessionContext | undefined>)[CONTEXT];
  if (context === undefined) throw new TypeError("getContext(): expected a loadcore session");
  return context;
}

/** An HTTP response, its body read fully. */
export class HttpResponse {
  /** HTTP status code. */
  readonly status: number;
  readonly #rawHeaders: Buffer[] | string[];
  #headers: Record<string, string | string[]> | undefined;
  /** The body, or the chunks it came in until someone reads it (a scenario that checks only the status never copies them). */
  #body: Buffer | readonly Buffer[];

  /** `body`: the whole body, or the chunks it arrived in (joined on first read). */
  constructor(status: number, rawHeaders: Buffer[] | string[], body: Buffer | readonly Buffer[]) {
    this.status = status;
    this.#rawHeaders = rawHeaders;
    this.#body = body;
  }

  /** The whole body. */
  get body(): Buffer {
    const body = this.#body;
    if (Buffer.isBuffer(body)) return body;
    const joined = Buffer.concat(body as Buffer[]);
    this.#body = joined;
    return joined;
  }

  /** True for a 2xx status. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** Response headers, lower-case names; repeated headers give an array. */
  get headers(): Record<string, string | string[]> {
    if (this.#headers === undefined) {
      const headers: Record<string, string | string[]> = {};
      for (let index = 0; index + 1 < this.#rawHeaders.length; index += 2) {
        const key = String(this.#rawHeaders[index]).toLowerCase();
        const value = String(this.#rawHeaders[index + 1]);
        const existing = headers[key];
        if (existing === undefined) headers[key] = value;
        else if (Array.isArray(existing)) existing.push(value);
        else headers[key] = [existing, value];
      }
      this.#headers = headers;
    }
    return this.#headers;
  }

  /** The body as UTF-8 text. */
  text(): string {
    return this.body.toString("utf8");
  }

  /** The body parsed as JSON. */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

/** Throws a `ResponseStatusError` unless the response's status is one of `expected`. */
export function expectStatus(
  response: HttpResponse,
  expected: ExpectedStatus,
  request?: { method: string; url: string },
): void {
  const list = typeof expected === "number" ? [expected] : expected;
  if (!list.includes(response.status)) {
    throw new ResponseStatusError({
      status: response.status,
      expected: list,
      method: request?.method ?? "request",
      url: request?.url ?? "",
    });
  }
}

const EMPTY_BODY = Buffer.alloc(0);
/** The raw headers of a request that got none (no array per request). */
const NO_HEADERS: Buffer[] = [];

/** undici's own timeout errors (codes `UND_ERR_HEADERS_TIMEOUT`, `UND_ERR_BODY_TIMEOUT`), without the rest of undici. */
const { HeadersTimeoutError, BodyTimeoutError } = createRequire(import.meta.url)(
  "undici/lib/core/errors.js",
) as {
  HeadersTimeoutError: new (message?: string) => Error;
  BodyTimeoutError: new (message?: string) => Error;
};

let capturedResolve: ((response: HttpResponse) => void) | undefined;
let capturedReject: ((error: unknown) => void) | undefined;

/**
 * The executor of every request's promise: one function for all, so that a request allocates no closure
 * (and no context for it) to get its promise's settlers; the caller reads them right after `new Promise`.
 */
function captureSettlers(resolve: (response: HttpResponse) => void, reject: (error: unknown) => void): void {
  capturedResolve = resolve;
  capturedReject = reject;
}

/**
 * One request in flight, as undici's dispatch handler: collects the body, times the request, records it,
 * and carries the request's deadline (headers, then between body chunks) in the process's
 * `RequestDeadlines` instead of a timer of its own.
 */
class PendingRequest extends DeadlineEntry implements Dispatcher.DispatchHandler {
  readonly #runtime: SessionRuntime;
  readonly #name: string;
  readonly #method: string;
  readonly #url: string;
  readonly #expected: ExpectedStatus | undefined;
  /** Resolve with the response even when `expected` refuses its status (the caller checks after events). */
  readonly #resolveRefused: boolean;
  readonly #resolve: (response: HttpResponse) => void;
  readonly #reject: (error: unknown) => void;
  readonly #connections: OriginConnections;
  readonly #client: Client;
  readonly #start: number;
  readonly #timeoutMs: number;
  readonly #lagMs: number | undefined;
  #abort: ((error: Error) => void) | undefined;
  /** The promise was settled (recorded), possibly before undici is done with the request. */
  #settled = false;
  /** undici is done with the request: the client went back to its pool. */
  #released = false;
  #status = 0;
  #rawHeaders: Buffer[] = NO_HEADERS;
  #chunk: Buffer | undefined;
  #chunks: Buffer[] | undefined;

  constructor(
    runtime: SessionRuntime,
    name: string,
    method: string,
    url: string,
    expected: ExpectedStatus | undefined,
    resolveRefused: boolean,
    resolve: (response: HttpResponse) => void,
    reject: (error: unknown) => void,
    connections: OriginConnections,
    client: Client,
    timeoutMs: number,
    lagMs: number | undefined,
  ) {
    super();
    this.#lagMs = lagMs;
    this.#runtime = runtime;
    this.#name = name;
    this.#method = method;
    this.#url = url;
    this.#expected = expected;
    this.#resolveRefused = resolveRefused;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#connections = connections;
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#start = performance.now();
    runtime.deadlines.arm(this, timeoutMs, this.#start);
  }

  onConnect(abort: (error: Error) => void): void {
    // timed out while waiting for a connection: undici gets the request back at once
    if (this.#settled) abort(this.#timeoutError());
    else this.#abort = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.#status = statusCode;
    this.#rawHeaders = rawHeaders;
    if (this.lane !== undefined) this.#runtime.deadlines.rearm(this, performance.now());
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.#chunk === undefined) this.#chunk = chunk;
    else if (this.#chunks === undefined) this.#chunks = [this.#chunk, chunk];
    else this.#chunks.push(chunk);
    if (this.lane !== undefined) this.#runtime.deadlines.rearm(this, performance.now());
    return true;
  }

  onComplete(): void {
    const runtime = this.#runtime;
    runtime.deadlines.clear(this);
    this.#release();
    if (this.#settled) return;
    this.#settled = true;
    const latency = performance.now() - this.#start;
    const status = this.#status;
    const body = this.#chunks ?? this.#chunk ?? EMPTY_BODY;
    const response = new HttpResponse(status, this.#rawHeaders, body);
    const expected = this.#expected;
    let statusError: ResponseStatusError | undefined;
    if (
      expected !== undefined &&
      (typeof expected === "number" ? expected !== status : !expected.includes(status))
    ) {
      statusError = new ResponseStatusError({
        status,
        expected: typeof expected === "number" ? [expected] : expected,
        method: this.#method,
        url: this.#url,
      });
    }
    if (!runtime.discarding) {
      runtime.recorder.recordRequest(
        this.#name,
        this.#lagMs === undefined ? latency : latency + this.#lagMs,
        status,
        statusError === undefined ? undefined : "status",
        this.#lagMs === undefined ? undefined : latency,
      );
    }
    if (runtime.verbose >= 2)
      runtime.print(`${this.#method} ${this.#url} -> ${status} (${latency.toFixed(1)} ms)`);
    if (statusError !== undefined && !this.#resolveRefused) this.#reject(statusError);
    else this.#resolve(response);
  }

  onError(error: Error): void {
    this.#runtime.deadlines.clear(this);
    this.#release();
    if (this.#settled) return;
    this.#fail(error, performance.now());
  }

  /** The deadline passed: the request fails now, and undici drops it (and its socket) if it holds it. */
  expire(now: number): void {
    if (this.#settled) return;
    // A timer's stack says nothing, and capturing one for this error and for the socket undici destroys
    // was most of the cost of a timeout (thousands of them at once with thousands of workers).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const error = this.#timeoutError();
      this.#fail(error, now);
      // undici calls onError back, which releases the client
      this.#abort?.(error);
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }

  #fail(error: Error, now: number): void {
    this.#settled = true;
    const runtime = this.#runtime;
    const latency = now - this.#start;
    const errorClass: ErrorClass = classifyError(error);
    if (!runtime.discarding) {
      if (this.#lagMs === undefined)
        runtime.recorder.recordRequest(this.#name, latency, undefined, errorClass);
      else runtime.recorder.recordRequest(this.#name, latency + this.#lagMs, undefined, errorClass, latency);
    }
    if (runtime.verbose >= 2)
      runtime.print(`${this.#method} ${this.#url} -> ${errorClass}: ${error.message}`);
    this.#reject(error);
  }

  #timeoutError(): Error {
    const seconds = `${this.#timeoutMs / 1000} s`;
    return this.#status === 0
      ? new HeadersTimeoutError(
          `${this.#method} ${this.#url}: no response headers within ${seconds} (timeout)`,
        )
      : new BodyTimeoutError(`${this.#method} ${this.#url}: the body stalled for ${seconds} (timeout)`);
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#connections.release(this.#client);
  }
}

function appendQuery(path: string, query: NonNullable<RequestOptions["query"]>): string {
  const parameters = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) parameters.append(key, String(value));
  }
  const text = parameters.toString();
  if (text === "") return path;
  return `${path}${path.includes("?") ? "&" : "?"}${text}`;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * One worker's HTTP session: its own headers and options over the process's shared keep-alive pools.
 * Every request's latency, status and error class is recorded under its name. A non-2xx status is not a
 * failure by itself: the scenario decides (or passes `expect`).
 */
export class Session {
  readonly #runtime: SessionRuntime;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #baseUrl: string | undefined;
  #lastDispatchOptions: Dispatcher.DispatchOptions | undefined;
  readonly [CONTEXT]: SessionContext;
  /** See {@link RUN_LAG}; set by the engine before each scenario run. */
  [RUN_LAG]: number | undefined;

  constructor(runtime: SessionRuntime, context: SessionContext, options: SessionOptions = {}) {
    this.#runtime = runtime;
    this[CONTEXT] = context;
    this.#headers = { ...(options.headers ?? {}) };
    this.#timeoutMs = options.timeout !== undefined ? options.timeout * 1000 : runtime.timeoutMs;
    this.#baseUrl = options.baseUrl?.replace(/\/+$/, "");
  }

  /** This session's context: worker id, step, options. */
  get context(): SessionContext {
    return this[CONTEXT];
  }

  /** The worker id of this session. */
  get workerId(): number {
    return this[CONTEXT].workerId;
  }

  /** Headers sent with every request; may be changed by fixtures. */
  get headers(): Record<string, string> {
    return this.#headers;
  }

  /** Prints a line to the run's output, prefixed by the worker id. */
  print(message: string): void {
    this.#runtime.print(`[W:${this.workerId}] ${message}`);
  }

  /** Sends a request and reads its whole body. Rejects on network errors, timeouts and unexpected statuses. */
  request(method: string, url: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.#send(method.toUpperCase(), url, options);
  }

  #send(upperMethod: string, url: string, options: RequestOptions | undefined): Promise<HttpResponse> {
    const runtime = this.#runtime;
    const absoluteUrl = this.#baseUrl !== undefined && url.startsWith("/") ? `${this.#baseUrl}${url}` : url;
    let target: ReturnType<HttpPools["target"]>;
    try {
      target = runtime.pools.target(absoluteUrl);
    } catch (error) {
      return Promise.reject(error);
    }
    let name = options?.name;
    if (name === undefined) {
      name = target.names.get(upperMethod);
      if (name === undefined) {
        name = `${upperMethod} ${target.template}`;
        target.names.set(upperMethod, name);
      }
    }
    let path = target.path;
    let headers = this.#headers;
    let body: string | Uint8Array | undefined;
    let timeoutMs = this.#timeoutMs;
    let expected: ExpectedStatus | undefined;
    if (options !== undefined) {
      if (options.query !== undefined) path = appendQuery(path, options.query);
      if (options.headers !== undefined) headers = { ...headers, ...options.headers };
      if (options.json !== undefined) {
        body = JSON.stringify(options.json);
        if (headers === this.#headers) headers = { ...headers };
        if (!Object.keys(headers).some((key) => key.toLowerCase() === "content-type")) {
          headers["content-type"] = "application/json";
        }
      } else if (options.body instanceof URLSearchParams) {
        body = options.body.toString();
        if (headers === this.#headers) headers = { ...headers };
        if (!Object.keys(headers).some((key) => key.toLowerCase() === "content-type")) {
          headers["content-type"] = "application/x-www-form-urlencoded";
        }
      } else if (options.body !== undefined) {
        body = options.body;
      }
      if (options.timeout !== undefined) timeoutMs = options.timeout * 1000;
      expected = options.expect;
    }
    if (runtime.listeners.length > 0) {
      return this.#requestWithEvents(
        target,
        { method: upperMethod, url: absoluteUrl, name, headers, body },
        path,
        timeoutMs,
        expected,
      );
    }
    return this.#dispatch(
      target,
      upperMethod,
      absoluteUrl,
      name,
      expected,
      path,
      headers,
      body,
      timeoutMs,
      false,
    );
  }

  #dispatch(
    target: ReturnType<HttpPools["target"]>,
    method: string,
    url: string,
    name: string,
    expected: ExpectedStatus | undefined,
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
    timeoutMs: number,
    resolveRefused: boolean,
  ): Promise<HttpResponse> {
    const promise = new Promise<HttpResponse>(captureSettlers);
    const resolve = capturedResolve as (response: HttpResponse) => void;
    const reject = capturedReject as (error: unknown) => void;
    try {
      const connections = target.connections;
      const client = connections.acquire();
      const pending = new PendingRequest(
        this.#runtime,
        name,
        method,
        url,
        expected,
        resolveRefused,
        resolve,
        reject,
        connections,
        client,
        timeoutMs,
        this[RUN_LAG],
      );
      client.dispatch(this.#dispatchOptions(path, method, headers, body), pending);
    } catch (error) {
      reject(error);
    }
    return promise;
  }

  /**
   * undici's options of a request. undici copies what it needs of them, so a worker that sends the same
   * bodiless request again (the usual closed loop) reuses its previous object instead of making one.
   */
  #dispatchOptions(
    path: string,
    method: string,
    headers: Record<string, string>,
    body: string | Uint8Array | undefined,
  ): Dispatcher.DispatchOptions {
    const last = this.#lastDispatchOptions;
    if (
      body === undefined &&
      last !== undefined &&
      last.path === path &&
      last.method === method &&
      last.headers === headers
    )
      return last;
    const dispatchOptions: Dispatcher.DispatchOptions = {
      path,
      method: method as Dispatcher.HttpMethod,
      headers,
      body: body ?? null,
      // the deadlines of PendingRequest time the request (undici's own timers have a 1 s resolution)
      headersTimeout: 0,
      bodyTimeout: 0,
    };
    this.#lastDispatchOptions = body === undefined ? dispatchOptions : undefined;
    return dispatchOptions;
  }

  async #requestWithEvents(
    target: ReturnType<HttpPools["target"]>,
    description: RequestDescription,
    path: string,
    timeoutMs: number,
    expected: ExpectedStatus | undefined,
  ): Promise<HttpResponse> {
    for (const listener of this.#runtime.listeners)
      await listener("sending_request", { session: this, request: description });
    // recorded as the events-free path records it (a refused status counts as failed, class status),
    // but resolved anyway so that the listeners see the response before the status check throws
    const response = await this.#dispatch(
      target,
      description.method,
      description.url,
      description.name,
      expected,
      path,
      description.headers,
      description.body,
      timeoutMs,
      true,
    );
    for (const listener of this.#runtime.listeners) {
      await listener("response_received", { session: this, response, request: description });
    }
    if (expected !== undefined) expectStatus(response, expected, description);
    return response;
  }

  /** GET a URL. */
  get(url: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.#send("GET", url, options);
  }

  /** POST to a URL (pass `json` or `body` in the options). */
  post(url: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.#send("POST", url, options);
  }

  /** PUT to a URL. */
  put(url: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.#send("PUT", url, options);
  }

  /** PATCH a URL. */
  patch(url: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.#send("PATCH", url, options);
  }

  /** DELETE a URL. */
  delete(url: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.#send("DELETE", url, options);
  }

  /** HEAD a URL. */
  head(url: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.#send("HEAD", url, options);
  }

  /** OPTIONS a URL. */
  options(url: string, options?: RequestOptions): Promise<HttpResponse> {
    return this.#send("OPTIONS", url, options);
  }

  async #json<T>(method: string, url: string, json: unknown, options: RequestOptions = {}): Promise<T> {
    const headers = { accept: "application/json", ...options.headers };
    const response = await this.request(method, url, {
      ...options,
      headers,
      ...(json === undefined ? {} : { json }),
    });
    if (options.expect === undefined && !isSuccess(response.status)) {
      throw new ResponseStatusError({ status: response.status, expected: [200, 201, 202, 204], method, url });
    }
    if (response.body.length === 0) return undefined as T;
    return response.json<T>();
  }

  /** GET a URL and parse the JSON answer; a non-2xx status throws (unless `expect` says otherwise). */
  getJson<T = unknown>(url: string, options?: RequestOptions): Promise<T> {
    return this.#json<T>("GET", url, undefined, options);
  }

  /** POST `json` and parse the JSON answer; a non-2xx status throws (unless `expect` says otherwise). */
  postJson<T = unknown>(url: string, json: unknown, options?: RequestOptions): Promise<T> {
    return this.#json<T>("POST", url, json, options);
  }

  /** PUT `json` and parse the JSON answer. */
  putJson<T = unknown>(url: string, json: unknown, options?: RequestOptions): Promise<T> {
    return this.#json<T>("PUT", url, json, options);
  }

  /** PATCH `json` and parse the JSON answer. */
  patchJson<T = unknown>(url: string, json: unknown, options?: RequestOptions): Promise<T> {
    return this.#json<T>("PATCH", url, json, options);
  }

  /** DELETE a URL and parse the JSON answer (undefined for an empty body). */
  deleteJson<T = unknown>(url: string, options?: RequestOptions): Promise<T> {
    return this.#json<T>("DELETE", url, undefined, options);
  }
}
