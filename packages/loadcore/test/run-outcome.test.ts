import { describe, expect, it } from "vitest";
import { runOutcome } from "../src/results/run-outcome.js";

function results(ok: number, failed: number, endReason: string, interrupted = false) {
  return { ok, failed, interrupted, options: { endReason } };
}

describe("runOutcome", () => {
  it("ranks a picker mistake, the --fail threshold, -x, an interrupt and no success, in that order", () => {
    expect(runOutcome(results(5, 3, "scenario-picker"), 1)).toBe("scenario-picker");
    expect(runOutcome(results(5, 3, "exception"), 2)).toBe("fail-threshold");
    expect(runOutcome(results(5, 1, "exception"), 2)).toBe("exception");
    expect(runOutcome(results(5, 1, "interrupted", true), undefined)).toBe("interrupted");
    expect(runOutcome(results(0, 4, "duration"), 10)).toBe("no-success");
    expect(runOutcome(results(0, 0, "duration"), undefined)).toBe("done");
    expect(runOutcome(results(9, 1, "duration"), undefined)).toBe("done");
  });

  it("does not call a -x stop without a failure a failure", () => {
    expect(runOutcome(results(3, 0, "exception"), undefined)).toBe("done");
  });
});
