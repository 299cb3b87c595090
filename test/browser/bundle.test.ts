import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const esbuild = await import('esbuild').catch(() => null);
const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

test('the browser bundle (the package\'s ./browser export) builds for platform browser with no Node built-in, and its size is reported', { skip: esbuild ? false : 'esbuild is not installed (a devDependency)' }, async () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, { default: string }> };
  const entry = join(root, pkg.exports['./browser'].default);
  const asked: string[] = [];
  const result = await esbuild!.build({
    entryPoints: [entry], bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, write: false, metafile: true, logLevel: 'silent',
    plugins: [{
      name: 'node-builtins',
      setup(b) {
        // Any import of a Node built-in (with or without the node: prefix) is recorded, then left to fail.
        b.onResolve({ filter: /.*/ }, (a) => {
          if (builtins.has(a.path)) asked.push(`${a.path} (imported by ${a.importer})`);
          return undefined;
        });
      },
    }],
  });
  assert.deepEqual(asked, [], 'the browser core imports no Node built-in');
  const inputs = Object.keys(result.metafile!.inputs);
  assert.ok(inputs.length > 50, `the bundle holds the core's modules (${inputs.length})`);
  assert.deepEqual(inputs.filter((i) => !i.startsWith('dist/src/')), [], 'the browser core imports no package and nothing outside dist/src');
  const code = result.outputFiles![0].contents;
  const text = new TextDecoder().decode(code);
  assert.doesNotMatch(text, /\brequire\(["'](node:)?(fs|path|os|child_process|worker_threads)["']\)/);
  assert.match(text, /WasmBackend|JsBackend|Solver/, 'the bundle holds the public classes');
  const gz = gzipSync(code).length;
  console.log(`# browser bundle (${pkg.exports['./browser'].default}, esbuild --bundle --minify --platform=browser): ${(code.length / 1024).toFixed(1)} KiB, ${(gz / 1024).toFixed(1)} KiB gzipped, ${inputs.length} modules`);
  assert.ok(code.length < 1024 * 1024, `the browser core stays small: ${code.length} bytes minified`);
});
