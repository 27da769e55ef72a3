import { type LoopbackServer, startLoopbackServer } from "./loopback.js";

/**
 * Answers 200 after `holdMs` while at most `capacity` requests are in progress, and 503 at once to any
 * request above that: a service whose capacity is exactly `capacity` concurrent requests.
 */
export async function startCapacityServer(options: {
  capacity: number;
  holdMs: number;
}): Promise<LoopbackServer & { stats: { ok: number; rejected: number; maxInFlight: number } }> {
  let inFlight = 0;
  const stats = { ok: 0, rejected: 0, maxInFlight: 0 };
  const server = await startLoopbackServer((request, response) => {
    if (inFlight >= options.capacity) {
      stats.rejected += 1;
      response.writeHead(503, { "content-type": "text/plain" }).end("over capacity");
      return;
    }
    inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    setTimeout(() => {
      inFlight -= 1;
      stats.ok += 1;
      response.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    }, options.holdMs);
    request.resume();
  });
  return Object.assign(server, { stats });
}
