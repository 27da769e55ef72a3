// A bare closed loop over undici's Client.dispatch, the layer loadcore's sessions use: the reference
// for "how much of loadcore's cost is undici's". N async loops each take an idle Client (one socket,
// no pipelining) from a stack, send GET and read the whole answer, as loadcore does, with no statistics.
//
//   taskset -c 0 node bench/undici-loop.mjs http://127.0.0.1:8080/ [concurrency=50] [seconds=10]
//
// Prints one line: requests/s, and the CPU the process used (1.00 = one core).
import { createRequire } from "node:module";

const [url, concurrencyText = "50", secondsText = "10"] = process.argv.slice(2);
const concurrency = Number(concurrencyText);
const seconds = Number(secondsText);
if (url === undefined || !/^https?:\/\//.test(url) || !(concurrency >= 1) || !(seconds > 0)) {
  console.error("usage: node bench/undici-loop.mjs URL [concurrency=50] [seconds=10]");
  process.exit(2);
}
const require = createRequire(new URL("../packages/loadcore/package.json", import.meta.url));
const Client = require("undici/lib/dispatcher/client.js");
const target = new URL(url);
const idle = [];
let completed = 0;

function get() {
  return new Promise((resolve, reject) => {
    const client = idle.pop() ?? new Client(target.origin, { pipelining: 1 });
    let status = 0;
    client.dispatch(
      { path: `${target.pathname}${target.search}`, method: "GET", headers: {} },
      {
        onConnect() {},
        onHeaders(statusCode) {
          status = statusCode;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          idle.push(client);
          completed++;
          resolve(status);
        },
        onError(error) {
          reject(error);
        },
      },
    );
  });
}

const end = performance.now() + seconds * 1000;
async function loop() {
  while (performance.now() < end) {
    const status = await get();
    if (status !== 200) throw new Error(`expected 200, got ${status}`);
  }
}
const cpuBefore = process.cpuUsage();
await Promise.all(Array.from({ length: concurrency }, loop));
const cpu = process.cpuUsage(cpuBefore);
console.log(
  `undici loop: ${Math.round(completed / seconds)} req/s, CPU ${((cpu.user + cpu.system) / 1e6 / seconds).toFixed(2)}`,
);
process.exit(0);
