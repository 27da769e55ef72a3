import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { DeadlineEntry, RequestDeadlines } from "../src/http/request-deadlines.js";

class Recorded extends DeadlineEntry {
  constructor(
    readonly label: string,
    readonly expired: string[],
  ) {
    super();
  }

  expire(): void {
    this.expired.push(this.label);
  }
}

describe("RequestDeadlines", () => {
  it("expires entries in deadline order across timeout values, and never a cleared one", async () => {
    const deadlines = new RequestDeadlines();
    const expired: string[] = [];
    const now = deadlines.now();
    const long = new Recorded("long 60", expired);
    const cleared = new Recorded("cleared 20", expired);
    const short = new Recorded("short 20", expired);
    const middle = new Recorded("middle 40", expired);
    deadlines.arm(long, 60, now);
    deadlines.arm(cleared, 20, now);
    deadlines.arm(short, 20, now);
    deadlines.arm(middle, 40, now);
    deadlines.clear(cleared);
    expect(deadlines.size).toBe(3);
    await sleep(150);
    expect(expired).toEqual(["short 20", "middle 40", "long 60"]);
    expect(deadlines.size).toBe(0);
  });

  it("moves a re-armed entry's deadline, keeping its lane in order", async () => {
    const deadlines = new RequestDeadlines();
    const expired: string[] = [];
    const first = new Recorded("first", expired);
    const second = new Recorded("second", expired);
    const start = deadlines.now();
    deadlines.arm(first, 50, start);
    deadlines.arm(second, 50, start + 10);
    // activity on the first entry 30 ms in: it now expires after the second one
    deadlines.rearm(first, start + 30);
    await sleep(150);
    expect(expired).toEqual(["second", "first"]);
  });

  it("never expires a re-armed entry before its new deadline, however often it was re-armed", async () => {
    const deadlines = new RequestDeadlines();
    const seen: Array<{ label: string; now: number; deadline: number }> = [];
    class Timed extends DeadlineEntry {
      constructor(readonly label: string) {
        super();
      }
      expire(now: number): void {
        seen.push({ label: this.label, now, deadline: this.deadline });
      }
    }
    const busy = new Timed("busy");
    const quiet = new Timed("quiet");
    deadlines.arm(busy, 30, deadlines.now());
    deadlines.arm(quiet, 30, deadlines.now());
    // activity every 10 ms for 60 ms: two timeouts' worth, each re-arm moving the deadline only
    for (let tick = 0; tick < 6; tick += 1) {
      await sleep(10);
      deadlines.rearm(busy, deadlines.now());
    }
    const lastActivity = deadlines.now();
    await sleep(120);
    expect(seen.map((entry) => entry.label)).toEqual(["quiet", "busy"]);
    const busyExpiry = seen[1] as { now: number; deadline: number };
    expect(busyExpiry.now).toBeGreaterThanOrEqual(busyExpiry.deadline);
    expect(busyExpiry.deadline).toBeGreaterThanOrEqual(lastActivity + 30 - 1);
    expect(deadlines.size).toBe(0);
  });

  it("arms nothing for a timeout that is not a positive finite number", () => {
    const deadlines = new RequestDeadlines();
    const entry = new Recorded("never", []);
    for (const timeout of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      deadlines.arm(entry, timeout, deadlines.now());
      expect(entry.lane).toBeUndefined();
    }
    expect(deadlines.size).toBe(0);
  });
});
