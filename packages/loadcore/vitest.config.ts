import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { packageTestConfig } from "../../vitest.base.js";

// One test file at a time: the ground-truth sizings (a CPU-bound server, a 20-at-once limit, 5,000
// workers' timeouts) measure a server against the generator on a 2-core machine, and a second file
// running beside them would measure itself. The files mostly wait, so little time is lost.
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), { fileParallelism: false });
