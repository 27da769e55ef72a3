import { describe, expect, it } from "vitest";
import { parseFaultPlan, Throttler } from "../src/faults.js";

describe("fault plans", () => {
  it("accepts every documented fault", () => {
    const plan = {
      invocationRaceMs: 800,
      throttle: { GetCommandInvocation: { perSecond: 5 }, SendCommand: { every: 3 } },
      agentNeverOnline: true,
      vanishMidCommand: { afterMs: 100, count: 2 },
      capacityErrors: 1,
      deliveryDelayMs: 50,
      outputLimit: 100,
      errorOutputLimit: 50,
    };
    expect(parseFaultPlan(plan)).toEqual(plan);
  });

  it("names the member that is wrong", () => {
    expect(() => parseFaultPlan({ invocationRace: 3 })).toThrow(/faults.invocationRace is not a known fault/);
    expect(() => parseFaultPlan({ capacityErrors: -1 })).toThrow(
      /faults.capacityErrors must be a whole number/,
    );
    expect(() => parseFaultPlan({ throttle: { SendCommand: {} } })).toThrow(/needs "every" or "perSecond"/);
    expect(() => parseFaultPlan([])).toThrow(/JSON object/);
  });

  it("throttles every Nth call, and calls past a rate within one second", () => {
    const throttler = new Throttler({ A: { every: 3 }, B: { perSecond: 2 } });
    const refusedA = [1, 2, 3, 4, 5, 6].map(() => {
      try {
        throttler.check("ssm", "A");
        return false;
      } catch (error) {
        expect((error as Error & { code: string }).code).toBe("ThrottlingException");
        return true;
      }
    });
    expect(refusedA).toEqual([false, false, true, false, false, true]);
    const second = 1_700_000_000_000;
    throttler.check("ec2", "B", second);
    throttler.check("ec2", "B", second + 10);
    expect(() => throttler.check("ec2", "B", second + 20)).toThrow("Request limit exceeded.");
    expect(() => throttler.check("ec2", "B", second + 1000)).not.toThrow();
    expect(throttler.refused.get("A")).toBe(2);
  });
});
