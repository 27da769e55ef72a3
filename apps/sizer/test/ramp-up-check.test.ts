import { describe, expect, it } from "vitest";
import { rampUpWarning } from "../src/ramp-up-check.js";

const file = { kind: "file", file: "loadtest.ts" } as const;
const repo = { kind: "repo", repo: "https://example.invalid/r.git", test: "sizer" } as const;

describe("rampUpWarning", () => {
  it("says how few workers start when the default 300 s ramp-up outlasts --duration", () => {
    expect(rampUpWarning({ workers: 5, duration: 5 }, file)).toBe(
      "the ramp-up (300 s, the default) is longer than the duration (5 s): only about 1 of the 5 workers will start, and the sizing can find no limit above them; give a shorter ramp-up, e.g. --ramp-up 3",
    );
    expect(rampUpWarning({ duration: 60 }, file)).toMatch(/only about 100 of the 500 workers will start/);
    expect(rampUpWarning({ workers: 10, processes: 2, rampUp: 100, duration: 50 }, file)).toMatch(
      /the ramp-up \(100 s\) is longer than the duration \(50 s\): only about 10 of the 20 workers/,
    );
  });

  it("says how far an arrival-rate ramp climbs when its ramp-up outlasts --duration", () => {
    expect(rampUpWarning({ rampRate: "50:400", rampUp: 100, duration: 25 }, file)).toBe(
      "the ramp-up (100 s) is longer than the duration (25 s): the rate will climb only about 25% of the way from the ramp rate's FROM to its TO, and the sizing can find no limit above it; give a shorter ramp-up, e.g. --ramp-up 18",
    );
  });

  it("says nothing when every worker starts within the duration", () => {
    expect(rampUpWarning({}, file)).toBeUndefined();
    expect(rampUpWarning({ workers: 5, rampUp: 5, duration: 5 }, file)).toBeUndefined();
    expect(rampUpWarning({ rampUp: 60, duration: 110 }, file)).toBeUndefined();
  });

  it("with --repo, judges only what the command line sets (the molotov.json may set the rest)", () => {
    expect(rampUpWarning({ duration: 5 }, repo)).toBeUndefined();
    expect(rampUpWarning({ rampUp: 100, duration: 10 }, repo)).toMatch(
      /only about 10% of the workers will start/,
    );
    expect(rampUpWarning({ workers: 4, processes: 1, rampUp: 100, duration: 50 }, repo)).toMatch(
      /only about 2 of the 4 workers/,
    );
  });
});
