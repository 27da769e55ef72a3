#!/usr/bin/env node
// Benchmark: the memory putFile needs to send a large local file (a `docker save` archive, say)
// to a fake instance through S3 (above 64 MiB a multipart upload: 64 MiB parts, each a bounded
// stream of the file, 4 at once; else one streamed PutObject) and in chunks. The fake runs in its own
// process (`aws-fake`, which keeps S3 objects in its memory): the figure is this process's peak
// RSS, sampled every 20 ms, beside the file's size. `--in-memory` also sends it as `content`
// (read whole first), for comparison.
// Usage: node bench/put-file-memory.mjs [--mib 512] [--chunks-mib 8] [--in-memory]
// Needs the packages built. Prints one JSON object with the figures.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createAwsClients, putFile } from "@sizer/ssm-client";

const { values } = parseArgs({
  options: {
    mib: { type: "string", default: "512" },
    "chunks-mib": { type: "string", default: "8" },
    "in-memory": { type: "boolean", default: false },
  },
});
const mib = Number(values.mib);
const chunksMib = Number(values["chunks-mib"]);
for (const [name, value] of [
  ["mib", mib],
  ["chunks-mib", chunksMib],
]) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`put-file-memory: --${name} must be a whole number >= 1`);
    process.exit(2);
  }
}

const folder = mkdtempSync(join(tmpdir(), "put-file-memory-"));
/** Writes `size` MiB of random bytes, one MiB at a time (never the whole file in memory). */
async function writeFile(path, size) {
  const out = createWriteStream(path);
  for (let index = 0; index < size; index++) {
    if (!out.write(randomBytes(1024 * 1024))) await new Promise((resolve) => out.once("drain", resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

/** Starts the `aws-fake` bin with one instance and a bucket; its endpoint and keys from what it prints. */
async function startFake() {
  const bin = createRequire(import.meta.url)
    .resolve("@sizer/aws-fake/package.json")
    .replace(/package\.json$/, "dist/cli.js");
  const child = spawn(process.execPath, [bin, "--instances", "1", "--bucket", "bench"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let printed = "";
  await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`aws-fake exited ${code}`)));
    child.stdout.on("data", (chunk) => {
      printed += chunk;
      if (/AWS_SECRET_ACCESS_KEY=/.test(printed) && printed.endsWith("\n")) resolve();
    });
  });
  const env = Object.fromEntries(
    [...printed.matchAll(/export (\w+)=(?:'([^']*)'|"([^"]*)"|(\S+))/g)].map((match) => [
      match[1],
      match[2] ?? match[3] ?? match[4],
    ]),
  );
  return { child, env };
}

/** Runs `work` while sampling this process's RSS; the peak above the level before it. */
async function peakRss(work) {
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, rssBeforeBytes: before, peakRssBytes: peak };
  } finally {
    clearInterval(sampler);
  }
}

const { child, env } = await startFake();
try {
  const clients = createAwsClients({
    endpoint: env.AWS_ENDPOINT_URL,
    region: env.AWS_REGION,
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
  });
  const { DescribeInstancesCommand } = await import("@aws-sdk/client-ec2");
  const described = await clients.ec2.send(new DescribeInstancesCommand({}));
  const instanceId = described.Reservations?.[0]?.Instances?.[0]?.InstanceId;
  const big = join(folder, "big.bin");
  const small = join(folder, "small.bin");
  await writeFile(big, mib);
  await writeFile(small, chunksMib);
  const common = { ...clients, instanceId, poll: { initialDelayMs: 100, maxDelayMs: 500 } };
  const figures = {
    fileBytes: mib * 1024 * 1024,
    load: loadavg().map((value) => Math.round(value * 100) / 100),
  };
  const s3 = await peakRss(() => putFile({ ...common, remotePath: "s3.bin", file: big, bucket: "bench" }));
  figures.s3File = {
    via: s3.result.via,
    bytes: s3.result.bytes,
    parts: s3.result.parts,
    rssBeforeBytes: s3.rssBeforeBytes,
    peakRssBytes: s3.peakRssBytes,
  };
  const chunks = await peakRss(() =>
    putFile({ ...common, remotePath: "chunks.bin", file: small, concurrency: 8 }),
  );
  figures.chunksFile = {
    via: chunks.result.via,
    bytes: chunks.result.bytes,
    rssBeforeBytes: chunks.rssBeforeBytes,
    peakRssBytes: chunks.peakRssBytes,
  };
  if (values["in-memory"]) {
    const inMemory = await peakRss(() =>
      putFile({ ...common, remotePath: "memory.bin", content: readFileSync(big), bucket: "bench" }),
    );
    figures.s3Content = {
      bytes: inMemory.result.bytes,
      rssBeforeBytes: inMemory.rssBeforeBytes,
      peakRssBytes: inMemory.peakRssBytes,
    };
  }
  figures.loadAfter = loadavg().map((value) => Math.round(value * 100) / 100);
  console.log(JSON.stringify(figures, null, 2));
} finally {
  child.kill("SIGINT");
  rmSync(folder, { recursive: true, force: true });
}
