// Unit tests for the parts of src/verify/verify.ts that need no builder: reading cache hits from each builder's
// output, base-image substitution, the choice of the file to edit, and the image comparison (manifests of a folder
// and of a tar, their differences, the measured noise, the declared differences). The real builds are in run.mjs.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseEditFile, committedLayers, findStep, parseBuildLog, stepCached, substituteBaseImages, type BuildRun } from '../../src/verify/verify.js';
import { manifestFromDir, manifestFromTar, type ImageManifest, type ManifestEntry } from '../../src/verify/image-manifest.js';
import { compareImages, declarationsOf, diffManifests, measureNoise, packagesInOne } from '../../src/verify/image-diff.js';
import { builtinTransforms } from '../../transforms/index.js';

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

  it('throws when there is nothing to edit (a Dockerfile by any of its names is not a source)', () => {
    make({ 'go.mod': 'module x', 'Dockerfile': 'FROM golang\n', 'Dockerfile-build': 'FROM golang\n', 'Containerfile_dev': 'FROM golang\n' });
    expect(() => chooseEditFile(dir, ['FROM golang\nCOPY . .\n'])).toThrow(/no source file to edit/);
  });
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

describe('image manifests', () => {
  let dir = '';
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const longName = `${'deep/'.repeat(24)}file-with-a-long-name.txt`;
  const makeRoot = () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manifest-test-'));
    const root = path.join(dir, 'root');
    fs.mkdirSync(path.join(root, 'usr/bin'), { recursive: true });
    fs.writeFileSync(path.join(root, 'usr/bin/tool'), '#!/bin/sh\n');
    fs.chmodSync(path.join(root, 'usr/bin/tool'), 0o4755);
    fs.symlinkSync('tool', path.join(root, 'usr/bin/alias'));
    fs.linkSync(path.join(root, 'usr/bin/tool'), path.join(root, 'usr/bin/tool-hardlink'));
    fs.mkdirSync(path.join(root, 'var/lib/dpkg/info'), { recursive: true });
    fs.writeFileSync(path.join(root, 'var/lib/dpkg/status'), 'Package: jq\nStatus: install ok installed\n');
    fs.writeFileSync(path.join(root, 'var/lib/dpkg/info/jq.list'), '/.\n/usr/bin/jq\n');
    fs.mkdirSync(path.dirname(path.join(root, longName)), { recursive: true });
    fs.writeFileSync(path.join(root, longName), 'x');
    return root;
  };

  it('reads a folder without following links: type, permission bits, owner, link target, size and sha256', () => {
    const root = makeRoot();
    const m = manifestFromDir(root);
    const { uid, gid } = fs.statSync(root);
    expect(m.entries.get('/usr/bin/tool')).toEqual({ type: 'file', mode: 0o4755, uid, gid, size: 10, sha256: sha('#!/bin/sh\n') });
    expect(m.entries.get('/usr/bin/alias')).toEqual({ type: 'symlink', mode: fs.lstatSync(path.join(root, 'usr/bin/alias')).mode & 0o7777, uid, gid, target: 'tool' });
    expect(m.entries.get('/usr/bin')).toMatchObject({ type: 'dir', uid, gid });
    expect(m.entries.get('/usr/bin/tool-hardlink')).toEqual(m.entries.get('/usr/bin/tool'));
    expect(m.entries.get(`/${longName}`)).toMatchObject({ type: 'file', size: 1, sha256: sha('x') });
    expect([...m.texts.keys()].sort()).toEqual(['/var/lib/dpkg/info/jq.list', '/var/lib/dpkg/status']);
    expect(m.entries.has('/')).toBe(false);
  });

  for (const format of ['pax', 'gnu']) {
    it(`reads a ${format} tar (long names, hard links, symlinks) to the same manifest as the folder`, async () => {
      const root = makeRoot();
      const tar = spawnSync('tar', ['-C', root, `--format=${format}`, '-cf', '-', '.'], { maxBuffer: 1 << 26 });
      expect(tar.status).toBe(0);
      // Chunks of odd sizes, so that headers and data cross chunk boundaries.
      const chunks = Array.from({ length: Math.ceil(tar.stdout.length / 333) }, (_, i) => tar.stdout.subarray(i * 333, (i + 1) * 333));
      const fromTar = await manifestFromTar(Readable.from(chunks));
      const fromDir = manifestFromDir(root);
      expect(fromTar.entries).toEqual(fromDir.entries);
      expect(fromTar.texts).toEqual(fromDir.texts);
    });
  }
});

const file = (content: string, mode = 0o644): ManifestEntry => ({ type: 'file', mode, uid: 0, gid: 0, size: content.length, sha256: sha(content) });
const folder: ManifestEntry = { type: 'dir', mode: 0o755, uid: 0, gid: 0 };
const image = (entries: Record<string, ManifestEntry>, texts: Record<string, string> = {}): ImageManifest => ({ entries: new Map(Object.entries(entries)), texts: new Map(Object.entries(texts)) });
const noNoise = { fields: new Map(), presence: new Set<string>(), listings: new Set<string>() };

describe('diffManifests', () => {
  it('lists added, removed and changed paths with the fields that differ, sorted', () => {
    const a = image({ '/a': file('1'), '/b': file('2'), '/d': folder });
    const b = image({ '/a': file('1', 0o755), '/c': file('3'), '/d': { ...folder, uid: 1000 } });
    expect(diffManifests(a, b)).toEqual([
      { path: '/a', change: 'changed', fields: ['mode'] },
      { path: '/b', change: 'removed', fields: [] },
      { path: '/c', change: 'added', fields: [] },
      { path: '/d', change: 'changed', fields: ['uid'] },
    ]);
  });
});

