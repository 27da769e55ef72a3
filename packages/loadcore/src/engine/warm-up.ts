import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpPools } from "../http/http-pools.js";
import { RequestDeadlines } from "../http/request-deadlines.js";
import { RUN_LAG, Session, type SessionRuntime } from "../http/session.js";
import { StatsRecorder } from "../stats/stats.js";

/** Requests of the warm-up, and how many are in flight at once. */
const WARM_UP_REQUESTS = 256;
const WARM_UP_CONCURRENCY = 8;
const WARM_UP_TIMEOUT_MS = 5000;

/**
 * Sends a few hundred requests through a throwaway session to a server of its own on loopback, so that
 * an arrival-rate schedule's clock starts on warm code: a process's first request compiles undici's
 * HTTP parser (WebAssembly, 10 to 30 ms) and runs the request path cold, and the runs due meanwhile
 * piled up at the start. Nothing reaches the target, nothing is recorded in the run's statistics, and
 * a failure only leaves the code cold.
 */
export async function warmUpHttp(): Promise<void> {
  const server = createServer((request, response) => {
    request.resume();
    response.end("ok");
  });
  const pools = new HttpPools({ connectTimeoutMs: WARM_UP_TIMEOUT_MS });
  const deadlines = new RequestDeadlines();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", resolve);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const runtime: SessionRuntime = {
      pools,
      recorder: new StatsRecorder(),
      listeners: [],
      timeoutMs: WARM_UP_TIMEOUT_MS,
      deadlines,
      verbose: 0,
      print: () => {},
      discarding: false,
    };
    const chains = Array.from({ length: WARM_UP_CONCURRENCY }, async (_, index) => {
      const session = new Session(runtime, { workerId: -1 - index, processIndex: 0, step: 0, options: {} });
      session[RUN_LAG] = 0;
      for (let sent = 0; sent < WARM_UP_REQUESTS / WARM_UP_CONCURRENCY; sent += 1)
        await session.get(url, { expect: 200 });
    });
    await Promise.all(chains);
  } catch {
    // a generator that cannot reach its own loopback server still runs, only colder at the start
  } finally {
    await pools.destroy();
    deadlines.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
