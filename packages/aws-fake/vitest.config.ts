import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { packageTestConfig } from "../../vitest.base.js";

// The fake's timers and scripts share two cores with the rest of the suite: polled expectations
// get room to see the state they wait for (a wait, not a timing assertion).
export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), {
  expect: { poll: { timeout: 15_000 } },
});
