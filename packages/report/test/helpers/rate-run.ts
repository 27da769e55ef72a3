// Results of real arrival-rate runs: loadcore's runLoad against a loopback server of known limit,
// written and read back through the report's reader (loadcore's parseResults), so the report reads what loadcore writes.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { runLoad } from "@sizer/loadcore";
import { readResultsFile } from "../../src/inputs/read-results.js";
import type { LoadResultsInput } from "../../src/inputs/types.js";

const SCENARIO = `
import { scenario } from "@sizer/loadcore";
scenario(async function hit(session) { await session.get(process.env.SERVER_URL + "/", { expect: 200 }); });
`;

/**
 * A loopback server: a token bucket of `rate` requests/s (429 past it), each answer after `delayMs`,
 * at most `concurrency` requests served at once (the others queue, as a worker pool's would).
 */
export async function limitedServer(options: {
  rate?: number;
  delayMs?: number;
  concurrency?: number;
}): Promise<{
  url: string;
  close(): Promise<void>;
}> {
  const rate = options.rate ?? Number.POSITIVE_INFINITY;
  const burst = Number.isFinite(rate) ? Math.max(1, rate / 10) : Number.POSITIVE_INFINITY;
  let tokens = burst;
  let last = performance.now();
  const concurrency = options.concurrency ?? Number.POSITIVE_INFINITY;
  const queue: Array<() => void> = [];
  let inFlight = 0;
  const admit = (start: () => void) => {
    if (inFlight < concurrency) {
      inFlight += 1;
      start();
    } else queue.push(start);
  };
  const release = () => {
    inFlight -= 1;
    const next = queue.shift();
    if (next) admit(next);
  };
  const server: Server = createServer((_request, response) => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - last) / 1000) * rate);
    last = now;
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    const answer = () => {
      response.writeHead(allowed ? 200 : 429, { "content-type": "text/plain" });
      response.end(allowed ? "ok" : "slow down");
    };
    admit(() => {
      const finish = () => {
        answer();
        release();
      };
      if (options.delayMs) setTimeout(finish, options.delayMs);
      else finish();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const sink = { write: () => true } as unknown as Writable;

/** Runs loadcore with `options` against `url`, writes its results file and reads it back as the report does. */
export async function arrivalRateRun(
  url: string,
  options: Record<string, unknown>,
): Promise<LoadResultsInput> {
  const folder = mkdtempSync(join(tmpdir(), "report-rate-"));
  writeFileSync(join(folder, "loadtest.mjs"), SCENARIO);
  const output = join(folder, "results.json");
  try {
    await runLoad({
      scenarioFile: "loadtest.mjs",
      cwd: folder,
      env: { SERVER_URL: url },
      stdout: sink,
      stderr: sink,
      quiet: true,
      output,
      ...options,
    });
    return await readResultsFile(output);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
