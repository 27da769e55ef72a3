import { UsageError } from "./errors.js";

/**
 * Runs `action` with `variables` set in `process.env`, then puts every variable back as it was
 * (restored or deleted), whether `action` resolves or throws. The variables reach code that reads
 * `process.env` while the scenario loads and runs in this process.
 */
export async function withEnvironment<T>(
  variables: Readonly<Record<string, string>>,
  action: () => Promise<T>,
  environment: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(variables)) {
    previous.set(name, Object.hasOwn(environment, name) ? environment[name] : undefined);
    environment[name] = value;
  }
  try {
    return await action();
  } finally {
    for (const [name, value] of previous) {
      if (value === undefined) delete environment[name];
      else environment[name] = value;
    }
  }
}

/**
 * Parses `NAME=VALUE` strings (the CLI's `--env`) into a record; the name must be a valid
 * environment variable name. Throws a {@link UsageError} naming the bad entry.
 */
export function parseEnvironmentAssignments(assignments: readonly string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const assignment of assignments) {
    const separator = assignment.indexOf("=");
    const name = separator === -1 ? assignment : assignment.slice(0, separator);
    if (separator === -1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(
        `--env ${JSON.stringify(assignment)} is not NAME=VALUE with a valid variable name`,
      );
    }
    variables[name] = assignment.slice(separator + 1);
  }
  return variables;
}
