// Properties of the default run over every Dockerfile of ../shared/corpus, each in its own build context.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { optimize } from '../src/index.js';
import { directoryContext, withWrites } from '../src/contexts/context.js';
import { corpusAvailable, materializeCorpus } from './support/corpus.js';
import { commentMissing, parseRegression, untouchedLineMissing } from './support/properties.js';

if (!corpusAvailable) console.warn('corpus tests skipped: ../shared/corpus is not there');

describe.skipIf(!corpusAvailable)('corpus', () => {
  const { root, cases } = corpusAvailable ? materializeCorpus() : { root: '', cases: [] };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('has the 413 cases', () => expect(cases.length).toBe(413));

  for (const unsafe of [false, true]) {
    it(`keeps every property on every case${unsafe ? ' (with --unsafe)' : ''}`, () => {
      const failures: string[] = [];
      let changed = 0;
      for (const { id, dir } of cases) {
        const file = path.join(dir, 'Dockerfile');
        const before = fs.readFileSync(file, 'utf8');
        const context = directoryContext(dir, file);
        try {
          const result = optimize(before, { context, unsafe });
          if (result.text !== before) changed++;
          const again = optimize(result.text, { context: withWrites(context, result.files), unsafe });
          if (again.text !== result.text || again.files.length) failures.push(`${id}: a second run changes the output`);
          const problem = parseRegression(before, result.text) ?? commentMissing(before, result.text) ?? untouchedLineMissing(before, result);
          if (problem) failures.push(`${id}: ${problem}`);
        } catch (error) {
          failures.push(`${id}: ${(error as Error).message}`);
        }
      }
      expect(failures).toEqual([]);
      // A floor that catches a transform silently doing nothing.
      expect(changed).toBeGreaterThan(15);
    });
  }
});

