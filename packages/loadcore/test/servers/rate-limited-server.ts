import { type LoopbackServer, startLoopbackServer } from "./loopback.js";

/**
 * Answers 200 to the first `perWindow` requests of each `windowMs` window and 429 to the others
 * (a fixed-window rate limit, counted by request, not by time, within the window).
 */
export async function startRateLimitedServer(options: {
  perWindow: number;
  windowMs: number;
}): Promise<LoopbackServer & { stats: { ok: number; limited: number } }> {
  const stats = { ok: 0, limited: 0 };
  let windowStart = Date.now();
  let used = 0;
  const server = await startLoopbackServer((request, response) => {
    request.resume();
    const now = Date.now();
    if (now - windowStart >= options.windowMs) {
      windowStart = now;
      used = 0;
    }
    if (used >= options.perWindow) {
      stats.limited += 1;
      response.writeHead(429, { "retry-after": "1" }).end("slow down");
      return;
    }
    used += 1;
    stats.ok += 1;
    response.writeHead(200).end("ok");
  });
  return Object.assign(server, { stats });
}
