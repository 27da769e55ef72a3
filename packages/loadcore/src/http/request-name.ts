const NUMERIC = /^\d+$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LONG_HEX = /^(?=.*\d)[0-9a-f]{16,}$/i;
const TOKEN_LIKE = /^(?=.*\d)(?=.*[a-z])[A-Za-z0-9_-]{20,}$/;

/** True when a path segment looks like an identifier: a number, a UUID, a long hex or random token. */
function isIdentifier(segment: string): boolean {
  return NUMERIC.test(segment) || UUID.test(segment) || LONG_HEX.test(segment) || TOKEN_LIKE.test(segment);
}

/**
 * The path part of a request name: the query string dropped and identifier-like segments
 * (numbers, UUIDs, long hex or random tokens) replaced by `{id}`, so that
 * `/buckets/12/records/5f0c...` and `/buckets/13/records/77aa...` count as one request.
 *
 * @example requestPathTemplate("/buckets/12/records?_limit=10") // "/buckets/{id}/records"
 */
export function requestPathTemplate(path: string): string {
  const queryStart = path.indexOf("?");
  const pathname = queryStart === -1 ? path : path.slice(0, queryStart);
  if (pathname === "" || pathname === "/") return "/";
  const segments = pathname.split("/");
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index];
    if (segment !== undefined && segment !== "" && isIdentifier(segment)) segments[index] = "{id}";
  }
  return segments.join("/");
}

/** The default name of a request in the statistics: `METHOD /path/{id}`. */
export function requestName(method: string, path: string): string {
  return `${method.toUpperCase()} ${requestPathTemplate(path)}`;
}
