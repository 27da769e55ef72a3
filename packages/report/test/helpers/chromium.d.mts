import type { BrowserContext } from "playwright-core";

export declare const CHROMIUM_PATH: string;
export declare const CHROMIUM_ARGS: readonly string[];
export declare function launchChromium(userDataDir: string, width?: number): Promise<BrowserContext>;
