/** Types of the real-browser test harness (see index.mjs). */
import type { Browser, BrowserContext, Page } from 'playwright-core';

export declare const CHROMIUM_FLAGS: readonly string[];
export declare function chromiumPath(): string;
export declare function launchChromium(opts?: { extraArgs?: string[] }): Promise<Browser>;
export declare function openPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; errors: string[] }>;
export declare function pollUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, opts?: { attempts?: number; intervalMs?: number }): Promise<T>;
export declare function bundleForBrowser(entry: string, opts?: { format?: 'esm' | 'iife' }): Promise<string>;
export declare function startPageServer(opts: { pages: Record<string, string>; headers?: Record<string, string> }): Promise<{ url: string; close: () => Promise<void> }>;
export declare function call(page: Page, fn: string, ...args: unknown[]): Promise<unknown>;
