/**
 * `cortado schema`: prints the JSON Schema of net definition files (src/core/schema.ts), generated
 * from the layer registry (the HDF5 layers included). Point an editor at it for completion and
 * checks: in VS Code, `"json.schemas": [{ "fileMatch": ["*.net.json"], "url": "./cortado.schema.json" }]`
 * after `cortado schema > cortado.schema.json`.
 */
import { definitionSchema } from '../../core/schema.js';
import { nodeLayerTypes } from '../layers.js';
import { parseSolverConfig } from '../../solver/solver.js';

export const SCHEMA_USAGE = `usage: cortado schema

Prints the JSON Schema (draft 2020-12) of net definition files, generated from the layer types:
every layer's fields with their types and which are required. Save it and point your editor at it,
e.g. cortado schema > cortado.schema.json.`;

export async function schemaCommand(rest: string[]): Promise<number> {
  if (rest[0] === '--help' || rest[0] === '-h') {
    console.log(SCHEMA_USAGE);
    return 0;
  }
  if (rest.length > 0) {
    console.error(`cortado schema: takes no arguments, found "${rest[0]}"\n\n${SCHEMA_USAGE}`);
    return 2;
  }
  const text = JSON.stringify(definitionSchema(nodeLayerTypes, (r) => parseSolverConfig({}, 'solver', r)), null, 2);
  // Waits for the write: main exits right after, which would cut a long output going to a pipe.
  await new Promise<void>((done) => process.stdout.write(`${text}\n`, () => done()));
  return 0;
}
