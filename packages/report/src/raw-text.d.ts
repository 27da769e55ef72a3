/** A file imported with the `?raw` suffix: its text, inlined at build time (tsup.base.ts, and Vite). */
declare module "*?raw" {
  const text: string;
  export default text;
}
