/** The browser tests' Chromium and static server: examples/common/browser.ts (shared with the demo's scripts and the browser benchmark). */
export { CHROMIUM, chromiumUnavailable, launchChromium, serveFolder } from '../../examples/common/browser.js';
