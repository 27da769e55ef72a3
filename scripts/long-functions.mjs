#!/usr/bin/env node
// Lists the functions of the workspace's sources (packages/*/src, apps/*/src) longer than N lines,
// longest first: `node scripts/long-functions.mjs [N]` (default 120, the limit a test holds).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const ts = createRequire(join(root, "package.json"))("typescript");

function* sourceFiles(folder) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) yield path;
  }
}

/**
 * The functions over `limit` lines, longest first.
 * @param {number} limit
 * @returns {{ lines: number, name: string, where: string }[]}
 */
export function longFunctions(limit) {
  const found = [];
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(join(root, group))) {
      const src = join(root, group, name, "src");
      if (!statSync(src, { throwIfNoEntry: false })?.isDirectory()) continue;
      for (const file of sourceFiles(src)) {
        const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
        const visit = (node) => {
          if (
            ts.isFunctionDeclaration(node) ||
            ts.isMethodDeclaration(node) ||
            ts.isArrowFunction(node) ||
            ts.isFunctionExpression(node)
          ) {
            const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
            const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
            const parent = node.parent;
            const named =
              node.name ??
              (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) ? parent.name : undefined);
            const lines = end - start + 1;
            if (lines > limit) {
              found.push({
                lines,
                name: named?.getText(source) ?? "<anonymous>",
                where: `${relative(root, file)}:${start + 1}`,
              });
            }
          }
          ts.forEachChild(node, visit);
        };
        visit(source);
      }
    }
  }
  return found.sort((a, b) => b.lines - a.lines);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const limit = Number(process.argv[2] ?? 120);
  if (!Number.isInteger(limit) || limit < 1) {
    console.error(`long-functions: N must be a whole number >= 1, got "${process.argv[2]}"`);
    process.exit(2);
  }
  for (const { lines, name, where } of longFunctions(limit)) {
    console.log(`${String(lines).padStart(4)}  ${name}  ${where}`);
  }
}
