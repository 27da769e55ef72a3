import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpPools } from "../http/http-pools.js";
import { RequestDeadlines } from "../http/request-deadlines.js";
import { RUN_LAG, Session, type SessionRuntime } from "../http/session.js";
import { StatsAggregator, StatsRecorder } from "../stats/stats.js";

/** Requests of the warm-up, and how many are in flight at once. */
const WARM_UP_REQUESTS = 256;
const WARM_UP_CONCURRENCY = 8;
/**
 * Seconds of statistics the warm-up closes, its requests shared between them: a run's first close of a
 * second ran cold, 25 to 55 ms at `--rate 5000` on a busy core (11 to 21 ms after this warm-up), and the runs
 * due meanwhile waited for it.
 */
const WARM_UP_SECONDS = 3;
const WARM_UP_TIMEOUT_MS = 5000;

/**
 * Sends a few hundred requests through a throwaway session to a server of its own on loopback, so that
 * an arrival-rate schedule's clock starts on warm code: a process's first request compiles undici's
 * HTTP parser (WebAssembly, 10 to 30 ms) and runs the request path cold, and the runs due meanwhile
 * piled up at the start. Their statistics are then closed as a run's seconds are, in a throwaway
 * aggregator ({@link WARM_UP_SECONDS}). Nothing reaches the target, nothing is recorded in the run's
 * statistics, and a failure only leaves the code cold.
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
    const recorder = new StatsRecorder();
    const runtime: SessionRuntime = {
      pools,
      recorder,
      listeners: [],
      timeoutMs: WARM_UP_TIMEOUT_MS,
      deadlines,
      verbose: 0,
      print: () => {},
      discarding: false,
    };
    const sessions = Array.from(
      { length: WARM_UP_CONCURRENCY },
      (_, index) => new Session(runtime, { workerId: -1 - index, processIndex: 0, step: 0, options: {} }),
    );
    const aggregator = new StatsAggregator({ startTime: Date.now() });
    const perSession = Math.ceil(WARM_UP_REQUESTS / (WARM_UP_CONCURRENCY * WARM_UP_SECONDS));
    for (let second = 0; second < WARM_UP_SECONDS; second += 1) {
      await Promise.all(
        sessions.map(async (session) => {
          for (let sent = 0; sent < perSession; sent += 1) {
            const start = performance.now();
            session[RUN_LAG] = 0;
            await session.get(url, { expect: 200 });
            recorder.recordScenario("warm-up", performance.now() - start);
          }
        }),
      );
      const interval = recorder.drain();
      aggregator.add(interval);
      const runs = interval.ok + interval.failed;
      aggregator.closeSecond(
        Date.now(),
        WARM_UP_CONCURRENCY,
        { cpuPercent: 0, eventLoopDelayMs: 0 },
        { targetRate: runs, started: runs, dropped: 0 },
      );
    }
  } catch {
    // a generator that cannot reach its own loopback server still runs, only colder at the start
  } finally {
    await pools.destroy();
    deadlines.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
