#!/usr/bin/env node
// Benchmark: 200 Run Command commands over 20 fake instances with throttling on, every output checked.
// Usage: node bench/run-commands.mjs [--commands 200] [--instances 20] [--concurrency 20]
//        [--retry-mode adaptive|standard] [--poll-ms 200] [--no-throttle]
// Needs the packages built (npm run build at the root). Prints one JSON object with the figures.
import { createHash } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { managedInstances, startAwsFake } from "@sizer/aws-fake";
import { createAwsClients, runCommand } from "@sizer/ssm-client";

const { values } = parseArgs({
  options: {
    commands: { type: "string", default: "200" },
    instances: { type: "string", default: "20" },
    concurrency: { type: "string", default: "20" },
    "retry-mode": { type: "string", default: "adaptive" },
    "poll-ms": { type: "string", default: "200" },
    "no-throttle": { type: "boolean", default: false },
  },
});
const commandCount = Number(values.commands);
const instanceCount = Number(values.instances);
const concurrency = Number(values.concurrency);
const pollMs = Number(values["poll-ms"]);
for (const [name, value] of [
  ["commands", commandCount],
  ["instances", instanceCount],
  ["concurrency", concurrency],
  ["poll-ms", pollMs],
]) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`run-commands: --${name} must be a whole number >= 1`);
    process.exit(2);
  }
}
if (!["adaptive", "standard"].includes(values["retry-mode"])) {
  console.error("run-commands: --retry-mode must be adaptive or standard");
  process.exit(2);
}

// AWS's documented SSM rates are per account and region; these are deliberately tight so that
// the run meets throttling at every step: sending, polling, and the race right after sending.
const faults = values["no-throttle"]
  ? { invocationRaceMs: 500 }
  : {
      invocationRaceMs: 500,
      throttle: {
        SendCommand: { perSecond: 10 },
        GetCommandInvocation: { perSecond: 15 },
        GetObject: { every: 5 },
      },
    };
const fake = await startAwsFake({ instances: instanceCount, buckets: ["bench-outputs"], faults });
const clients = createAwsClients({
  endpoint: fake.endpoint,
  region: fake.region,
  credentials: fake.credentials,
  retryMode: values["retry-mode"],
});
const instanceIds = managedInstances(fake).map((instance) => instance.instanceId);

/** Every 10th command writes 30,000 characters (past the inline limit, so it comes from S3). */
function expectedOutput(index) {
  const size = index % 10 === 9 ? 30_000 : 2_000;
  const seed = createHash("sha256").update(`command-${index}`).digest("hex");
  return `${seed.repeat(Math.ceil(size / seed.length)).slice(0, size - 1)}\n`;
}

const load = { before: loadavg(), cores: cpus().length };
const started = performance.now();
let next = 0;
const latencies = [];
const failures = [];
const totals = { polls: 0, races: 0, throttled: 0, fromS3: 0 };
async function worker() {
  while (next < commandCount) {
    const index = next++;
    const instanceId = instanceIds[index % instanceIds.length];
    const expected = expectedOutput(index);
    const begin = performance.now();
    try {
      const result = await runCommand({
        ...clients,
        targets: { instanceIds: [instanceId] },
        script: `printf '%s' '${expected}'`,
        outputBucket: "bench-outputs",
        deadlineMs: 120_000,
        poll: { initialDelayMs: pollMs, maxDelayMs: pollMs * 5 },
      });
      const outcome = result.outcomes[0];
      totals.polls += result.stats.polls;
      totals.races += result.stats.races;
      totals.throttled += result.stats.throttled;
      if (outcome.outputSource === "s3") totals.fromS3 += 1;
      if (outcome.status !== "Success" || outcome.stdout !== expected) {
        failures.push({
          index,
          status: outcome.status,
          length: outcome.stdout.length,
          truncated: outcome.stdoutTruncated,
        });
      }
    } catch (error) {
      failures.push({ index, error: `${error.code ?? error.name}: ${error.message}` });
    }
    latencies.push(performance.now() - begin);
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
const elapsedMs = performance.now() - started;
latencies.sort((a, b) => a - b);
const percentile = (p) =>
  Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]);
const report = {
  commands: commandCount,
  instances: instanceCount,
  concurrency,
  retryMode: values["retry-mode"],
  pollInitialMs: pollMs,
  throttling: !values["no-throttle"],
  intact: commandCount - failures.length,
  failures: failures.slice(0, 10),
  elapsedSeconds: Number((elapsedMs / 1000).toFixed(2)),
  commandsPerSecond: Number((commandCount / (elapsedMs / 1000)).toFixed(2)),
  latencyMs: {
    p50: percentile(50),
    p90: percentile(90),
    p99: percentile(99),
    max: Math.round(latencies.at(-1)),
  },
  client: totals,
  fakeRefused: Object.fromEntries(fake.throttler.refused),
  fakeRacesAnswered: fake.ssm.racesAnswered,
  fakeCalls: Object.fromEntries(fake.calls),
  load: { ...load, after: loadavg() },
};
await fake.close();
console.log(JSON.stringify(report, null, 2));
process.exitCode = failures.length === 0 ? 0 : 1;
