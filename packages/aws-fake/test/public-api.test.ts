// The public API as a user gets it: the runtime exports of the built entry, each in the README.
import { join } from "node:path";
import { publicExports } from "@sizer/test-utils";
import { describe, expect, it } from "vitest";

/** What the built entry exports: a change here is a change of the public API (README, changeset). */
const EXPORTS = ["DEFAULT_FAKE_CREDENTIALS", "NO_ENGINE_NOTE", "managedInstances", "startAwsFake"];

describe("the public API, as built", () => {
  it("is the built entry's runtime exports, each one documented in the README", async () => {
    const { names, undocumented } = await publicExports(join(import.meta.dirname, ".."));
    expect(names).toEqual(EXPORTS);
    expect(undocumented).toEqual([]);
  });
});
