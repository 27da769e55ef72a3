#!/usr/bin/env node
// Sums the JSON reports that every package's vitest run writes to .tmp/test-results/, lists the
// skipped tests by name (with the reason their block's title gives) and prints the closing line
// `N passed, N failed[, N skipped]`. A test file that failed outside its tests (it did not load, or a
// hook threw) counts as one failure.
// --command-failed: the test command itself failed (counted as a failure when no test failed).
// --missing=a,b: system parts that were missing (named again next to the skipped tests).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const folder = join(root, ".tmp", "test-results");
const missing = process.argv.find((argument) => argument.startsWith("--missing="))?.slice(10);
let passed = 0;
let failed = 0;
let skipped = 0;
const skippedTests = [];
const failedFiles = [];
for (const file of existsSync(folder) ? readdirSync(folder).sort() : []) {
  if (!file.endsWith(".json")) continue;
  const report = JSON.parse(readFileSync(join(folder, file), "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  for (const suite of report.testResults ?? []) {
    const results = suite.assertionResults ?? [];
    if (suite.status === "failed" && !results.some((test) => test.status === "failed")) {
      // the file failed outside its tests: it did not load, or a beforeAll/afterAll hook threw
      failed += 1;
      const why = (suite.message ?? "").split("\n")[0].slice(0, 200);
      failedFiles.push(`${relative(root, suite.name)}${why ? `: ${why}` : ""}`);
    }
    for (const test of suite.assertionResults ?? []) {
      if (test.status === "pending" || test.status === "skipped" || test.status === "todo") {
        skippedTests.push(`${relative(root, suite.name)} > ${test.fullName}`);
      }
    }
  }
  console.log(
    `${file.replace(/\.json$/, "")}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`,
  );
}
for (const file of failedFiles) console.log(`failed outside its tests: ${file}`);
if (skippedTests.length > 0) {
  console.log(`skipped${missing ? ` (missing system parts: ${missing})` : ""}:`);
  for (const name of skippedTests.slice(0, 50)) console.log(`  - ${name}`);
  if (skippedTests.length > 50) console.log(`  ... and ${skippedTests.length - 50} more`);
}
if (process.argv.includes("--command-failed") && failed === 0) {
  console.log("the test command failed outside any test (a build or a package without a report)");
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
