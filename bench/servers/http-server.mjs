// The Node target server of the benchmarks, run in its own process: answers every request with
// "hello" and status `--status` (200), after `--delay-ms` milliseconds when given. Prints
// "listening <url>" once ready. Usage: node bench/servers/http-server.mjs [--port 0] [--delay-ms 0] [--status 200]
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "0" },
    "delay-ms": { type: "string", default: "0" },
    status: { type: "string", default: "200" },
  },
});
const port = Number(values.port);
const delayMs = Number(values["delay-ms"]);
const status = Number(values.status);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error(`--port expects a TCP port (0-65535), got "${values.port}"`);
  process.exit(2);
}
if (!Number.isFinite(delayMs) || delayMs < 0) {
  console.error(`--delay-ms expects a number of milliseconds >= 0, got "${values["delay-ms"]}"`);
  process.exit(2);
}
if (!Number.isInteger(status) || status < 200 || status > 599) {
  console.error(`--status expects an HTTP status (200-599), got "${values.status}"`);
  process.exit(2);
}

const body = Buffer.from("hello");
const headers = { "content-type": "text/plain", "content-length": body.length };

const server = createServer((request, response) => {
  request.resume();
  if (delayMs === 0) {
    response.writeHead(status, headers).end(body);
    return;
  }
  setTimeout(() => response.writeHead(status, headers).end(body), delayMs);
});
// Load generators keep their connections open for the whole run, whatever the pauses between runs.
server.keepAliveTimeout = 120_000;
server.headersTimeout = 121_000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;

server.listen({ port, host: "127.0.0.1", backlog: 8192 }, () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the server has no TCP address");
  console.log(`listening http://127.0.0.1:${address.port}/`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
