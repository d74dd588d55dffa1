// Over the corpus, with the independent measure in ../shared/tools/corpus-metrics.mjs: every case whose
// dependency install still re-runs after a source-only edit must carry a split-copy-install skip saying why,
// or be one of the few listed below, each with the reason no skip is due.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { optimize } from '../src/index.js';
import { directoryContext } from '../src/contexts/context.js';
import { CORPUS, corpusAvailable, materializeCorpus } from './support/corpus.js';

const metricsModule = path.join(CORPUS, '..', 'tools', 'corpus-metrics.mjs');

/** Cases the measure flags where split-copy-install has nothing (more) to split, and why. */
const NOT_A_MANIFEST_INSTALL: Record<string, string> = {
  '0334-zipkin-docker-test-images-zipkin-eureka-df': 'sources arrive through COPY --from a scratch stage, not from the context',
  '0399-knative-docs-code-samples-serving-hello-world-he': '`pip install Flask gunicorn` reads nothing from the context (reorder-for-cache territory)',
  '0448-vscode-dev-containers-containers-azure-ansible-d': '`pip3 install ansible[azure]` after a glob copy of scripts; reads nothing from the context',
  '0460-vscode-dev-containers-containers-azure-static-we': '`npm install -g` inside `su -c` after a glob copy of scripts; reads nothing from the context',
  '0519-docker-parfum-0b436d6fe9c1': 'the measure takes `ADD https://.../tini /tini` for a folder copy; the npm install runs in a git clone',
  // Split by dockmod into a fetch before the copy and the original install after it, which the measure counts.
  '0499-memedb-root-df': '`composer install --no-scripts --no-autoloader` runs before the copy; after it, only scripts and the autoloader',
  '0507-sdjson-root-df': '`poetry install --no-root` runs before the copy; after it, only the project itself',
  '0442-zero-to-production-root-df': '`cargo chef cook` builds the dependencies before the copy; after it, `cargo build` compiles only the crate',
  '0495-train-schedule-gradle-root-df': "the wrapper's download of its Gradle distribution runs before the copy; after it, only the build, which has no build script to resolve",
};

describe.skipIf(!corpusAvailable || !fs.existsSync(metricsModule))('corpus installs', () => {
  const { root, cases } = corpusAvailable ? materializeCorpus() : { root: '', cases: [] };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('leaves no re-running dependency install without a reason', async () => {
    // The metrics module resolves dockerfile-ast from the current folder's package.json: this project.
    const { measure } = (await import(metricsModule)) as { measure: (text: string, listing: string[] | null) => { installsRerunOnSourceEdit: number } };
    const unexplained: string[] = [];
    let before = 0;
    let after = 0;
    for (const { id, dir } of cases) {
      const listingFile = path.join(CORPUS, 'cases', id, 'context.txt');
      const listing = fs.existsSync(listingFile) ? fs.readFileSync(listingFile, 'utf8').split('\n').filter(Boolean) : null;
      const file = path.join(dir, 'Dockerfile');
      const text = fs.readFileSync(file, 'utf8');
      const result = optimize(text, { context: directoryContext(dir, file) });
      if (measure(text, listing).installsRerunOnSourceEdit) before++;
      if (!measure(result.text, listing).installsRerunOnSourceEdit) continue;
      after++;
      const explained = result.skips.some((s) => s.transform === 'split-copy-install') || id in NOT_A_MANIFEST_INSTALL;
      if (!explained) unexplained.push(id);
    }
    expect(unexplained).toEqual([]);
    expect(after).toBeLessThan(before);
  });
});
