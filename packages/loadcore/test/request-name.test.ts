import { describe, expect, it } from "vitest";
import { requestName, requestPathTemplate } from "../src/http/request-name.js";

describe("request names", () => {
  it("replaces numeric, UUID and long hex segments by {id} and drops the query", () => {
    expect(requestPathTemplate("/buckets/12/records?_limit=10")).toBe("/buckets/{id}/records");
    expect(requestPathTemplate("/r/0b5d2d4e-8a3c-4f9e-9d2a-1c2b3a4d5e6f")).toBe("/r/{id}");
    expect(requestPathTemplate("/objects/5f0c6d2e9b1e8a3f4c2d1e0f/x")).toBe("/objects/{id}/x");
  });

  it("keeps words, versions and the root", () => {
    expect(requestPathTemplate("/v1/buckets/default")).toBe("/v1/buckets/default");
    expect(requestPathTemplate("/")).toBe("/");
    expect(requestPathTemplate("")).toBe("/");
    expect(requestPathTemplate("/feed?page=2")).toBe("/feed");
  });

  it("prefixes the upper-case method", () => {
    expect(requestName("post", "/buckets/7/records")).toBe("POST /buckets/{id}/records");
  });
});
