import type { Socket } from "node:net";
import { type LoopbackServer, startLoopbackServer } from "./loopback.js";

/**
 * Closes keep-alive connections: with `mode: "header"` every response says `connection: close`;
 * with `mode: "abrupt"` the socket is ended right after every `every`-th response without warning the
 * client (the case that gave Molotov users ServerDisconnectedError).
 */
export async function startClosingServer(options: {
  mode: "header" | "abrupt";
  every?: number;
}): Promise<LoopbackServer & { stats: { connections: number; responses: number } }> {
  const stats = { connections: 0, responses: 0 };
  const served = new WeakMap<Socket, number>();
  const server = await startLoopbackServer((request, response) => {
    request.resume();
    stats.responses += 1;
    if (options.mode === "header") {
      response.writeHead(200, { connection: "close" }).end("bye");
      return;
    }
    const socket = request.socket;
    const count = (served.get(socket) ?? 0) + 1;
    served.set(socket, count);
    response.writeHead(200, { "content-length": "2" });
    response.end("ok", () => {
      if (count % (options.every ?? 1) === 0) socket.destroy();
    });
  });
  server.server.on("connection", () => {
    stats.connections += 1;
  });
  return Object.assign(server, { stats });
}
