// Number formatting that does not depend on the machine's locale, so reports are byte-identical.

/** `1234567.8` → `1,234,568`; below 10, one decimal is kept (`7.25` → `7.3`). */
export function formatNumber(value: number, decimals?: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const places = decimals ?? (Math.abs(value) < 10 && !Number.isInteger(value) ? 1 : 0);
  const fixed = Math.abs(value).toFixed(places);
  const [whole = "0", fraction] = fixed.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const sign = value < 0 && Number(fixed) !== 0 ? "-" : "";
  return `${sign}${grouped}${fraction ? `.${fraction}` : ""}`;
}

/** A percentage with at most one decimal: `97.54` → `97.5%`. */
export function formatPercent(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return `${formatNumber(value, Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : 1)}%`;
}

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

/** Binary units: `1536` → `1.5 KiB`. */
export function formatBytes(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  let scaled = Math.abs(value);
  let unit = 0;
  while (scaled >= 1024 && unit < BYTE_UNITS.length - 1) {
    scaled /= 1024;
    unit++;
  }
  const text = unit === 0 ? String(Math.round(scaled)) : scaled.toFixed(scaled >= 100 ? 0 : 1);
  return `${value < 0 ? "-" : ""}${text} ${BYTE_UNITS[unit]}`;
}

/** Bits per second in decimal units: `1e9` → `1 Gbit/s`. */
export function formatBitsPerSecond(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const units = ["bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1000 && unit < units.length - 1) {
    scaled /= 1000;
    unit++;
  }
  return `${Number.isInteger(scaled) ? scaled : scaled.toFixed(1)} ${units[unit]}`;
}

/** Seconds since the start of the run: `62.4` → `62 s`, `3725` → `1 h 2 min 5 s`. */
export function formatSeconds(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  const rounded = Math.round(value);
  if (Math.abs(rounded) < 120) return `${rounded} s`;
  const hours = Math.floor(rounded / 3600);
  const minutes = Math.floor((rounded % 3600) / 60);
  const seconds = rounded % 60;
  return [hours ? `${hours} h` : "", minutes ? `${minutes} min` : "", seconds ? `${seconds} s` : ""]
    .filter(Boolean)
    .join(" ");
}

/** Milliseconds of latency: `7.04` → `7.0 ms`, `1234` → `1,234 ms`. */
export function formatMilliseconds(value: number | undefined | null): string {
  if (value === undefined || value === null || !Number.isFinite(value)) return "n/a";
  return `${formatNumber(value, value < 100 ? 1 : 0)} ms`;
}
