/**
 * Splits one CSV line into cells (RFC 4180 quoting: `"a,b"` is one cell, `""` inside quotes is a
 * quote). Lines without a quote take a fast path.
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const cells: string[] = [];
  let position = 0;
  while (position <= line.length) {
    if (line.charCodeAt(position) !== 34) {
      const comma = line.indexOf(",", position);
      if (comma === -1) {
        cells.push(line.slice(position));
        break;
      }
      cells.push(line.slice(position, comma));
      position = comma + 1;
      continue;
    }
    let value = "";
    let cursor = position + 1;
    for (;;) {
      const quote = line.indexOf('"', cursor);
      if (quote === -1) {
        value += line.slice(cursor);
        position = line.length + 1;
        break;
      }
      value += line.slice(cursor, quote);
      if (line.charCodeAt(quote + 1) === 34) {
        value += '"';
        cursor = quote + 2;
        continue;
      }
      const comma = line.indexOf(",", quote + 1);
      value += line.slice(quote + 1, comma === -1 ? undefined : comma);
      position = comma === -1 ? line.length + 1 : comma + 1;
      break;
    }
    cells.push(value);
  }
  return cells;
}

/** Quotes a CSV cell when it holds a comma, a quote or a line break. */
export function quoteCsvCell(text: string): string {
  if (!text.includes(",") && !text.includes('"') && !text.includes("\n") && !text.includes("\r")) return text;
  return `"${text.replaceAll('"', '""')}"`;
}

/**
 * One CSV line scanned for cell boundaries only: cells are cut out when asked for, so reading a
 * few columns of a wide row allocates a few strings, not one per cell. Reused from line to line.
 */
export class CsvRow {
  #line = "";
  #starts = new Int32Array(512);
  #ends = new Int32Array(512);
  #quoted = new Uint8Array(512);
  #count = 0;

  /** Number of cells of the current line. */
  get length(): number {
    return this.#count;
  }

  /** Scans a new line. */
  scan(line: string): void {
    this.#line = line;
    this.#count = 0;
    let position = 0;
    while (position <= line.length) {
      if (this.#count === this.#starts.length) this.#grow();
      const index = this.#count++;
      if (line.charCodeAt(position) === 34) {
        let cursor = position + 1;
        for (;;) {
          const quote = line.indexOf('"', cursor);
          if (quote === -1) {
            cursor = line.length;
            break;
          }
          if (line.charCodeAt(quote + 1) === 34) {
            cursor = quote + 2;
            continue;
          }
          cursor = quote + 1;
          break;
        }
        const comma = line.indexOf(",", cursor);
        this.#starts[index] = position;
        this.#ends[index] = comma === -1 ? line.length : comma;
        this.#quoted[index] = 1;
        if (comma === -1) break;
        position = comma + 1;
      } else {
        const comma = line.indexOf(",", position);
        this.#starts[index] = position;
        this.#ends[index] = comma === -1 ? line.length : comma;
        this.#quoted[index] = 0;
        if (comma === -1) break;
        position = comma + 1;
      }
    }
  }

  /** The text of cell `index`, unquoted; undefined past the end of the line. */
  cell(index: number): string | undefined {
    if (index >= this.#count) return undefined;
    const start = this.#starts[index] as number;
    const end = this.#ends[index] as number;
    if (this.#quoted[index] === 0) return this.#line.slice(start, end);
    return splitCsvLine(this.#line.slice(start, end))[0];
  }

  /** Whether cell `index` is empty (without cutting it out). */
  isEmpty(index: number): boolean {
    return index >= this.#count || this.#starts[index] === this.#ends[index];
  }

  #grow(): void {
    const size = this.#starts.length * 2;
    const starts = new Int32Array(size);
    const ends = new Int32Array(size);
    const quoted = new Uint8Array(size);
    starts.set(this.#starts);
    ends.set(this.#ends);
    quoted.set(this.#quoted);
    this.#starts = starts;
    this.#ends = ends;
    this.#quoted = quoted;
  }
}
