/**
 * A validator for the subset of JSON Schema that src/core/schema.ts writes: type, enum, const,
 * properties, required, additionalProperties (boolean), items, minItems, maxItems, minimum,
 * maximum, minLength, anyOf, allOf, if/then and local $ref. Any other keyword is an error, so the
 * schema cannot use one that this validator would silently ignore.
 */
type Schema = { [key: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$defs']);
const KEYWORDS = new Set(['type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'minItems', 'maxItems', 'minimum', 'maximum', 'minLength', 'anyOf', 'allOf', 'if', 'then', '$ref']);

/** The errors of `value` against `schema` (empty when it is valid), each with its JSON path. */
export function validate(root: Schema, value: unknown): string[] {
  const errors: string[] = [];
  check(root, root, value, '$', errors);
  return errors;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function check(root: Schema, s: Schema, v: unknown, path: string, errors: string[]): void {
  for (const k of Object.keys(s)) if (!KEYWORDS.has(k) && !ANNOTATIONS.has(k)) throw new Error(`json-schema: unsupported keyword "${k}" at ${path}`);
  if (typeof s.$ref === 'string') {
    const m = /^#\/\$defs\/(.+)$/.exec(s.$ref);
    const target = m ? (root.$defs as Record<string, Schema>)[m[1]!] : undefined;
    if (!target) throw new Error(`json-schema: unresolved $ref "${s.$ref}"`);
    check(root, target, v, path, errors);
  }
  const t = typeOf(v);
  if (s.type !== undefined) {
    const ok = s.type === t || (s.type === 'number' && t === 'integer');
    if (!ok) {
      errors.push(`${path}: expected ${String(s.type)}, found ${t}`);
      return;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => e === v)) errors.push(`${path}: expected one of ${s.enum.join(', ')}, found ${JSON.stringify(v)}`);
  if ('const' in s && s.const !== v) errors.push(`${path}: expected ${JSON.stringify(s.const)}, found ${JSON.stringify(v)}`);
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) errors.push(`${path}: below ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum) errors.push(`${path}: above ${s.maximum}`);
  }
  if (typeof v === 'string' && typeof s.minLength === 'number' && v.length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
  if (Array.isArray(v)) {
    if (typeof s.minItems === 'number' && v.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && v.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
    if (s.items) v.forEach((x, i) => check(root, s.items as Schema, x, `${path}[${i}]`, errors));
  }
  if (t === 'object') {
    const o = v as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, Schema>;
    for (const r of (s.required ?? []) as string[]) if (!(r in o)) errors.push(`${path}: missing field "${r}"`);
    for (const [k, x] of Object.entries(o)) {
      if (props[k]) check(root, props[k]!, x, `${path}.${k}`, errors);
      else if (s.additionalProperties === false) errors.push(`${path}: unknown field "${k}"`);
    }
  }
  if (Array.isArray(s.anyOf)) {
    const results = s.anyOf.map((sub) => {
      const e: string[] = [];
      check(root, sub as Schema, v, path, e);
      return e;
    });
    if (!results.some((e) => e.length === 0)) {
      // Report the branches of the value's own type (an array's, not "expected object").
      const wrongType = (e: string[]) => e.length === 1 && e[0]!.startsWith(`${path}: expected `) && / found (array|object|string|number|integer|boolean|null)$/.test(e[0]!);
      const fitting = results.filter((e) => !wrongType(e));
      for (const e of fitting.length ? fitting : results.slice(0, 1)) errors.push(...e);
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf) check(root, sub as Schema, v, path, errors);
  if (s.if) {
    const e: string[] = [];
    check(root, s.if as Schema, v, path, e);
    if (e.length === 0 && s.then) check(root, s.then as Schema, v, path, errors);
  }
}
