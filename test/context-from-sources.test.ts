// A Dockerfile that nothing names a build context for, whose own folder cannot be its context (it lacks a file
// the Dockerfile copies, and a build fails on a missing source): the nearest folder above that has every named
// source, as bitwarden/server's Dockerfiles are built from the repository's root.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockmod, tempTree } from './support/cli.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const SERVICE = [
  'FROM node:20',
  'WORKDIR /repo',
  'COPY . ./',
  'WORKDIR /repo/services/api',
  'RUN npm ci',
  'COPY services/api/entrypoint.sh /entrypoint.sh',
  '',
].join('\n');

const REPO = {
  '.git/HEAD': 'ref: refs/heads/main\n',
  'services/api/Dockerfile': SERVICE,
  'services/api/entrypoint.sh': '#!/bin/sh\n',
  'services/api/package.json': '{ "name": "api" }\n',
  'services/api/package-lock.json': '{ "lockfileVersion": 3 }\n',
  'services/api/index.js': 'console.log(1)\n',
  'services/web/Dockerfile': 'FROM nginx\nCOPY index.html /usr/share/nginx/html/\n',
  'services/web/index.html': '<p>hi</p>\n',
};

const NOTE = "dockmod: services/api/Dockerfile: build context taken to be ., which has services/api/entrypoint.sh that it copies, as its own folder does not (--context names another)\n";

describe('a build context proven by the sources the Dockerfile copies', () => {
  it('is the repository root where only it has them, and the run says so', () => {
    const dir = tempTree('dockmod-ctx-sources-', REPO, temps);
    const run = dockmod(['--only', 'split-copy-install', '.'], dir);
    expect(run.stderr).toMatch(new RegExp(`^${NOTE.replace(/[.()]/g, '\\$&')}dockmod: 1 would change, 1 unchanged, 0 with skips, 0 errors \\([\\d.]+s\\)\n$`));
    expect(run.stdout).toBe(
      [
        'diff --git a/services/api/Dockerfile b/services/api/Dockerfile',
        '--- a/services/api/Dockerfile',
        '+++ b/services/api/Dockerfile',
        '@@ -1,6 +1,7 @@',
        ' FROM node:20',
        ' WORKDIR /repo',
        '-COPY . ./',
        '+COPY services/api/package.json services/api/package-lock.json ./services/api/',
        ' WORKDIR /repo/services/api',
        ' RUN npm ci',
        '+COPY . /repo/',
        ' COPY services/api/entrypoint.sh /entrypoint.sh',
        // The context's ignore file keeps the host's node_modules from landing on the installed one.
        'diff --git a/.dockerignore b/.dockerignore',
        'new file mode 100644',
        '--- /dev/null',
        '+++ b/.dockerignore',
        '@@ -1,0 +1,1 @@',
        '+services/api/node_modules',
        '',
      ].join('\n'),
    );
    expect(run.status).toBe(0);
  });

  it('is the same for explain', () => {
    const dir = tempTree('dockmod-ctx-sources-explain-', REPO, temps);
    const run = dockmod(['explain', 'services/api/Dockerfile'], dir);
    expect(run.stderr).toBe(NOTE.replace('dockmod:', 'dockmod explain:'));
    expect(run.stdout).toContain('COPY services/api/package.json');
    expect(run.status).toBe(0);
  });

  it('is the Dockerfile\'s own folder where that has every source', () => {
    const dir = tempTree('dockmod-ctx-sources-own-', { ...REPO, 'services/api/services/api/entrypoint.sh': '#!/bin/sh\n' }, temps);
    const run = dockmod(['-v', '--only', 'split-copy-install', 'services/api/Dockerfile'], dir);
    expect(run.stderr).not.toContain('build context taken');
  });

  it('is never looked for above where dockmod runs, nor above a repository root', () => {
    const dir = tempTree('dockmod-ctx-sources-top-', REPO, temps);
    const below = dockmod(['-v', '--only', 'split-copy-install', '.'], path.join(dir, 'services', 'api'));
    expect(below.stderr).not.toContain('build context taken');
    // The sources are above the repository that holds the Dockerfile: not its context.
    const nested = tempTree('dockmod-ctx-sources-nested-', { 'services/api/entrypoint.sh': '#!/bin/sh\n', ...Object.fromEntries(Object.entries(REPO).map(([f, t]) => [`inner/${f.replace(/^services\/api\/entrypoint\.sh$/, 'other.sh')}`, t])) }, temps);
    const outer = dockmod(['-v', '--only', 'split-copy-install', '.'], nested);
    expect(outer.stderr).not.toContain('build context taken');
  });

  it('gives way to --context', () => {
    const dir = tempTree('dockmod-ctx-sources-flag-', REPO, temps);
    const run = dockmod(['--context', 'services/api', '--only', 'split-copy-install', 'services/api/Dockerfile'], dir);
    expect(run.stderr).not.toContain('build context taken');
  });
});

describe('an exec-form COPY written over several lines', () => {
  it('is read as Docker joins it, so its sources prove the context', () => {
    const dir = tempTree('dockmod-ctx-json-lines-', { ...REPO, 'services/api/Dockerfile': SERVICE.replace('COPY services/api/entrypoint.sh /entrypoint.sh', 'COPY ["services/api/entrypoint.sh", \\\n     "/entrypoint.sh"]') }, temps);
    const run = dockmod(['--only', 'split-copy-install', '.'], dir);
    expect(run.stderr).toContain('dockmod: services/api/Dockerfile: build context taken to be ., which has services/api/entrypoint.sh that it copies');
    expect(run.stdout).toContain('+COPY services/api/package.json services/api/package-lock.json ./services/api/');
  });
});
