import { defineConfig } from "tsup";
import { packageConfig } from "../../tsup.base.js";

export default defineConfig(packageConfig(["src/index.ts", "src/exit-codes.ts", "src/cli.ts"]));
