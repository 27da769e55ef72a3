/** The files of a repository whose load test needs a dependency that `npm ci` installs offline (a `file:` package). */
export function repositoryWithDependency(): Record<string, string> {
  return {
    "package.json": `${JSON.stringify(
      {
        name: "service-load-test",
        version: "1.0.0",
        private: true,
        type: "module",
        dependencies: { "left-pad-local": "file:./vendor/left-pad-local" },
      },
      null,
      2,
    )}\n`,
    "package-lock.json": `${JSON.stringify(
      {
        name: "service-load-test",
        version: "1.0.0",
        lockfileVersion: 3,
        requires: true,
        packages: {
          "": {
            name: "service-load-test",
            version: "1.0.0",
            dependencies: { "left-pad-local": "file:./vendor/left-pad-local" },
          },
          "node_modules/left-pad-local": { resolved: "vendor/left-pad-local", link: true },
          "vendor/left-pad-local": { version: "1.0.0" },
        },
      },
      null,
      2,
    )}\n`,
    "vendor/left-pad-local/package.json": `${JSON.stringify(
      { name: "left-pad-local", version: "1.0.0", type: "module", main: "index.js" },
      null,
      2,
    )}\n`,
    "vendor/left-pad-local/index.js": `export function leftPad(text, width, fill = " ") {
  return String(text).padStart(width, fill);
}
`,
  };
}
