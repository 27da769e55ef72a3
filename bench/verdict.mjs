#!/usr/bin/env node
// The verdict's accuracy: `sizer run` against the ground-truth services (apps/sizer/test/fixtures/
// ground-truth-service.mjs), each several times, the headline's capacity against the truth the service
// measured in the same run; then one run against a real third-party server from npm (json-server,
// installed into a temp folder), whose verdict is printed to be judged. Run `npm run build` first.
// `node bench/verdict.mjs --help` for the flags.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GROUND_TRUTH_RUNS, verdictAgainstTruth } from "../apps/sizer/test/fixtures/truth.mjs";
import { BenchError } from "./lib/errors.mjs";
import { helpText, parseFlags } from "./lib/flags.mjs";
import { markdownTable } from "./lib/format.mjs";
import { repositoryRoot } from "./lib/load-tools.mjs";
import { readLoadAverage } from "./lib/proc.mjs";
import { runScript, writeResults } from "./lib/script.mjs";
import { median } from "./lib/statistics.mjs";

const sizerCli = join(repositoryRoot, "apps", "sizer", "dist", "cli.js");
const fixtures = join(repositoryRoot, "apps", "sizer", "test", "fixtures");
/** The json-server release measured: 0.17 keeps its whole database in one JSON file it rewrites on every write. */
const JSON_SERVER = "json-server@0.17.4";

/** @type {Record<string, import("./lib/flags.mjs").FlagSpec>} */
const FLAGS = {
  runs: { type: "integer", min: 1, max: 20, default: 3, description: "runs per ground-truth service" },
  services: {
    type: "list",
    choices: ["cpu", "decline", "concurrency", "rate", "rate-arrival", "cpu-arrival"],
    default: ["cpu", "decline", "concurrency", "rate"],
    description: "ground-truth services to size",
  },
  "third-party": {
    type: "boolean",
    default: false,
    description: `also size ${JSON_SERVER}, installed from npm into a temp folder`,
  },
  "only-third-party": { type: "boolean", default: false, description: "size json-server only" },
  output: { type: "string", description: "results JSON (default bench/results/verdict-<date>.json)" },
};

const USAGE = "node bench/verdict.mjs [flags]";
const SUMMARY =
  "Sizes each ground-truth service --runs times with the built sizer CLI and prints the headline's\n" +
  "capacity against the truth the service measured over the same seconds, the spread, the stop reason,\n" +
  "the bottleneck and the trust badge; with --third-party, sizes json-server too and prints its verdict.\n" +
  "Exit codes: 0 done, 1 a run failed, 2 bad flag, 3 sizer is not built.";

/** Runs a command, its output kept; resolves with its exit code and output. */
function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => {
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      output += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, output }));
  });
}

function loadNow() {
  return readLoadAverage().one.toFixed(2);
}

/** One `sizer run` into a new folder of `work`; returns the folder and sizer's exit code. */
async function sizerRun(work, name, args, env = {}) {
  const out = join(work, name);
  const started = Date.now();
  const { code, output } = await run(process.execPath, [sizerCli, "run", ...args, "--out", out, "--quiet"], {
    env: { ...process.env, ...env },
  });
  if (code !== 0 && code !== 3)
    throw new BenchError(`sizer exited ${code} on ${name}:\n${output}`, {
      code: "ERR_BENCH_RUN",
      exitCode: 1,
    });
  return { out, code, seconds: (Date.now() - started) / 1000 };
}

async function groundTruth(work, flags) {
  const rows = [];
  for (const mode of flags.services) {
    const { serviceEnv, load, env } = GROUND_TRUTH_RUNS[mode];
    for (let index = 1; index <= flags.runs; index++) {
      const loadBefore = loadNow();
      const { out, seconds } = await sizerRun(
        work,
        `${mode}-${index}`,
        [
          "--service-cmd",
          `node ${join(fixtures, "ground-truth-service.mjs")}`,
          ...Object.entries(serviceEnv).flatMap(([key, value]) => ["--service-env", `${key}=${value}`]),
          "--scenario",
          join(fixtures, "truth-scenario.ts"),
          ...load,
        ],
        env,
      );
      const { summary, expected, measured } = verdictAgainstTruth(out);
      const { capacity, bottleneck, trust } = summary.analysis;
      const row = {
        mode,
        run: index,
        measured,
        truth: expected,
        ratio: measured !== null && expected ? measured / expected : null,
        levelFrom: capacity.levelFrom,
        stopReason: capacity.stopReason,
        bottleneck: `${bottleneck.resource}/${bottleneck.scope}`,
        trustworthy: trust.trustworthy,
        warnings: trust.warnings,
        loadBefore,
        loadAfter: loadNow(),
        seconds,
        headline: summary.analysis.headline,
      };
      rows.push(row);
      console.log(
        `${mode} #${index}: ${fmt(measured)} req/s vs truth ${fmt(expected)} (${pct(row.ratio)}), ${row.levelFrom}, stop ${row.stopReason}, ${row.bottleneck}, ${row.trustworthy ? "trusted" : `NOT trusted (${row.warnings.length} warnings)`}, load ${loadBefore} -> ${row.loadAfter}, ${seconds.toFixed(0)} s`,
      );
    }
  }
  console.log("");
  const table = flags.services.map((mode) => {
    const mine = rows.filter((row) => row.mode === mode && row.ratio !== null);
    const ratios = mine.map((row) => row.ratio);
    const within = mine.filter((row) => Math.abs(row.ratio - 1) <= 0.1).length;
    const flagged = mine.filter((row) => Math.abs(row.ratio - 1) > 0.1 && !row.trustworthy).length;
    return [
      mode,
      String(mine.length),
      ratios.length ? pct(median(ratios)) : "n/a",
      ratios.length ? `${pct(Math.min(...ratios))} .. ${pct(Math.max(...ratios))}` : "n/a",
      `${within}/${mine.length}`,
      `${flagged}`,
    ];
  });
  console.log(
    markdownTable(
      [
        "service",
        "runs",
        "median capacity/truth",
        "spread (min .. max)",
        "within 10%",
        "off >10% but flagged untrusted",
      ],
      table,
    ),
  );
  return rows;
}

