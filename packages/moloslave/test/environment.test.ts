import { describe, expect, it } from "vitest";
import { parseEnvironmentAssignments, withEnvironment } from "../src/environment.js";

describe("withEnvironment", () => {
  it("sets the variables during the action and restores or deletes them after, also on error", async () => {
    const environment: NodeJS.ProcessEnv = { KEPT: "before", UNTOUCHED: "same" };
    const seen = await withEnvironment(
      { KEPT: "during", ADDED: "new" },
      async () => ({ ...environment }),
      environment,
    );
    expect(seen).toEqual({ KEPT: "during", ADDED: "new", UNTOUCHED: "same" });
    expect(environment).toEqual({ KEPT: "before", UNTOUCHED: "same" });

    await expect(
      withEnvironment(
        { ADDED: "new" },
        async () => {
          throw new Error("boom");
        },
        environment,
      ),
    ).rejects.toThrow("boom");
    expect(environment).toEqual({ KEPT: "before", UNTOUCHED: "same" });
  });

  it("uses process.env by default", async () => {
    const name = "MOLOSLAVE_TEST_VARIABLE";
    expect(process.env[name]).toBeUndefined();
    await withEnvironment({ [name]: "x" }, async () => expect(process.env[name]).toBe("x"));
    expect(process.env[name]).toBeUndefined();
  });
});

describe("parseEnvironmentAssignments", () => {
  it("reads NAME=VALUE, keeping '=' in the value", () => {
    expect(parseEnvironmentAssignments(["SERVER_URL=http://127.0.0.1:8080/?a=b", "EMPTY="])).toEqual({
      SERVER_URL: "http://127.0.0.1:8080/?a=b",
      EMPTY: "",
    });
  });

  it("names the bad entry", () => {
    expect(() => parseEnvironmentAssignments(["NOVALUE"])).toThrow(/--env "NOVALUE"/);
    expect(() => parseEnvironmentAssignments(["1BAD=x"])).toThrow(/--env "1BAD=x"/);
  });
});
