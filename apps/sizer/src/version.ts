import { readFileSync } from "node:fs";

function readVersion(): string {
  for (const candidate of ["../package.json", "../../package.json"]) {
    try {
      const manifest = JSON.parse(readFileSync(new URL(candidate, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (manifest.name === "@sizer/cli" && manifest.version) return manifest.version;
    } catch {
      // Try the next location (dist/ or src/).
    }
  }
  return "0.0.0";
}

/** The version of sizer, from its package.json. */
export const VERSION: string = readVersion();
