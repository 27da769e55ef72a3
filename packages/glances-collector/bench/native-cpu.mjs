// The native collector's own CPU at a 1 s interval over 60 s: host metrics, a process tree and the
// cgroup of this process. The tree is this process's by default (a small service); pass 1 to watch
// every process on the machine (the largest tree). Target: under 1% of one core.
// Usage: node bench/native-cpu.mjs [seconds] [interval] [pid]
import { createCollector } from "../dist/index.js";

const seconds = Number(process.argv[2] ?? 60);
const interval = Number(process.argv[3] ?? 1);
const pid = Number(process.argv[4] ?? process.pid);
const collector = createCollector({
  interval,
  pid,
  containers: [`pid:${process.pid}`],
  duration: seconds,
});
await collector.start();
const cpuStart = process.cpuUsage();
const wallStart = performance.now();
let samples = 0;
let metrics = 0;
let processes = 0;
// Steady state: from the 5th sample on, once V8 has compiled the sampling code.
let steadyCpu;
let steadyWall;
for await (const sample of collector) {
  samples++;
  if (samples === 5) {
    steadyCpu = process.cpuUsage();
    steadyWall = performance.now();
  }
  metrics = Object.keys(sample.values).length;
  processes = sample.values["process.count"] ?? processes;
}
const cpu = process.cpuUsage(cpuStart);
const wall = (performance.now() - wallStart) / 1000;
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const steady = process.cpuUsage(steadyCpu);
const steadySeconds = (steady.user + steady.system) / 1e6;
const steadyWallSeconds = (performance.now() - steadyWall) / 1000;
console.log(
  JSON.stringify({
    node: process.version,
    seconds: Number(wall.toFixed(1)),
    interval,
    pid: pid === process.pid ? "self" : pid,
    samples,
    metricsPerSample: metrics,
    processesInTree: processes,
    cpuSeconds: Number(cpuSeconds.toFixed(3)),
    percentOfOneCore: Number(((cpuSeconds / wall) * 100).toFixed(2)),
    steadyPercentOfOneCore: Number(((steadySeconds / steadyWallSeconds) * 100).toFixed(2)),
    targetPercent: 1,
  }),
);
