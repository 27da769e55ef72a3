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

/** The same repository with a pnpm lockfile instead of npm's: `pnpm install --frozen-lockfile` installs it offline. */
export function repositoryWithPnpmLockfile(): Record<string, string> {
  const { "package-lock.json": _npmLockfile, ...files } = repositoryWithDependency();
  return {
    ...files,
    "pnpm-lock.yaml": `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      left-pad-local:
        specifier: file:./vendor/left-pad-local
        version: file:vendor/left-pad-local

packages:

  left-pad-local@file:vendor/left-pad-local:
    resolution: {directory: vendor/left-pad-local, type: directory}

snapshots:

  left-pad-local@file:vendor/left-pad-local: {}
`,
  };
}

/**
 * A scenario file with three scenarios against `SERVER_URL`: `home` and `about` succeed, `missing`
 * gets a 404 where it expects 200 and fails. It imports `@sizer/loadcore` with nothing installed.
 */
export const THREE_SCENARIOS = `import { scenario } from "@sizer/loadcore";

const server = () => process.env.SERVER_URL;

scenario(async function home(session) {
  await session.get(\`\${server()}/\`, { expect: 200 });
});

scenario(async function about(session) {
  await session.get(\`\${server()}/about\`, { expect: 200 });
});

scenario(async function missing(session) {
  await session.get(\`\${server()}/missing\`, { expect: 200 });
});
`;

/** A `molotov.json` text from its `molotov` section. */
export function molotovJson(molotov: Record<string, unknown>): string {
  return `${JSON.stringify({ molotov }, null, 2)}\n`;
}
