/**
 * Splits one CSV line into cells (RFC 4180 quoting: `"a,b"` is one cell, `""` inside quotes is a
 * quote). Lines without a quote take a fast path.
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const character = line[index];
    if (quoted) {
      if (character === '"') {
        if (line[index + 1] === '"') {
          cell += '"';
          index++;
        } else {
          quoted = false;
        }
      } else {
        cell += character;
      }
    } else if (character === '"') {
      quoted = true;
    } else if (character === ",") {
      cells.push(cell);
      cell = "";
    } else {
      cell += character;
    }
  }
  cells.push(cell);
  return cells;
}

/** Quotes a CSV cell when it holds a comma, a quote or a line break. */
export function quoteCsvCell(text: string): string {
  if (!text.includes(",") && !text.includes('"') && !text.includes("\n") && !text.includes("\r")) return text;
  return `"${text.replaceAll('"', '""')}"`;
}
