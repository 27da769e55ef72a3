import { describe, expect, it } from "vitest";
import { parseRunMetadata } from "../src/inputs/read-metadata.js";

describe("parseRunMetadata", () => {
  it("reads how the service under test ended", () => {
    const metadata = { partial: true, serviceExit: { code: null, signal: "SIGKILL", atSeconds: 41.5 } };
    expect(parseRunMetadata(metadata, "meta.json")).toEqual(metadata);
    expect(parseRunMetadata({ serviceExit: { code: 7, signal: null, atSeconds: null } }).serviceExit).toEqual(
      {
        code: 7,
        signal: null,
        atSeconds: null,
      },
    );
  });

  it("reads keys it does not know and refuses a newer version (docs/formats.md's one policy)", () => {
    expect(parseRunMetadata({ target: "http://127.0.0.1:1", addedLater: 1 }, "meta.json")).toMatchObject({
      addedLater: 1,
    });
    expect(() => parseRunMetadata({ format: "sizer-run-metadata", formatVersion: 2 }, "meta.json")).toThrow(
      "meta.json: run metadata formatVersion 2 is newer",
    );
  });

  it.each([
    [{ serviceExit: "died" }, "serviceExit: expected an object { code, signal, atSeconds }"],
    [{ serviceExit: { code: 1.5, signal: null, atSeconds: 3 } }, "serviceExit.code: expected an integer"],
    [{ serviceExit: { signal: "SIGKILL", atSeconds: 3 } }, "serviceExit.code: expected an integer"],
    [{ serviceExit: { code: 1, signal: 9, atSeconds: 3 } }, "serviceExit.signal: expected a signal name"],
    [{ serviceExit: { code: 1, signal: null, atSeconds: -2 } }, "serviceExit.atSeconds: expected seconds"],
    [{ serviceExit: { code: 1, signal: null } }, "serviceExit.atSeconds: expected seconds"],
  ])("refuses %j, naming the field", (value, message) => {
    expect(() => parseRunMetadata(value, "meta.json")).toThrow(`meta.json: ${message}`);
  });
});
