import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { packageTestConfig } from "../vitest.base.ts";

export default packageTestConfig(dirname(fileURLToPath(import.meta.url)), {
  include: ["test/**/*.test.mjs"],
});