describe('compareImages', () => {
  const base = { '/app': folder, '/app/index.js': file('main'), '/root/.npm': folder, '/root/.npm/_logs': folder };

  it('says identical, and leaves out what differs between two builds of the original (log names, rewritten bytes)', () => {
    const original = image({ ...base, '/root/.npm/_logs/2026-01-01T10_00_00Z-debug-0.log': file('a'), '/app/x.pyc': file('t1') });
    const rebuild = image({ ...base, '/root/.npm/_logs/2026-01-01T10_00_09Z-debug-0.log': file('b'), '/app/x.pyc': file('t2') });
    const rewrite = image({ ...base, '/root/.npm/_logs/2026-01-01T10_00_20Z-debug-0.log': file('c'), '/app/x.pyc': file('t3') });
    const noise = measureNoise(original, [{ manifest: rebuild }]);
    const result = compareImages(original, rewrite, { noise, declared: [] });
    expect(result.summary).toBe('identical (3 paths that differ between builds of the original not compared)');
    expect(result.verdict).toBe('identical');
    expect(result.noisy).toEqual(['/app/x.pyc', '/root/.npm/_logs/2026-01-01T10_00_00Z-debug-0.log', '/root/.npm/_logs/2026-01-01T10_00_20Z-debug-0.log']);
    expect(compareImages(original, original, { noise: noNoise, declared: [] }).summary).toBe('identical');
  });

  it('compares a noisy path on the fields that did not vary, and not the edited file', () => {
    const original = image({ ...base, '/app/x.pyc': file('t1') });
    const rebuild = image({ ...base, '/app/index.js': file('main // edited'), '/app/x.pyc': file('t2') });
    const rewrite = image({ ...base, '/app/index.js': file('other'), '/app/x.pyc': file('t1', 0o600) });
    const noise = measureNoise(original, [{ manifest: rebuild, editedSha256: sha('main // edited') }]);
    const result = compareImages(original, rewrite, { noise, declared: [] });
    expect(result.verdict).toBe('different');
    expect(result.summary).toBe(`2 undeclared differences: /app/index.js size 4 -> 5, sha256 ${sha('main').slice(0, 12)} -> ${sha('other').slice(0, 12)}; /app/x.pyc mode 0644 -> 0600`);
  });

  it('allows what the applied transforms declare, and counts it per declaration', () => {
    const lists = { '/var/lib/apt/lists/deb.debian.org_InRelease': file('r'), '/var/lib/apt/lists/partial': folder };
    const original = image({ ...base, '/var/lib/apt/lists': folder, ...lists, '/root/.npm/_cacache': folder, '/root/.npm/_cacache/index': file('i') });
    const rewrite = image({ ...base, '/var/lib/apt/lists': folder });
    const declared = declarationsOf(['apt-lists-cleanup', 'npm-yarn-cache-clean', 'merge-runs'], builtinTransforms);
    expect(declared.map((d) => d.transform)).toEqual(['apt-lists-cleanup', 'npm-yarn-cache-clean']);
    const result = compareImages(original, rewrite, { noise: noNoise, declared });
    expect(result.summary).toBe('identical except declared (4 paths: apt-lists-cleanup: /var/lib/apt/lists/** 2, npm-yarn-cache-clean: /**/.npm/_cacache/** 2)');
    // Not declared by the transforms that ran: the same removal is a failure.
    const undeclared = compareImages(original, rewrite, { noise: noNoise, declared: declarationsOf(['merge-runs'], builtinTransforms) });
    expect(undeclared.verdict).toBe('different');
    expect(undeclared.undeclared.map((d) => d.path)).toEqual(['/root/.npm/_cacache', '/root/.npm/_cacache/index', '/var/lib/apt/lists/deb.debian.org_InRelease', '/var/lib/apt/lists/partial']);
  });

  it('allows the files of packages installed in one image only, from dpkg status and file lists, and nothing else', () => {
    const status = (names: string[]) => names.map((n) => `Package: ${n}\nStatus: install ok installed\nArchitecture: amd64\n`).join('\n');
    const before = image(
      { '/usr/bin/jq': file('jq'), '/usr/bin/less': file('less'), '/usr/share/doc/less': folder, '/usr/share/doc/less/copyright': file('c'), '/etc/less.conf': file('made by postinst'), '/var/lib/dpkg/status': file(status(['jq', 'less'])), '/var/lib/dpkg/info/less.md5sums': file('m') },
      { '/var/lib/dpkg/status': status(['jq', 'less', 'gone']).replace('Package: gone\nStatus: install ok installed', 'Package: gone\nStatus: deinstall ok config-files'), '/var/lib/dpkg/info/less:amd64.list': '/.\n/usr\n/usr/bin/less\n/usr/share/doc/less\n/usr/share/doc/less/copyright\n', '/var/lib/dpkg/info/jq.list': '/.\n/usr/bin/jq\n' },
    );
    const after = image({ '/usr/bin/jq': file('jq'), '/var/lib/dpkg/status': file(status(['jq'])) }, { '/var/lib/dpkg/status': status(['jq']), '/var/lib/dpkg/info/jq.list': '/.\n/usr/bin/jq\n' });
    expect(packagesInOne(before, after).packages).toEqual(['less']);
    const result = compareImages(before, after, { noise: noNoise, declared: declarationsOf(['apt-no-install-recommends'], builtinTransforms) });
    expect(result.declared).toEqual([{ rule: 'apt-no-install-recommends: files of the 1 packages installed in one image only (less)', paths: 5 }]);
    expect(result.summary).toBe('1 undeclared differences: /etc/less.conf (file) missing from the rewrite\'s image');
  });
});
