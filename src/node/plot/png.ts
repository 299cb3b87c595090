/**
 * SVG to PNG in Node with resvg, using the DejaVu fonts shipped as an npm dependency
 * (`dejavu-fonts-ttf`) and never the system's: text renders the same on a machine without fonts.
 * Node-only.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { DataError } from '../../core/errors.js';

const require = createRequire(import.meta.url);

/** The TTF files the plots use (the regular and bold DejaVu Sans). */
export function fontFiles(): string[] {
  let dir: string;
  try {
    dir = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');
  } catch (e) {
    throw new DataError(`plot: the fonts package "dejavu-fonts-ttf" cannot be found (${(e as Error).message}); reinstall cortado's dependencies`);
  }
  return ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf'].map((f) => join(dir, f));
}

/** Rasterizes `svg` at its own size (`width` pixels wide when given) to PNG bytes. */
export function svgToPng(svg: string, width?: number): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: width ? { mode: 'width', value: width } : { mode: 'original' },
    font: { fontFiles: fontFiles(), loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}
