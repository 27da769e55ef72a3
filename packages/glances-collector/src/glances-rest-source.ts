import type { Dispatcher } from "undici";
import { FormatError, HttpError, InvalidOptionError } from "./errors.js";
import {
  GLANCES_3_PERCPU_NOTE,
  type GlancesRaw,
  type GlancesView,
  glancesToValues,
  toNumber,
} from "./glances-mapping.js";
import { type SampleSource, type SourceContext, type SourceInfo, waitForNextTick } from "./sample-source.js";

/** Options of the Glances REST source. */
export interface GlancesRestSourceOptions {
  /** Base URL of the Glances web server, e.g. `http://127.0.0.1:61208` (with or without `/api/N`). */
  url: string;
  /** undici dispatcher (an Agent, a MockAgent in tests); default undici's global one. */
  dispatcher?: Dispatcher;
  /** Milliseconds to wait for each answer. Default: the larger of 5 s and two intervals. */
  timeoutMs?: number;
}

type Json = unknown;

/** undici is loaded on first use: it costs hundreds of milliseconds of start-up to every other command. */
let undici: Promise<typeof import("undici")> | undefined;
function loadUndici(): Promise<typeof import("undici")> {
  undici ??= import("undici");
  return undici;
}

const LIST_PLUGINS = new Set(["percpu", "network", "diskio", "containers"]);

/**
 * Requests in flight at once. Glances 3.x's single-threaded web server makes a 7th or 8th
 * concurrent connection wait about a second (measured: 5-6 in parallel ~14 ms, 7-8 ~1,050 ms),
 * which at `--interval 1` halved the sample rate.
 */
const MAX_PARALLEL_REQUESTS = 4;

