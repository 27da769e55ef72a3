import packageJson from "../package.json" with { type: "json" };

/** The version of `@sizer/report` that wrote a report. */
export const REPORT_VERSION: string = packageJson.version;
