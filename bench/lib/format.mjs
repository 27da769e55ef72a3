/**
 * Renders rows as a Markdown table (readable in a terminal, pasteable in a README).
 * Numbers are right-aligned.
 *
 * @param {string[]} header
 * @param {(string | number)[][]} rows
 */
export function markdownTable(header, rows) {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = header.map((title, column) =>
    Math.max(title.length, 3, ...cells.map((row) => (row[column] ?? "").length)),
  );
  const numeric = header.map((_, column) =>
    rows.every((row) => /^[\d.,x%—()-]*$/.test(String(row[column] ?? ""))),
  );
  const line = (/** @type {string[]} */ row) =>
    `| ${row
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join(" | ")} |`;
  const separator = `|${widths.map((width, column) => (numeric[column] ? `${"-".repeat(width + 1)}:` : "-".repeat(width + 2))).join("|")}|`;
  return [line(header), separator, ...cells.map(line)].join("\n");
}

/** Requests per second with thousands separators and no decimals. @param {number | undefined} value */
export function formatRate(value) {
  return value === undefined ? "—" : Math.round(value).toLocaleString("en-US");
}

/** A ratio such as 1.07x. @param {number | null | undefined} value */
export function formatRatio(value) {
  return value === undefined || value === null ? "—" : `${value.toFixed(value < 10 ? 3 : 2)}x`;
}

/** Bytes as MB (10^6 bytes) with one decimal. @param {number | undefined} bytes */
export function formatMegabytes(bytes) {
  return bytes === undefined ? "—" : `${(bytes / 1_000_000).toFixed(1)} MB`;
}
