import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { packageTestConfig } from "../../vitest.base.js";

// One test file at a time: the end-to-end runs pin a service and a load generator to the cores,
// and two sizings at once on a 2-core machine would measure each other.
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), { fileParallelism: false });
