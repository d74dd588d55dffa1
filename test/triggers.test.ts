// The engine runs a transform only where its trigger can match (src/tools/mentions.ts): a trigger declared too
// narrow would silently lose that transform's changes and skips, so every built-in one is held to its trigger over
// the corpus and every fixture.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Document } from '../src/engine/document.js';
import { InputRefusal } from '../src/engine/types.js';
import { directoryContext } from '../src/contexts/context.js';
import { contextBuilders } from '../src/contexts/context-from-sources.js';
import { mayRunTools, mayTrigger } from '../src/tools/mentions.js';
import { builtinTransforms } from '../transforms/index.js';
import { listFixtures } from './support/fixtures.js';
import { corpusAvailable, materializeCorpus } from './support/corpus.js';

const doc = (text: string) => new Document(text);

describe('mayRunTools', () => {
  it('finds a command name written across a continuation, in quotes, escaped or in a variable’s value', () => {
    expect(mayRunTools(doc('FROM a\nRUN ap\\\nt-get install -y curl\n'), ['apt'])).toBe(true);
    expect(mayRunTools(doc('FROM a\nRUN ap\\\n# a comment line, dropped as Docker drops it\nt-get install -y curl\n'), ['apt'])).toBe(true);
    expect(mayRunTools(doc('FROM a\nRUN "ap"\'t\'-g\\et install -y curl\n'), ['apt'])).toBe(true);
    expect(mayRunTools(doc('FROM a\nARG INSTALL="pip3 install"\nRUN $INSTALL flask\n'), ['pip'])).toBe(true);
    expect(mayRunTools(doc('FROM a\nRUN poetry install\n'), ['poetry'])).toBe(true);
  });

  it('rules a tool out only where no name of its commands is in the text, and takes an unknown id as possible', () => {
    expect(mayRunTools(doc('FROM a\nRUN make && ./configure\n'), ['apt', 'npm', 'poetry'])).toBe(false);
    expect(mayRunTools(doc('FROM a\nRUN make\n'), ['some-custom-tool'])).toBe(true);
  });
});

describe('mayTrigger', () => {
  it('holds only where an instruction the trigger names is there, whatever its case', () => {
    const aptGetYes = builtinTransforms.find((t) => t.id === 'apt-get-yes')!;
    expect([mayTrigger(aptGetYes, doc('from a\nrun apt-get install curl\n')), mayTrigger(aptGetYes, doc('FROM a\nCOPY apt-get.sh .\n'))]).toEqual([true, false]);
  });
});

const temps: string[] = [];
afterAll(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every fixture's and corpus case's Dockerfile with its build context. */
function inputs(): { name: string; text: string; contextDir: string; dockerfile: string }[] {
  const fixtures = listFixtures(path.resolve(import.meta.dirname, 'fixtures')).map(({ id, name, dir, options }) => ({
    name: `${id}/${name}`,
    dockerfile: path.join(dir, options.dockerfile ?? 'Dockerfile'),
    contextDir: path.join(dir, options.context ?? '.'),
  }));
  const corpus = corpusAvailable ? materializeCorpus() : { root: '', cases: [] };
  if (corpus.root) temps.push(corpus.root);
  const cases = corpus.cases.map(({ id, dir }) => ({ name: id, dockerfile: path.join(dir, 'Dockerfile'), contextDir: dir }));
  return [...fixtures, ...cases].map((i) => ({ ...i, text: fs.readFileSync(i.dockerfile, 'utf8').replace(/^\uFEFF/, '') }));
}

describe('every built-in transform', () => {
  it('finds nothing where the engine does not run it for its trigger, over the fixtures and the corpus', () => {
    const failures: string[] = [];
    let notRun = 0;
    for (const input of inputs()) {
      const document = doc(input.text);
      const context = directoryContext(input.contextDir, input.dockerfile, contextBuilders(input.contextDir, [], input.contextDir));
      for (const transform of builtinTransforms) {
        if (transform.mayFind!(document)) continue;
        notRun++;
        try {
          const { changes, skips } = transform.apply(document, { context });
          for (const c of changes) failures.push(`${input.name}: ${transform.id} changes line ${c.line + 1}: ${c.message}`);
          for (const s of skips) failures.push(`${input.name}: ${transform.id} skips line ${s.line + 1}: ${s.reason}`);
        } catch (error) {
          failures.push(`${input.name}: ${transform.id} ${error instanceof InputRefusal ? 'refuses' : 'throws'}: ${(error as Error).message}`);
        }
      }
      document.freeScripts();
    }
    expect(failures).toEqual([]);
    // Most transforms read a few tools: most files leave most of them out.
    expect(notRun).toBeGreaterThan(1000);
  });
});
