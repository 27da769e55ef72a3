// A service limited by CPU, run in its own process: each request waits IO_MS (like a database call),
// then burns WORK_MS of CPU synchronously. Throughput grows with concurrency until the one core is
// saturated (about 1000 / WORK_MS requests per second), then stays flat while latency rises.
import { createServer } from "node:http";

const ioMs = Number(process.env.IO_MS ?? "20");
const workMs = Number(process.env.WORK_MS ?? "5");

function burn(milliseconds) {
  const end = performance.now() + milliseconds;
  let value = 0;
  while (performance.now() < end) value += Math.sqrt(value + 1);
  return value;
}

const server = createServer((request, response) => {
  request.resume();
  setTimeout(() => {
    burn(workMs);
    response.writeHead(200, { "content-type": "text/plain" }).end("done");
  }, ioMs);
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
