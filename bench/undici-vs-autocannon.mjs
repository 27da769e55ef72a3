// A bare undici loop (bench/undici-loop.mjs) against autocannon at N connections, on the 100 ms nginx endpoint
// of the concurrency sweep (nginx on CPU 1, each tool pinned to CPU 0, 10 s, alternated): how close undici
// alone comes to autocannon, which bounds what loadcore, built on undici, can reach (issue #13). CPU per
// request is the whole run's user + system time (GNU time) over the requests completed.
//
//   node bench/undici-vs-autocannon.mjs [connections=5000] [rounds=2]
import { spawnSync } from "node:child_process";
import { findNginx } from "./lib/machine.mjs";
import { startNginxServer } from "./lib/servers.mjs";

const n = Number(process.argv[2] ?? 5000);
const rounds = Number(process.argv[3] ?? 2);
const server = await startNginxServer({ nginx: findNginx(), taskset: "taskset", cpu: 1, delayMs: 100 });
const ac = "node_modules/autocannon/autocannon.js";
const timed = (args) => {
  const r = spawnSync("/usr/bin/time", ["-f", "TIME %U %S %M", "taskset", "-c", "0", "node", ...args], {
    encoding: "utf8",
    maxBuffer: 1e8,
  });
  const t = /TIME (\S+) (\S+) (\d+)/.exec(r.stderr);
  return { out: r.stdout, cpu: Number(t[1]) + Number(t[2]), rssMb: Number(t[3]) / 1024 };
};
for (let round = 0; round < rounds; round++) {
  const u = timed(["bench/undici-loop.mjs", server.url, String(n), "10"]);
  const rate = Number(/(\d+) req\/s/.exec(u.out)[1]);
  console.log(
    `undici loop  ${n}: ${rate} req/s, ${((u.cpu / (rate * 10)) * 1e6).toFixed(1)} µs CPU/request (whole run), RSS ${u.rssMb.toFixed(0)} MB`,
  );
  const a = timed([ac, "-c", String(n), "-d", "10", "-j", server.url]);
  const j = JSON.parse(a.out);
  const total = j.requests.total;
  console.log(
    `autocannon   ${n}: ${Math.round(total / 10)} req/s, ${((a.cpu / total) * 1e6).toFixed(1)} µs CPU/request (whole run), RSS ${a.rssMb.toFixed(0)} MB, p50 ${j.latency.p50} ms`,
  );
}
await server.stop();
