#!/usr/bin/env node
// Sums the JSON reports that every package's vitest run writes to .tmp/test-results/ and prints
// the closing line `N passed, N failed`. A test file that failed to load counts as one failure.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const folder = join(dirname(fileURLToPath(import.meta.url)), "..", ".tmp", "test-results");
let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of existsSync(folder) ? readdirSync(folder) : []) {
  if (!file.endsWith(".json")) continue;
  const report = JSON.parse(readFileSync(join(folder, file), "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + (report.numTodoTests ?? 0);
  for (const suite of report.testResults ?? []) {
    if (suite.status === "failed" && suite.assertionResults.length === 0) failed += 1;
  }
  console.log(
    `${file.replace(/\.json$/, "")}: ${report.numPassedTests} passed, ${report.numFailedTests} failed`,
  );
}
if (process.argv.includes("--command-failed") && failed === 0) {
  console.log("the test command failed outside any test (a build or a package without a report)");
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
