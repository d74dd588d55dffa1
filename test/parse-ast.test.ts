// ArgumentScans answers dockerfile-ast's argument scan once per instruction, in the parse and in later lookups:
// every Dockerfile of the fixtures and the corpus must give the same tree, read through every getter, and the
// library must be left as it was.
import fs from 'node:fs';
import path from 'node:path';
import { DockerfileParser, Instruction } from 'dockerfile-ast';
import { describe, expect, it } from 'vitest';
import { ArgumentScans } from '../src/engine/parse-ast.js';
import { corpusAvailable, CORPUS } from './support/corpus.js';

const root = path.resolve(import.meta.dirname, '..');

function* filesUnder(dir: string): Generator<string> {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(full);
    else if (entry.name === 'Dockerfile' || entry.name.endsWith('.Dockerfile')) yield full;
  }
}

/** Every argument-less getter of the library's objects, read recursively: the tree as a caller can see it. */
function dump(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => dump(v, depth));
  const proto = Object.getPrototypeOf(value);
  if (proto === Object.prototype || depth > 4) return JSON.parse(JSON.stringify(value));
  const out: Record<string, unknown> = {};
  for (let p = proto; p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name in out || !/^(get|is|has)[A-Z]/.test(name) || typeof p[name] !== 'function' || p[name].length > 0) continue;
      try {
        out[name] = dump(p[name].call(value), depth + 1);
      } catch (error) {
        out[name] = `throws ${(error as Error).message}`;
      }
    }
  }
  return out;
}

const treeOf = (dockerfile: ReturnType<typeof DockerfileParser.parse>) => ({
  escape: dockerfile.getEscapeCharacter(),
  directives: dump(dockerfile.getDirectives()),
  comments: dump(dockerfile.getComments()),
  instructions: dump(dockerfile.getInstructions()),
});

const tricky = [
  'FROM --platform=$BUILDPLATFORM node:20 AS build\nONBUILD RUN --mount=type=cache,target=/x npm ci\n',
  'FROM a\nCOPY --chown=1:1 --link ["a b", "c"] /d/\nCMD []\nENTRYPOINT [ "x" ,\n "y" ]\n',
  'FROM a\nENV A=1 B="2 3" \\\n  C=4\nLABEL x=y\nARG V\nARG W=1\nHEALTHCHECK --interval=5s CMD curl -f x || exit 1\n',
  '# escape=`\nFROM a\nRUN echo `\n  # comment`\n  done\nRUN <<EOF bash\nset -e\nEOF\n',
  'FROM a\nRUN <<-A cat > f <<B\n\tx\n\tA\ny\nB\nCOPY <<EOF /x\nz\nEOF\n',
  'FROM a\nRUN a \\ \n  b\\\t\n  c \\\n\nRUN\nCOPY\n',
];

describe('ArgumentScans', () => {
  it('gives the tree dockerfile-ast gives, over tricky inputs, the fixtures and the corpus', () => {
    const texts = [...tricky, ...[...filesUnder(path.join(root, 'test', 'fixtures'))].map((f) => fs.readFileSync(f, 'utf8'))];
    if (corpusAvailable) for (const f of filesUnder(path.join(CORPUS, 'cases'))) texts.push(fs.readFileSync(f, 'utf8'));
    expect(texts.length).toBeGreaterThan(corpusAvailable ? 500 : 100);
    for (const text of texts) {
      const scans = new ArgumentScans();
      const dockerfile = scans.parse(text);
      // Read twice through the scans: lookups answered from memory, some of which mutate what they get.
      scans.run(() => treeOf(dockerfile));
      expect(scans.run(() => treeOf(dockerfile))).toEqual(treeOf(DockerfileParser.parse(text)));
    }
  });

  it('leaves the library as it found it, also when the parse throws', () => {
    const scan = (Instruction.prototype as unknown as { getRawArguments: unknown }).getRawArguments;
    expect(typeof scan).toBe('function');
    new ArgumentScans().parse('FROM a\nRUN b\n');
    expect((Instruction.prototype as unknown as { getRawArguments: unknown }).getRawArguments).toBe(scan);
    expect(() => new ArgumentScans().parse(null as unknown as string)).toThrow();
    expect((Instruction.prototype as unknown as { getRawArguments: unknown }).getRawArguments).toBe(scan);
  });
});
