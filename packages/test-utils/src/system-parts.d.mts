/** A system program some tests use, with the Debian packages that install it. */
export interface SystemPart {
  name: "git" | "glances" | "chromium" | "nginx" | "docker" | "time" | "molotov";
  debianPackages: string[];
  /** Which tests need it, in words. */
  usedBy: string;
  /** Commands that must all exit 0 for the part to be usable. */
  probes: string[][];
  /** What each probe's failure means, in words, where its command line would not say it. */
  probeMeanings?: string[];
  /** A daemon that `npm test` starts (as root) when the probes fail although it is installed. */
  daemon?: string[];
}
export type SystemPartName = SystemPart["name"];
export declare const SYSTEM_PARTS: SystemPart[];
/** Why a system part cannot be used here, or undefined when it can. Probes once per process. */
export declare function missingReason(name: SystemPartName): string | undefined;
/** The parts that cannot be used here. */
export declare function missingParts(): SystemPart[];
/** The one command line that installs the given parts on Debian (with sudo for a user other than root). */
export declare function installCommand(parts: SystemPart[], options?: { sudo?: boolean }): string;
