/**
 * Caffe's synset words file (ILSVRC's synset_words.txt): one class per line, in class order, the
 * WordNet id, a space, and the words: `n01440764 tench, Tinca tinca`. Blank lines at the end are
 * ignored; any other line without an id and words is a DataError naming the file and line.
 */
import { DataError } from '../core/errors.js';
import { readRegularFile } from './io/files.js';

export interface SynsetWords {
  /** WordNet ids by class ("n01440764"). */
  ids: string[];
  /** The words of each class ("tench, Tinca tinca"). */
  words: string[];
}

/** Parses the text of a synset words file; `file` names it in messages. */
export function parseSynsetWords(text: string, file = 'synset words'): SynsetWords {
  const lines = text.replace(/\r\n/g, '\n').replace(/\n+$/, '').split('\n');
  const ids: string[] = [];
  const words: string[] = [];
  lines.forEach((line, i) => {
    const m = /^\s*(\S+)\s+(\S.*?)\s*$/.exec(line);
    if (!m) throw new DataError(`${file}, line ${i + 1}: expected "<id> <words>" such as "n01440764 tench, Tinca tinca", found ${JSON.stringify(line)}`);
    ids.push(m[1]);
    words.push(m[2]);
  });
  return { ids, words };
}

/** Reads a synset words file (a regular file). */
export function readSynsetWords(file: string): SynsetWords {
  return parseSynsetWords(readRegularFile(file, `synset words file ${file}`).toString('utf8'), file);
}
