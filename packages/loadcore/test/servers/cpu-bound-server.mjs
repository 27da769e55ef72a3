// A CPU-bound service, run in its own process: each request burns `WORK_MS` of CPU synchronously,
// so one core serves about 1000 / WORK_MS requests per second, whatever the concurrency.
import { createServer } from "node:http";

const workMs = Number(process.env.WORK_MS ?? "5");

function burn(milliseconds) {
  const end = performance.now() + milliseconds;
  let value = 0;
  while (performance.now() < end) value += Math.sqrt(value + 1);
  return value;
}

const server = createServer((request, response) => {
  request.resume();
  burn(workMs);
  response.writeHead(200, { "content-type": "text/plain" }).end("done");
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`listening on http://127.0.0.1:${server.address().port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
