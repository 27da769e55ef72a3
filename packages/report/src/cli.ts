#!/usr/bin/env node
import { runCli } from "./run-cli.js";

// A closed pipe (`| head`) ends the printing, not the work: results and reports are still written.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
});

process.exitCode = await runCli(process.argv.slice(2));
