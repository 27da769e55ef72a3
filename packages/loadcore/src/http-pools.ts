import { Pool } from "undici";
import { requestPathTemplate } from "./request-name.js";

/** Where a URL goes: its origin's pool, the path to send and the template of its request name. */
export interface RequestTarget {
  readonly pool: Pool;
  readonly origin: string;
  readonly path: string;
  readonly template: string;
  /** `METHOD template`, computed once per method. */
  readonly names: Map<string, string>;
}

const MAX_CACHED_TARGETS = 20_000;

/**
 * One keep-alive undici `Pool` per origin for a whole process (or worker thread): sessions are light
 * wrappers around these, so thousands of workers cost thousands of sockets, not thousands of clients.
 * Parsed URLs are cached, so the hot path does not parse the same URL again.
 */
export class HttpPools {
  readonly #pools = new Map<string, Pool>();
  readonly #targets = new Map<string, RequestTarget>();
  readonly #connectTimeoutMs: number;
  #closed = false;

  constructor(options: { connectTimeoutMs: number }) {
    this.#connectTimeoutMs = options.connectTimeoutMs;
  }

  /** The target of an absolute http(s) URL; throws a TypeError for anything else. */
  target(url: string): RequestTarget {
    const cached = this.#targets.get(url);
    if (cached !== undefined) return cached;
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new TypeError(`unsupported URL protocol ${parsed.protocol} in ${url}: use http: or https:`);
    }
    const path = `${parsed.pathname}${parsed.search}`;
    const target: RequestTarget = {
      pool: this.pool(parsed.origin),
      origin: parsed.origin,
      path,
      template: requestPathTemplate(parsed.pathname),
      names: new Map(),
    };
    if (this.#targets.size < MAX_CACHED_TARGETS) this.#targets.set(url, target);
    return target;
  }

  /** The shared pool of an origin (`http://127.0.0.1:8080`). */
  pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (pool === undefined) {
      if (this.#closed) throw new Error("the HTTP pools are closed");
      pool = new Pool(origin, {
        connections: null,
        pipelining: 1,
        connectTimeout: this.#connectTimeoutMs,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Lets in-flight requests finish, then closes every socket. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#pools.values()].map((pool) => pool.close()));
  }

  /** Closes every socket now: in-flight requests fail (used by `--force-shutdown`). */
  async destroy(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#pools.values()].map((pool) => pool.destroy()));
  }
}
