// An HTTP server on 127.0.0.1 with a known limit, in its own process (its event loop is not the load
// generator's, as in production). LIMIT=rate: a token bucket of RATE requests a second (bursts of
// BURST), 429 over. LIMIT=concurrency: CONCURRENCY requests at once, each SERVICE_MS long, the others
// wait in line. LIMIT=stall: answers at once, except for 1 s every 5 s from its first request's 2nd
// second on, when answers wait for the stall's end. Prints "listening on http://127.0.0.1:PORT".
import { createServer } from "node:http";

const limit = process.env.LIMIT ?? "rate";

function rateLimited(perSecond, burst) {
  let tokens = burst;
  let refilledAt = performance.now();
  return (_request, response) => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * perSecond);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      response.writeHead(200).end("ok");
    } else {
      response.writeHead(429).end("slow down");
    }
  };
}

function concurrencyLimited(concurrency, serviceMs) {
  let busy = 0;
  const line = [];
  const next = () => {
    while (busy < concurrency && line.length > 0) {
      const response = line.shift();
      busy += 1;
      setTimeout(() => {
        response.writeHead(200).end("ok");
        busy -= 1;
        next();
      }, serviceMs);
    }
  };
  return (_request, response) => {
    line.push(response);
    next();
  };
}

function stalling() {
  let firstAt;
  return (_request, response) => {
    const now = Date.now();
    firstAt ??= now;
    const phase = (now - firstAt) % 5000;
    const wait = phase >= 2000 && phase < 3000 ? 3000 - phase : 0;
    setTimeout(() => response.writeHead(200).end("ok"), wait);
  };
}

const handlers = {
  rate: () => rateLimited(Number(process.env.RATE ?? "200"), Number(process.env.BURST ?? "20")),
  concurrency: () =>
    concurrencyLimited(Number(process.env.CONCURRENCY ?? "20"), Number(process.env.SERVICE_MS ?? "50")),
  stall: stalling,
};
const handle = handlers[limit]?.();
if (handle === undefined) {
  process.stderr.write(`LIMIT must be rate, concurrency or stall, got ${limit}\n`);
  process.exit(2);
}
const server = createServer((request, response) => {
  request.resume();
  handle(request, response);
});
server.keepAliveTimeout = 60_000;
server.listen({ port: 0, host: "127.0.0.1", backlog: 8192 }, () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
