// Unit tests for the parts of src/verify/verify.ts that need no builder: reading cache hits from each builder's
// output, base-image substitution and the choice of the file to edit. The real builds are in run.mjs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseEditFile, committedLayers, findStep, parseBuildLog, stepCached, substituteBaseImages, type BuildRun } from '../../src/verify/verify.js';

const runOf = (output: string): BuildRun => {
  const stepLog = parseBuildLog(output);
  return { seconds: 1, steps: stepLog.length, cached: stepLog.filter((s) => s.cached).length, stepLog };
};

describe('parseBuildLog', () => {
  it('reads buildah and podman output', () => {
    const out = [
      'STEP 1/5: FROM localhost/node:local',
      'STEP 2/5: WORKDIR /app',
      '--> Using cache da89fa1a6e861f08907f3e0d3816fe9380a926fbe1125ac72a2719aaecd68392',
      '--> da89fa1a6e8',
      'STEP 3/5: COPY . .',
      '--> f4a0dfd0130',
      'STEP 4/5: RUN echo hi &&     npm ci',
      'hi',
      'added 2 packages in 1s',
      '--> 6570a5cd8d9',
      'STEP 5/5: CMD ["node", "index.js"]',
      'COMMIT localhost/x',
      '--> 96c47ac4d43',
      'Successfully tagged localhost/x:latest',
    ].join('\n');
    const run = runOf(out);
    expect(run.stepLog).toEqual([
      { text: 'WORKDIR /app', cached: true },
      { text: 'COPY . .', cached: false },
      { text: 'RUN echo hi &&     npm ci', cached: false },
      { text: 'CMD ["node", "index.js"]', cached: false },
    ]);
    expect(stepCached(run, 'echo hi && npm ci')).toBe(false);
    expect(stepCached(run, 'WORKDIR')).toBe(true);
    expect(stepCached(run, 'yarn')).toBeUndefined();
    expect(committedLayers(out)).toEqual(['f4a0dfd0130', '6570a5cd8d9', '96c47ac4d43']);
  });

  it('reads multi-stage buildah output', () => {
    const out = ['[1/2] STEP 1/2: FROM localhost/debian:bookworm AS build', '[1/2] STEP 2/2: RUN make', '--> Using cache 0123456789abcdef', '[2/2] STEP 1/2: FROM localhost/debian:bookworm', '[2/2] STEP 2/2: COPY --from=build /out /out', '--> 0a1b2c3d4e5'].join('\n');
    expect(parseBuildLog(out)).toEqual([
      { text: 'RUN make', cached: true },
      { text: 'COPY --from=build /out /out', cached: false },
    ]);
  });

  it('reads docker BuildKit plain progress', () => {
    const out = [
      '#0 building with "default" instance using docker driver',
      '',
      '#1 [internal] load build definition from Dockerfile',
      '#1 transferring dockerfile: 180B done',
      '#1 DONE 0.0s',
      '',
      '#4 [1/5] FROM docker.io/library/node:20@sha256:0123',
      '#4 DONE 0.0s',
      '',
      '#6 [2/5] WORKDIR /app',
      '#6 CACHED',
      '',
      '#7 [3/5] COPY package.json package-lock.json ./',
      '#7 CACHED',
      '',
      '#8 [4/5] RUN npm ci --omit=dev',
      '#8 0.512 added 2 packages in 1s',
      '#8 DONE 1.2s',
      '',
      '#9 [build 5/5] COPY . .',
      '#9 DONE 0.0s',
      '',
      '#10 exporting to image',
      '#10 DONE 0.1s',
    ].join('\n');
    const run = runOf(out);
    expect(run.stepLog).toEqual([
      { text: 'WORKDIR /app', cached: true },
      { text: 'COPY package.json package-lock.json ./', cached: true },
      { text: 'RUN npm ci --omit=dev', cached: false },
      { text: 'COPY . .', cached: false },
    ]);
    expect(findStep(run, /npm ci/)?.cached).toBe(false);
  });

  it("reads docker's legacy builder output", () => {
    const out = ['Sending build context to Docker daemon  4.096kB', 'Step 1/3 : FROM node:20', ' ---> 1234abcd', 'Step 2/3 : WORKDIR /app', ' ---> Using cache', ' ---> 5678abcd', 'Step 3/3 : RUN npm ci', ' ---> Running in 9abc', ' ---> def0'].join('\n');
    expect(parseBuildLog(out)).toEqual([
      { text: 'WORKDIR /app', cached: true },
      { text: 'RUN npm ci', cached: false },
    ]);
  });
});

describe('substituteBaseImages', () => {
  it('swaps FROM images and --from images, not stage names', () => {
    const text = 'FROM --platform=$BUILDPLATFORM node:20 AS build\r\nRUN npm ci\nFROM debian:bookworm\nCOPY --from=build /a /a\nCOPY --from=node:20 /usr/bin/node /usr/bin/\nFROM build\n';
    expect(substituteBaseImages(text, { 'node:20': 'localhost/node:local', 'debian:bookworm': 'localhost/debian:bookworm', build: 'nope' })).toBe(
      'FROM --platform=$BUILDPLATFORM localhost/node:local AS build\r\nRUN npm ci\nFROM localhost/debian:bookworm\nCOPY --from=build /a /a\nCOPY --from=localhost/node:local /usr/bin/node /usr/bin/\nFROM build\n',
    );
  });
});

describe('chooseEditFile', () => {
  let dir = '';
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const make = (files: Record<string, string>) => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-test-'));
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
  };

  it('prefers a non-empty source file over manifests, ignored and named files', () => {
    make({
      'package.json': '{}',
      'package-lock.json': '{}',
      'Dockerfile': 'FROM node:20\n',
      '.dockerignore': 'node_modules\ndist\n',
      'node_modules/x/index.js': 'x',
      'dist/a.js': 'a',
      'config.js': 'named',
      'README.md': '# hi',
      'src/empty.js': '',
      'src/main.js': 'main',
    });
    expect(chooseEditFile(dir, ['FROM node:20\nCOPY config.js ./\nCOPY . .\n'])).toBe('src/main.js');
  });

  it('skips files matched by a COPY glob, not files under a copied folder', () => {
    make({ 'app/server.py': 'x', 'requirements.txt': 'flask', 'a.py': 'x' });
    expect(chooseEditFile(dir, ['FROM python\nCOPY *.py ./\nCOPY app ./app\n'])).toBe('app/server.py');
  });

  it('throws when there is nothing to edit', () => {
    make({ 'go.mod': 'module x', 'Dockerfile': 'FROM golang\n' });
    expect(() => chooseEditFile(dir, ['FROM golang\nCOPY . .\n'])).toThrow(/no source file to edit/);
  });
});
