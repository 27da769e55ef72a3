import { createRequire } from "node:module";
import type { Client as UndiciClient } from "undici";
import { requestPathTemplate } from "./request-name.js";

type Client = UndiciClient;

/**
 * undici's `Client` alone: importing the whole of undici (fetch, WebSocket, caches...) costs about
 * 9 MB more of every generator process's memory.
 */
const Client = createRequire(import.meta.url)("undici/lib/dispatcher/client.js") as typeof UndiciClient;

/**
 * The error a client is destroyed with. undici makes one per client when given none (`close()` ends in a
 * `destroy()`), stack trace included, for nobody to read: at the end of a run with thousands of workers
 * capturing and formatting those stacks was most of the cost of stopping. One error per call does.
 */
const { ClientDestroyedError } = createRequire(import.meta.url)("undici/lib/core/errors.js") as {
  ClientDestroyedError: new () => Error;
};

type Connector = NonNullable<UndiciClient.Options["connect"]>;

/**
 * undici's connector factory (what a `Client` builds for itself when given connect options): one per
 * origin, shared by its clients, instead of one per client with its own TLS session cache and finalizer.
 */
const buildConnector = createRequire(import.meta.url)("undici/lib/core/connect.js") as (options: {
  timeout: number;
  rejectUnauthorized?: boolean;
}) => Connector;

/** How connections are opened. */
export interface ConnectionOptions {
  /** TCP (and TLS) connect timeout, ms. */
  connectTimeoutMs: number;
  /** false accepts any TLS certificate (`--insecure`); true by default. */
  rejectUnauthorized?: boolean;
}

/**
 * The keep-alive connections of one origin, shared by every session of a process: a stack of idle
 * undici `Client`s (one socket each, no pipelining). A request takes an idle client or opens a new one
 * and gives it back when it ends, so a closed-loop worker reuses one socket, and both taking and giving
 * back are O(1) whatever the number of workers (undici's `Pool` scans its clients on every dispatch,
 * which is quadratic with thousands of workers).
 */
export class OriginConnections {
  readonly origin: string;
  readonly #idle: Client[] = [];
  readonly #all = new Set<Client>();
  readonly #options: UndiciClient.Options;
  #closed = false;

  constructor(origin: string, connection: ConnectionOptions) {
    this.origin = origin;
    this.#options = {
      pipelining: 1,
      connect: buildConnector({
        timeout: connection.connectTimeoutMs,
        // only https origins have a TLS handshake to relax
        ...(connection.rejectUnauthorized === false && origin.startsWith("https:")
          ? { rejectUnauthorized: false }
          : {}),
      }),
    };
  }

  /** An idle client, or a new one. */
  acquire(): Client {
    if (this.#closed) throw new Error(`the connections to ${this.origin} are closed`);
    const idle = this.#idle.pop();
    if (idle !== undefined) return idle;
    const client = new Client(this.origin, this.#options);
    this.#all.add(client);
    return client;
  }

  /** Gives a client back after its request ended. */
  release(client: Client): void {
    if (this.#closed || client.destroyed || client.closed) {
      this.#all.delete(client);
      return;
    }
    this.#idle.push(client);
  }

  /** Open clients (idle or busy). */
  get size(): number {
    return this.#all.size;
  }

  /** Lets in-flight requests finish, then closes every socket. */
  async close(): Promise<void> {
    this.#closed = true;
    const idle = new Set(this.#idle);
    this.#idle.length = 0;
    // An idle client has nothing to finish: destroying it now is closing it, with the one shared error.
    const error = new ClientDestroyedError();
    await Promise.allSettled(
      [...this.#all].map((client) => (idle.has(client) ? client.destroy(error) : client.close())),
    );
    this.#all.clear();
  }

  /** Closes every socket now: in-flight requests fail. */
  async destroy(): Promise<void> {
    this.#closed = true;
    this.#idle.length = 0;
    const error = new ClientDestroyedError();
    await Promise.allSettled([...this.#all].map((client) => client.destroy(error)));
    this.#all.clear();
  }
}

/** Where a URL goes: its origin's connections, the path to send and the template of its request name. */
export interface RequestTarget {
  readonly connections: OriginConnections;
  readonly origin: string;
  readonly path: string;
  readonly template: string;
  /** `METHOD template`, computed once per method. */
  readonly names: Map<string, string>;
}

const MAX_CACHED_TARGETS = 20_000;

/**
 * The keep-alive connections of a whole process (or worker thread), by origin: sessions are light
 * wrappers around these. Parsed URLs are cached, so the hot path does not parse the same URL again.
 */
export class HttpPools {
  readonly #origins = new Map<string, OriginConnections>();
  readonly #targets = new Map<string, RequestTarget>();
  readonly #connection: ConnectionOptions;
  #closed = false;

  constructor(options: ConnectionOptions) {
    this.#connection = { ...options };
  }

  /** The target of an absolute http(s) URL; throws a TypeError for anything else. */
  target(url: string): RequestTarget {
    const cached = this.#targets.get(url);
    if (cached !== undefined) return cached;
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`unsupported URL protocol ${parsed.protocol} in ${url}: use http: or https:`);
    }
    const target: RequestTarget = {
      connections: this.connections(parsed.origin),
      origin: parsed.origin,
      path: `${parsed.pathname}${parsed.search}`,
      template: requestPathTemplate(parsed.pathname),
      names: new Map(),
    };
    if (this.#targets.size < MAX_CACHED_TARGETS) this.#targets.set(url, target);
    return target;
  }

  /** The shared connections of an origin (`http://127.0.0.1:8080`). */
  connections(origin: string): OriginConnections {
    let connections = this.#origins.get(origin);
    if (connections === undefined) {
      if (this.#closed) throw new Error("the HTTP connections are closed");
      connections = new OriginConnections(origin, this.#connection);
      this.#origins.set(origin, connections);
    }
    return connections;
  }

  /** Lets in-flight requests finish, then closes every socket. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#origins.values()].map((connections) => connections.close()));
  }

  /** Closes every socket now: in-flight requests fail (used by `--force-shutdown`). */
  async destroy(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#origins.values()].map((connections) => connections.destroy()));
  }
}
