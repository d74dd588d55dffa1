// Over the corpus, with the independent measure in ../shared/tools/corpus-metrics.mjs: every case whose
// dependency install still re-runs cold after a source-only edit must carry a split-copy-install skip saying why.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { optimize } from '../src/index.js';
import { directoryContext } from '../src/contexts/context.js';
import { CORPUS, corpusAvailable, materializeCorpus } from './support/corpus.js';

const metricsModule = path.join(CORPUS, '..', 'tools', 'corpus-metrics.mjs');

/**
 * The measure takes an ADD of a URL or a git repository for a folder copy when a case has no context listing; such
 * an instruction brings no file of the build context, so no source edit changes it. The same Dockerfile without
 * those instructions shows whether anything else re-runs the install.
 */
const withoutRemoteSources = (text: string): string =>
  text.replace(/^[ \t]*ADD[ \t]+(?:--\S+[ \t]+)*(?:https?:\/\/|git@)\S*[ \t]+\S+[ \t]*$/gim, '');

describe.skipIf(!corpusAvailable || !fs.existsSync(metricsModule))('corpus installs', () => {
  const { root, cases } = corpusAvailable ? materializeCorpus() : { root: '', cases: [] };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('leaves no cold re-running dependency install without a reason', async () => {
    // The metrics module resolves dockerfile-ast from the current folder's package.json: this project.
    type Measure = { installsRerunOnSourceEdit: number; installsColdOnSourceEdit: number };
    const { measure } = (await import(metricsModule)) as { measure: (text: string, listing: string[] | null) => Measure };
    const unexplained: string[] = [];
    let before = 0;
    let after = 0;
    for (const { id, dir } of cases) {
      const listingFile = path.join(CORPUS, 'cases', id, 'context.txt');
      const listing = fs.existsSync(listingFile) ? fs.readFileSync(listingFile, 'utf8').split('\n').filter(Boolean) : null;
      const file = path.join(dir, 'Dockerfile');
      const text = fs.readFileSync(file, 'utf8');
      const result = optimize(text, { context: directoryContext(dir, file) });
      if (measure(text, listing).installsColdOnSourceEdit) before++;
      // A warm re-run has a fetch by the same manager before the copy (the measure's own test): it downloads nothing.
      if (!measure(result.text, listing).installsColdOnSourceEdit) continue;
      after++;
      if (!measure(withoutRemoteSources(result.text), listing).installsColdOnSourceEdit) continue;
      if (!result.skips.some((s) => s.transform === 'split-copy-install')) unexplained.push(id);
    }
    expect(unexplained).toEqual([]);
    expect(after).toBeLessThan(before);
  });
});
