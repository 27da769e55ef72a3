import { createServer, type Server } from "node:http";

/** A scripted loopback HTTP server: 404 for paths starting with `/missing`, 200 otherwise; counts every path. */
export interface CountingServer {
  url: string;
  /** Requests received, by path. */
  hits: Map<string, number>;
  total(): number;
  /** Resolves once at least `count` requests arrived. */
  waitForRequests(count: number): Promise<void>;
  reset(): void;
  stop(): Promise<void>;
}

export async function startCountingServer(): Promise<CountingServer> {
  const hits = new Map<string, number>();
  let waiters: Array<{ count: number; resolve: () => void }> = [];
  const total = () => [...hits.values()].reduce((sum, value) => sum + value, 0);
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://127.0.0.1").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    response.statusCode = path.startsWith("/missing") ? 404 : 200;
    response.setHeader("content-type", "text/plain");
    response.end(`${path}\n`);
    const reached = total();
    waiters = waiters.filter((waiter) => {
      if (reached >= waiter.count) waiter.resolve();
      return reached < waiter.count;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    hits,
    total,
    waitForRequests: (count) =>
      total() >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve })),
    reset: () => hits.clear(),
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
