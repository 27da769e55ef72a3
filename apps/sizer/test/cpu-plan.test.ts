import { describe, expect, it } from "vitest";
import { allowedCpus, formatCpuList, parseCpuList, planCpus } from "../src/cpu-plan.js";

describe("CPU lists", () => {
  it("parses and formats taskset lists", () => {
    expect(parseCpuList("0-2,5", "--load-cpus")).toEqual([0, 1, 2, 5]);
    expect(formatCpuList([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8");
  });

  it("names the flag when a list is malformed", () => {
    expect(() => parseCpuList("a", "--service-cpus")).toThrow(/--service-cpus must be a list of cores/);
    expect(() => parseCpuList("3-1", "--load-cpus")).toThrow(/--load-cpus has a descending range/);
  });

  it("reads this process's allowed cores", () => {
    expect(allowedCpus().length).toBeGreaterThan(0);
  });
});

describe("planCpus", () => {
  it("puts the service on the last core and the load on the others by default", () => {
    const plan = planCpus({ available: [0, 1], canPinService: true, pinning: true });
    expect(plan).toMatchObject({ serviceCpus: [1], loadCpus: [0], shared: false });
    const four = planCpus({ available: [0, 1, 2, 3], canPinService: true, pinning: true });
    expect(four).toMatchObject({ serviceCpus: [2, 3], loadCpus: [0, 1], shared: false });
  });

  it("gives the service every core when the load comes from another machine (a sizer aws node)", () => {
    const node = planCpus({ available: [0, 1, 2, 3], canPinService: true, pinning: true, loadHere: false });
    expect(node).toMatchObject({ serviceCpus: [0, 1, 2, 3], loadCpus: undefined, shared: false });
    expect(node.description).toContain("all of the 4 core(s)");
    const one = planCpus({ available: [0], canPinService: true, pinning: true, loadHere: false });
    expect(one).toMatchObject({ serviceCpus: [0], shared: false });
    expect(
      planCpus({ available: [0, 1], serviceCpus: [1], canPinService: true, pinning: true, loadHere: false }),
    ).toMatchObject({ serviceCpus: [1], loadCpus: undefined, shared: false });
    expect(() =>
      planCpus({ available: [0, 1], loadCpus: [0], canPinService: true, pinning: true, loadHere: false }),
    ).toThrow(/--load-cpus/);
  });

  it("gives the load the rest when only --service-cpus is set", () => {
    expect(
      planCpus({ available: [0, 1, 2], serviceCpus: [0], canPinService: true, pinning: true }),
    ).toMatchObject({
      serviceCpus: [0],
      loadCpus: [1, 2],
      shared: false,
    });
  });

  it("reports shared cores when they overlap, on one core, without taskset and for --url", () => {
    expect(
      planCpus({ available: [0, 1], serviceCpus: [0, 1], loadCpus: [1], canPinService: true, pinning: true })
        .shared,
    ).toBe(true);
    expect(planCpus({ available: [0], canPinService: true, pinning: true }).shared).toBe(true);
    expect(planCpus({ available: [0, 1], canPinService: true, pinning: false })).toMatchObject({
      serviceCpus: undefined,
      shared: true,
    });
    expect(planCpus({ available: [0, 1], canPinService: false, pinning: true })).toMatchObject({
      serviceCpus: undefined,
      shared: true,
    });
  });

  it("refuses cores the machine does not offer and --service-cpus with --url", () => {
    expect(() =>
      planCpus({ available: [0, 1], serviceCpus: [4], canPinService: true, pinning: true }),
    ).toThrow(/--service-cpus names core\(s\) 4/);
    expect(() =>
      planCpus({ available: [0, 1], serviceCpus: [1], canPinService: false, pinning: true }),
    ).toThrow(/not --url/);
  });
});
