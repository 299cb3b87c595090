/**
 * Headless Chromium for the browser tests: Debian's /usr/bin/chromium (or CORTADO_CHROMIUM)
 * driven by playwright-core, with a fresh empty profile and no network beyond what a page asks.
 * `chromiumUnavailable()` gives the reason to skip (printed by node:test), or null.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env.CORTADO_CHROMIUM ?? '/usr/bin/chromium';

type PlaywrightCore = typeof import('playwright-core');

async function playwright(): Promise<PlaywrightCore | null> {
  try {
    return await import('playwright-core');
  } catch {
    return null;
  }
}

/** Why the browser tests cannot run here, or null when they can. */
export async function chromiumUnavailable(): Promise<string | null> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (install Debian's chromium, as .ci/run does, or set CORTADO_CHROMIUM)`;
  if (!(await playwright())) return 'playwright-core is not installed (npm install; it is a devDependency)';
  return null;
}

/**
 * `webgpu`: WebGPU on SwiftShader, Chromium's CPU Vulkan (no --disable-gpu; WebGPU is still behind
 * --enable-unsafe-webgpu on Linux).
 */
export async function launchChromium(options: { webgpu?: boolean } = {}) {
  const pw = (await playwright())!;
  const profile = mkdtempSync(join(tmpdir(), 'cortado-chromium-'));
  const gpu = options.webgpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'] : ['--disable-gpu'];
  const context = await pw.chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', ...gpu, '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser: context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
