export { type LoopbackServer, readBody, startLoopbackServer } from "./loopback-server.js";
export { type CliRun, type CliRunOptions, runCli, startCli } from "./run-cli.js";
export { temporaryFolder } from "./temporary-folder.js";
