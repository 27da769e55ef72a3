import { describe, expect, it } from "vitest";
import { describeErrors, explainNoSuccess } from "../src/results/failure-explanation.js";

describe("explainNoSuccess", () => {
  it("asks whether the target is up when it was refused, reset, timed out or not resolved", () => {
    expect(explainNoSuccess({ errors: { refused: 4, tls: 0 }, statusCodes: {} })).toBe(
      "is the target up and reachable?",
    );
    expect(explainNoSuccess({ errors: { timeout: 2, dns: 1 }, statusCodes: {} })).toBe(
      "is the target up and reachable?",
    );
  });

  it("names -k and NODE_EXTRA_CA_CERTS when the certificate was refused", () => {
    expect(explainNoSuccess({ errors: { tls: 6 }, statusCodes: {} })).toBe(
      "the target's TLS certificate was refused: use -k/--insecure for a self-signed certificate, or NODE_EXTRA_CA_CERTS=ca.pem for a private CA",
    );
  });

  it("gives the top status codes when the target answered", () => {
    expect(explainNoSuccess({ errors: { status: 1963 }, statusCodes: { "404": 1963 } })).toBe(
      "the target answered but every scenario failed: all 1,963 answers were 404: check the scenario's URLs",
    );
    expect(
      explainNoSuccess({
        errors: { status: 40, assertion: 10 },
        statusCodes: { "200": 10, "500": 30, "502": 8, "503": 1, "504": 1 },
      }),
    ).toBe(
      "the target answered but every scenario failed: 30 answers were 500, 10 were 200, 8 were 502, 2 other: the target itself fails: see its logs",
    );
    expect(explainNoSuccess({ errors: { assertion: 5 }, statusCodes: { "200": 5 } })).toBe(
      "the target answered but every scenario failed: all 5 answers were 200: the scenario's checks failed (-v prints every failure)",
    );
    expect(explainNoSuccess({ errors: { status: 1 }, statusCodes: { "401": 1 } })).toBe(
      "the target answered but every scenario failed: the only answer was 401: check the credentials the scenario sends",
    );
  });

  it("puts the most frequent cause first when several were seen", () => {
    expect(explainNoSuccess({ errors: { refused: 2, status: 9 }, statusCodes: { "503": 9 } })).toBe(
      "the target answered but every scenario failed: all 9 answers were 503: the target itself fails: see its logs; is the target up and reachable?",
    );
  });

  it("points at the scenario when it failed on its own", () => {
    expect(explainNoSuccess({ errors: { other: 3 }, statusCodes: {} })).toBe(
      "the scenario itself failed (-v prints every failure)",
    );
  });
});

describe("describeErrors", () => {
  it("lists the non-zero classes, most frequent first", () => {
    expect(describeErrors({ errors: { refused: 3, status: 11_657, tls: 0 } })).toBe(
      "status 11,657, refused 3",
    );
    expect(describeErrors({ errors: {} })).toBe("no error class recorded");
  });
});
