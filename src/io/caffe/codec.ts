/**
 * Caffe's two encodings of its messages, through protobufjs and the schema of caffe-proto.ts:
 * the text format (`.prototxt`, protobufjs's text-format extension, which fills a message field by
 * field from the schema: nested messages, repeated fields, enums by name, comments, quoted strings
 * with escapes) and the binary format (`.caffemodel`, `.binaryproto`).
 *
 * Messages are handled as plain objects with Caffe's snake_case field names: enums as their names
 * (an unknown enum number stays a number), 64-bit integers as numbers, repeated fields as arrays
 * (empty when absent), absent optional fields undefined. Every failure to read is a DataError
 * naming the file and, where the text parser knows it, the line.
 */
import protobuf from 'protobufjs';
import textformat from 'protobufjs/ext/textformat.js';
import { DataError } from '../../core/errors.js';
import { CAFFE_PROTO } from './caffe-proto.js';

/** A Caffe message as a plain object (see the module comment). */
export type Msg = { [field: string]: any };

let root: protobuf.Root | undefined;

/** The message type `caffe.<name>` of the schema (parsed once). */
export function caffeType(name: string): protobuf.Type {
  root ??= protobuf.parse(CAFFE_PROTO, { keepCase: true }).root;
  return root.lookupType(`caffe.${name}`);
}

const TO_OBJECT: protobuf.IConversionOptions = { enums: String, longs: Number, arrays: true, defaults: false };

/** Reads a text-format message (`file` names it in messages). */
export function parseText(type: string, text: string, file: string): Msg {
  const t = caffeType(type);
  try {
    return t.toObject(textformat.fromText(t, text), TO_OBJECT);
  } catch (e) {
    const message = (e as Error).message;
    throw new DataError(`${file}: not a valid Caffe ${type} in text format: ${message}${/\(line \d+\)/.test(message) ? '' : lineOf(t, text, message)}`);
  }
}

/**
 * Where a parse error without a line number arose (the text format's value errors, such as
 * "integer value expected", have none): the first line whose prefix of the text fails with the
 * same message. Shorter prefixes parse, or fail otherwise (an unclosed block), so a binary search
 * finds it. Returns " (line N: <the line>)", or '' if no prefix fails the same way.
 */
function lineOf(t: protobuf.Type, text: string, message: string): string {
  const lines = text.split('\n');
  const fails = (k: number) => {
    try {
      textformat.fromText(t, lines.slice(0, k).join('\n'));
      return false;
    } catch (e) {
      return (e as Error).message === message;
    }
  };
  if (!fails(lines.length)) return '';
  let lo = 1, hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(mid)) hi = mid;
    else lo = mid + 1;
  }
  const line = lines[lo - 1]!.trim();
  return ` (line ${lo}: ${line.length > 80 ? `${line.slice(0, 77)}...` : line})`;
}

/** Writes a message in text format, fields in the schema's order. */
export function formatText(type: string, msg: Msg): string {
  const t = caffeType(type);
  return textformat.toText(t, t.fromObject(msg));
}

/** Reads a binary message (`file` names it in messages). */
export function decodeBinary(type: string, bytes: Uint8Array, file: string): Msg {
  const t = caffeType(type);
  try {
    return t.toObject(t.decode(bytes), TO_OBJECT);
  } catch (e) {
    throw new DataError(`${file}: not a valid Caffe ${type} in binary protobuf (truncated or damaged?): ${(e as Error).message}`);
  }
}

/** Writes a binary message. */
export function encodeBinary(type: string, msg: Msg): Uint8Array {
  const t = caffeType(type);
  return t.encode(t.fromObject(msg)).finish();
}