/** json-server 0.17 with 200 posts, a scenario that reads the list and sometimes writes one. */
async function thirdParty(work) {
  const folder = join(work, "json-server");
  console.log(`\ninstalling ${JSON_SERVER} into ${folder} (npm) ...`);
  const install = await run("npm", ["install", "--prefix", folder, "--no-audit", "--no-fund", JSON_SERVER]);
  if (install.code !== 0)
    throw new BenchError(`npm install ${JSON_SERVER} failed:\n${install.output}`, {
      code: "ERR_BENCH_INSTALL",
      exitCode: 1,
    });
  const posts = Array.from({ length: 200 }, (_, id) => ({
    id: id + 1,
    title: `post ${id + 1}`,
    body: "x".repeat(200),
  }));
  writeFileSync(join(folder, "db.json"), JSON.stringify({ posts }));
  writeFileSync(
    join(folder, "loadtest.ts"),
    `// Read-mostly: 9 in 10 runs read the posts, 1 in 10 adds one (json-server rewrites db.json on each write).
import { scenario } from "@sizer/loadcore";
const url = process.env.SERVER_URL;
scenario({ weight: 9 }, async function readPosts(session) {
  await session.get(\`\${url}/posts?_limit=20\`, { expect: 200 });
});
scenario({ weight: 1 }, async function addPost(session) {
  await session.post(\`\${url}/posts\`, { json: { title: "new", body: "y".repeat(200) }, expect: 201 });
});
`,
  );
  const loadBefore = loadNow();
  const bin = join(folder, "node_modules", "json-server", "lib", "cli", "bin.js");
  const { out, seconds } = await sizerRun(work, "json-server-run", [
    "--service-cmd",
    `node ${bin} db.json --host 127.0.0.1 --port $PORT`,
    "--service-cwd",
    folder,
    "--scenario",
    join(folder, "loadtest.ts"),
    ...["--workers", "60", "--ramp-up", "40", "--sizing-window", "10", "--duration", "70"],
  ]);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8"));
  const { analysis } = summary;
  console.log(`json-server run (${seconds.toFixed(0)} s, load ${loadBefore} -> ${loadNow()}), ${out}:`);
  console.log(analysis.headline);
  for (const fact of analysis.bottleneck.evidence) console.log(`  - ${fact}`);
  for (const warning of analysis.trust.warnings) console.log(`  warning: ${warning}`);
  return {
    headline: analysis.headline,
    capacity: analysis.capacity,
    bottleneck: analysis.bottleneck,
    trust: analysis.trust,
  };
}

function fmt(value) {
  return value === null || value === undefined ? "n/a" : Math.round(value).toLocaleString("en-US");
}

function pct(ratio) {
  return ratio === null || ratio === undefined ? "n/a" : `${(ratio * 100).toFixed(1)}%`;
}

async function main(argv) {
  const flags = parseFlags(argv, FLAGS);
  if (flags.help) {
    console.log(helpText(USAGE, SUMMARY, FLAGS));
    return 0;
  }
  try {
    readFileSync(sizerCli);
  } catch {
    throw new BenchError(`the sizer CLI is not built (${sizerCli}); run npm run build first`, {
      code: "ERR_BENCH_PREREQUISITE",
      exitCode: 3,
    });
  }
  const startedAt = new Date();
  const work = mkdtempSync(join(tmpdir(), "sizer-verdict-bench-"));
  console.log(
    `sizer verdict benchmark, ${startedAt.toISOString()}, load average ${loadNow()}, work folder ${work}`,
  );
  try {
    const rows = flags["only-third-party"] ? [] : await groundTruth(work, flags);
    const jsonServer = flags["third-party"] || flags["only-third-party"] ? await thirdParty(work) : null;
    const path = writeResults("verdict", startedAt, flags.output, { startedAt, runs: rows, jsonServer });
    console.log(`\nresults: ${path}; run folders kept in ${work}`);
    return 0;
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

runScript("verdict", main);
