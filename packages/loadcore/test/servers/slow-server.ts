import { type LoopbackServer, startLoopbackServer } from "./loopback.js";

/** Answers 200 after `delayMs` (headers and body at once). */
export async function startSlowServer(options: { delayMs: number }): Promise<LoopbackServer> {
  const timers = new Set<NodeJS.Timeout>();
  const server = await startLoopbackServer((request, response) => {
    request.resume();
    const timer = setTimeout(() => {
      timers.delete(timer);
      if (!response.destroyed) response.writeHead(200).end("finally");
    }, options.delayMs);
    timers.add(timer);
  });
  const close = server.close;
  return Object.assign(server, {
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      await close();
    },
  });
}