/** Like `Promise.all(items.map(task))`, with at most `limit` tasks running at once; keeps the order. */
async function mapWithConcurrency<Item, Result>(
  items: readonly Item[],
  limit: number,
  task: (item: Item) => Promise<Result>,
): Promise<Result[]> {
  const results = new Array<Result>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as Item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Polls a running Glances web server (`glances -w`). API 4 (`/api/4`, Glances 4.x) is tried first,
 * then API 3 (`/api/3`, Glances 3.x). Each interval it reads `/cpu`, `/percpu`, `/load`, `/mem`,
 * `/memswap`, `/network`, `/diskio` and `/containers` (4.x) or `/docker` (3.x), those the server's
 * `/pluginslist` offers, at most four at a time.
 */
export class GlancesRestSource implements SampleSource {
  readonly kind = "glances-rest" as const;
  readonly #base: string;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #timeoutMs: number | undefined;
  #api = 4;
  #plugins: string[] = [];
  #origin = 0;
  #notedMissing = false;
  #notedPercpu = false;

  constructor(options: GlancesRestSourceOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new InvalidOptionError(
        "glancesUrl",
        `glances URL "${options.url}" is not a URL (expected http://host:port)`,
      );
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
      throw new InvalidOptionError("glancesUrl", `glances URL "${options.url}" must be http:// or https://`);
    }
    let base = url.href.replace(/\/+$/, "");
    const apiAt = base.search(/\/api\/\d+$/);
    if (apiAt !== -1) base = base.slice(0, apiAt);
    this.#base = base;
    this.#dispatcher = options.dispatcher;
    this.#timeoutMs = options.timeoutMs;
  }

  async #get(path: string, context: SourceContext): Promise<{ status: number; body: Json }> {
    const url = `${this.#base}/api/${this.#api}/${path}`;
    const timeout = this.#timeoutMs ?? Math.max(5000, context.interval * 2000);
    const { request } = await loadUndici();
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: "GET",
        headersTimeout: timeout,
        bodyTimeout: timeout,
        signal: context.signal,
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
    } catch (error) {
      throw new HttpError(url, `cannot reach Glances: ${(error as Error).message}`, undefined, {
        cause: error,
      });
    }
    const text = await response.body.text();
    if (response.statusCode !== 200) return { status: response.statusCode, body: undefined };
    try {
      return { status: 200, body: text.length === 0 ? undefined : JSON.parse(text) };
    } catch (error) {
      throw new FormatError(url, "the answer is not JSON", { cause: error });
    }
  }

  async open(context: SourceContext): Promise<SourceInfo> {
    let plugins: Json;
    for (const api of [4, 3]) {
      this.#api = api;
      const answer = await this.#get("pluginslist", context);
      if (answer.status === 200) {
        plugins = answer.body;
        break;
      }
    }
    if (!Array.isArray(plugins)) {
      throw new HttpError(
        `${this.#base}/api/{4,3}/pluginslist`,
        "no Glances API 4 or 3 answered (is it `glances -w`?)",
      );
    }
    this.#plugins = plugins.map(String);
    // 4.x says its version in /status; 3.x's /status is empty, its /help says "Glances 3.3.1.1".
    let sourceVersion = `api-${this.#api}`;
    const about = await this.#get(this.#api >= 4 ? "status" : "help", context).catch(() => undefined);
    const version = (about?.body as { version?: unknown } | undefined)?.version;
    if (typeof version === "string") sourceVersion = version.replace(/^Glances\s+/, "");
    let host: string | undefined;
    if (this.#plugins.includes("system")) {
      const system = await this.#get("system", context).catch(() => undefined);
      const hostname = (system?.body as { hostname?: unknown } | undefined)?.hostname;
      if (typeof hostname === "string") host = hostname;
    }
    // A first poll starts Glances' own deltas from now.
    await this.#poll(context);
    this.#origin = context.clock.monotonic();
    return { sourceVersion, ...(host ? { host } : {}) };
  }

  async #poll(context: SourceContext): Promise<Map<string, Json>> {
    const wanted = [
      "cpu",
      "percpu",
      "load",
      "mem",
      "memswap",
      "network",
      "diskio",
      this.#api >= 4 ? "containers" : "docker",
    ];
    const available = wanted.filter((plugin) => this.#plugins.includes(plugin));
    const answers = await mapWithConcurrency(available, MAX_PARALLEL_REQUESTS, (plugin) =>
      this.#get(plugin, context),
    );
    const result = new Map<string, Json>();
    available.forEach((plugin, index) => {
      const answer = answers[index];
      if (answer?.status === 200) result.set(plugin === "docker" ? "containers" : plugin, answer.body);
    });
    return result;
  }

  async run(context: SourceContext): Promise<void> {
    let tick = 0;
    while (!context.signal.aborted) {
      tick = await waitForNextTick(context, this.#origin, tick);
      if (context.signal.aborted) return;
      let stats: Map<string, Json>;
      try {
        stats = await this.#poll(context);
      } catch (error) {
        if (context.signal.aborted) return;
        throw error;
      }
      const time = context.clock.now();
      if (!stats.has("cpu") && !this.#notedMissing) {
        this.#notedMissing = true;
        context.emit({ type: "note", time, message: `${this.#base}: the cpu plugin is not available` });
      }
      const cachedCpuTotal = this.#api < 4;
      if (cachedCpuTotal && stats.has("percpu") && !this.#notedPercpu) {
        this.#notedPercpu = true;
        context.emit({ type: "note", time, message: `${this.#base}: ${GLANCES_3_PERCPU_NOTE}` });
      }
      const view = new JsonView(stats, this.#api);
      context.emit({ type: "sample", time, values: glancesToValues(view, { cachedCpuTotal }) });
    }
  }

  async close(): Promise<void> {}
}

/** Glances REST answers seen as a `GlancesView`; 3.x docker items are given 4.x's per-second fields. */
class JsonView implements GlancesView {
  readonly #stats: Map<string, Json>;
  readonly #items = new Map<string, Map<string, Record<string, unknown>>>();

  constructor(stats: Map<string, Json>, api: number) {
    this.#stats = stats;
    for (const plugin of LIST_PLUGINS) {
      let list = stats.get(plugin);
      if (plugin === "containers" && list && !Array.isArray(list)) {
        list = (list as { containers?: unknown }).containers;
      }
      const items = new Map<string, Record<string, unknown>>();
      if (Array.isArray(list)) {
        for (const entry of list as Record<string, unknown>[]) {
          const keyField = typeof entry.key === "string" ? entry.key : "name";
          const key = String(entry[keyField] ?? entry.name ?? items.size);
          items.set(key, plugin === "containers" && api < 4 ? dockerV3ToV4(entry) : entry);
        }
      }
      this.#items.set(plugin, items);
    }
  }

  field(plugin: string, name: string): GlancesRaw {
    const stats = this.#stats.get(plugin);
    if (!stats || typeof stats !== "object" || Array.isArray(stats)) return undefined;
    return (stats as Record<string, GlancesRaw>)[name];
  }

  keys(plugin: string): readonly string[] {
    return [...(this.#items.get(plugin)?.keys() ?? [])];
  }

  item(plugin: string, key: string, name: string): GlancesRaw {
    const value = this.#items.get(plugin)?.get(key)?.[name];
    return typeof value === "object" ? undefined : (value as GlancesRaw);
  }
}

/** 3.x `/docker` items carry io/network deltas with their own `time_since_update`: make them bytes/s. */
function dockerV3ToV4(entry: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = { ...entry };
  const io = entry.io as Record<string, unknown> | undefined;
  const network = entry.network as Record<string, unknown> | undefined;
  const memory = entry.memory as Record<string, unknown> | undefined;
  const ioSeconds = toNumber(io?.time_since_update as GlancesRaw);
  if (io && ioSeconds) {
    result.io_rx = (toNumber(io.ior as GlancesRaw) ?? 0) / ioSeconds;
    result.io_wx = (toNumber(io.iow as GlancesRaw) ?? 0) / ioSeconds;
  }
  const networkSeconds = toNumber(network?.time_since_update as GlancesRaw);
  if (network && networkSeconds) {
    result.network_rx = (toNumber(network.rx as GlancesRaw) ?? 0) / networkSeconds;
    result.network_tx = (toNumber(network.tx as GlancesRaw) ?? 0) / networkSeconds;
  } else {
    delete result.network_rx;
    delete result.network_tx;
  }
  if (memory && toNumber(memory.limit as GlancesRaw) !== undefined) result.memory_limit = memory.limit;
  return result;
}
