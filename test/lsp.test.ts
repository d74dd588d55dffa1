// `dockmod lsp --stdio` driven as an editor drives it, over stdio with vscode-jsonrpc (test/support/lsp.ts):
// initialize, open, the diagnostics published, code actions and their edits applied, a change, shutdown and exit.
// Run after `npm run build` (npm test does).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { CodeAction, Diagnostic } from 'vscode-languageserver/node';
import { docsUrl, dockmodDocsBase } from '../src/formats/docs-links.js';
import { applyWorkspaceEdit, LspClient, uriOf } from './support/lsp.js';
import { dockmod, tempTree } from './support/cli.js';

const temps: string[] = [];
const clients: LspClient[] = [];

afterEach(() => {
  for (const c of clients.splice(0)) c.kill();
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const tempDir = (files: Record<string, string>): string => tempTree('dockmod-lsp-', files, temps);

async function started(initializationOptions: unknown, rootDir?: string): Promise<LspClient> {
  const client = new LspClient();
  clients.push(client);
  await client.initialize(initializationOptions, rootDir);
  return client;
}

/** A diagnostic in short: first and last line (0-based), severity (2 warning, 3 information, 4 hint), code, message. */
const brief = (d: Diagnostic) => [d.range.start.line, d.range.end.line, d.severity, d.code, d.message];

const APP = {
  'package.json': '{"name":"app","version":"1.0.0"}\n',
  'package-lock.json': '{"name":"app","lockfileVersion":3,"packages":{}}\n',
  'index.js': 'console.log("hi");\n',
};

const DOCKERFILE = `FROM node:20
MAINTAINER jane@example.com
RUN apt-get update && apt-get install -y curl
WORKDIR /app
COPY . .
RUN npm ci
CMD ["node", "index.js"]
`;

const MAINTAINER = [1, 1, 2, 'maintainer-to-label', 'replace MAINTAINER with LABEL maintainer'];
const APT_LISTS = [2, 2, 2, 'apt-lists-cleanup', 'remove the apt package lists at the end of `RUN apt-get update && apt-get install -y curl` (line 3)'];
const NO_RECOMMENDS = [2, 2, 4, 'apt-no-install-recommends', 'add --no-install-recommends to `apt-get install` (unsafe: dockmod applies it only with --unsafe)'];

/** `dockmod --write` on a copy of `dir` whose Dockerfile holds `text`: the copy's Dockerfile and .dockerignore after it. */
function writtenByCli(dir: string, text: string): { dockerfile: string; dockerignore: string | undefined } {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-lsp-cli-'));
  temps.push(copy);
  fs.cpSync(dir, copy, { recursive: true });
  fs.writeFileSync(path.join(copy, 'Dockerfile'), text);
  const r = dockmod(['--write', 'Dockerfile'], copy);
  expect(r.status).toBe(0);
  const ignore = path.join(copy, '.dockerignore');
  return { dockerfile: fs.readFileSync(path.join(copy, 'Dockerfile'), 'utf8'), dockerignore: fs.existsSync(ignore) ? fs.readFileSync(ignore, 'utf8') : undefined };
}

const line = (n: number) => ({ start: { line: n, character: 0 }, end: { line: n, character: 0 } });

describe('dockmod lsp', () => {
  it('publishes one diagnostic per change, fixes one change with its .dockerignore edit, re-diagnoses a change, and fixes all as --write does', async () => {
    const dir = tempDir(APP);
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, DOCKERFILE);
    const uri = uriOf(file);
    const client = await started({ showUnsafe: true }, dir);
    await client.open(file, DOCKERFILE);

    const opened = await client.diagnostics(uri, { version: 1 });
    expect(opened.map(brief)).toEqual([
      MAINTAINER,
      APT_LISTS,
      NO_RECOMMENDS,
      [4, 4, 2, 'split-copy-install', 'copy package.json, package-lock.json and run `npm ci` before copying the sources'],
      [5, 5, 2, 'npm-yarn-cache-clean', 'add `npm cache clean --force` at the end of `RUN npm ci` (line 6)'],
    ]);
    expect(opened[0]).toEqual({
      range: { start: { line: 1, character: 0 }, end: { line: 1, character: 27 } },
      severity: 2,
      source: 'dockmod',
      code: 'maintainer-to-label',
      codeDescription: { href: docsUrl('docs/transforms/maintainer-to-label.md', dockmodDocsBase()!) },
      message: 'replace MAINTAINER with LABEL maintainer',
    });

    // The quick fix on the COPY makes the split alone, and creates the .dockerignore it needs (the edit of the new,
    // empty file ends past its last line: the end of the text, for Neovim too: src/lsp/workspace-edits.ts).
    const onCopy = await client.codeActions(file, line(4));
    expect(onCopy.map((a) => [a.kind, a.title])).toEqual([
      ['quickfix', 'dockmod: copy package.json, package-lock.json and run `npm ci` before copying the sources'],
      ['source.fixAll.dockmod', 'dockmod: apply every change (as dockmod --write)'],
    ]);
    const split = onCopy[0]!;
    expect(split.diagnostics).toEqual([opened[3]]);
    expect(split.edit!.documentChanges!.slice(1)).toEqual([
      { kind: 'create', uri: uriOf(path.join(dir, '.dockerignore')) },
      { textDocument: { uri: uriOf(path.join(dir, '.dockerignore')), version: null }, edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, newText: 'node_modules\n' }] },
    ]);
    const texts = new Map([[uri, DOCKERFILE]]);
    applyWorkspaceEdit(split.edit!, texts);
    const afterSplit = `FROM node:20
MAINTAINER jane@example.com
RUN apt-get update && apt-get install -y curl
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
CMD ["node", "index.js"]
`;
    expect(texts.get(uri)).toBe(afterSplit);
    expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toBe('node_modules\n');

    // The edit as the editor sends it: the split's diagnostic is gone, the cache clean moved with its RUN.
    await client.change(file, 2, afterSplit);
    expect((await client.diagnostics(uri, { version: 2 })).map(brief)).toEqual([
      MAINTAINER,
      APT_LISTS,
      NO_RECOMMENDS,
      [5, 5, 2, 'npm-yarn-cache-clean', 'add `npm cache clean --force` at the end of `RUN npm ci` (line 6)'],
    ]);

    // The unsafe hint's quick fix makes that change, which fix-all (as --write) leaves out.
    const onApt = await client.codeActions(file, line(2), ['quickfix']);
    expect(onApt.map((a) => [a.title, a.isPreferred])).toEqual([
      ['dockmod: remove the apt package lists at the end of `RUN apt-get update && apt-get install -y curl` (line 3)', true],
      ['dockmod: add --no-install-recommends to `apt-get install`', false],
    ]);
    const recommends = new Map([[uri, afterSplit]]);
    applyWorkspaceEdit(onApt[1]!.edit!, recommends);
    expect(recommends.get(uri)).toBe(afterSplit.replace('install -y curl', 'install --no-install-recommends -y curl'));

    const [fixAll] = (await client.codeActions(file, line(0), ['source.fixAll'])) as [CodeAction];
    expect(fixAll.kind).toBe('source.fixAll.dockmod');
    applyWorkspaceEdit(fixAll.edit!, texts);
    const cli = writtenByCli(dir, afterSplit);
    expect(texts.get(uri)).toBe(cli.dockerfile);
    expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toBe(cli.dockerignore);
    expect(texts.get(uri)).toBe(`FROM node:20
LABEL maintainer="jane@example.com"
RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force
COPY . .
CMD ["node", "index.js"]
`);

    expect(await client.close()).toBe(0);
  });

  it('makes the file and its new .dockerignore what --write makes them, in one fix-all', async () => {
    const dir = tempDir(APP);
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, DOCKERFILE);
    const client = await started({});
    // Unsaved text in the editor differs from the file on disk: the editor's text is what is fixed.
    const unsaved = DOCKERFILE.replace('curl', 'curl git');
    await client.open(file, unsaved);
    await client.diagnostics(uriOf(file));
    const [fixAll] = (await client.codeActions(file, line(0), ['source.fixAll.dockmod'])) as [CodeAction];
    const texts = new Map([[uriOf(file), unsaved]]);
    applyWorkspaceEdit(fixAll.edit!, texts);
    const cli = writtenByCli(dir, unsaved);
    expect(texts.get(uriOf(file))).toBe(cli.dockerfile);
    expect(fs.readFileSync(path.join(dir, '.dockerignore'), 'utf8')).toBe(cli.dockerignore);
    expect(cli.dockerignore).toBe('node_modules\n');
  });

  it('shows skips as information when the setting asks, and re-reads settings', async () => {
    const dir = tempDir(APP);
    const file = path.join(dir, 'Dockerfile');
    const client = await started({ showSkips: true });
    await client.open(file, DOCKERFILE);
    expect((await client.diagnostics(uriOf(file))).map(brief)).toEqual([
      MAINTAINER,
      APT_LISTS,
      [2, 2, 3, 'buildkit-cache-mounts', 'left alone: no apt cache mount: the RUN removes the package lists'],
      [4, 4, 2, 'split-copy-install', 'copy package.json, package-lock.json and run `npm ci` before copying the sources'],
      [5, 5, 2, 'npm-yarn-cache-clean', 'add `npm cache clean --force` at the end of `RUN npm ci` (line 6)'],
      [5, 5, 3, 'buildkit-cache-mounts', 'left alone: no npm cache mount: the RUN cleans the package cache'],
    ]);
    const after = client.published.length;
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { dockmod: { showSkips: false } } });
    expect((await client.diagnostics(uriOf(file), { after })).map((d) => d.code)).toEqual(['maintainer-to-label', 'apt-lists-cleanup', 'split-copy-install', 'npm-yarn-cache-clean']);
    // Helix sends its `config` table as the settings themselves, not under `dockmod`.
    const again = client.published.length;
    await client.connection.sendNotification('workspace/didChangeConfiguration', { settings: { showUnsafe: true } });
    expect((await client.diagnostics(uriOf(file), { after: again })).map((d) => d.code)).toEqual(['maintainer-to-label', 'apt-lists-cleanup', 'apt-no-install-recommends', 'split-copy-install', 'npm-yarn-cache-clean']);
  });

  it('re-diagnoses open files when the manifests next to them change (watched files) and on save', async () => {
    const dir = tempDir({});
    const file = path.join(dir, 'Dockerfile');
    const text = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n';
    fs.writeFileSync(file, text);
    const client = await started({ showSkips: true });
    await client.open(file, text);
    expect((await client.diagnostics(uriOf(file))).map(brief)).toEqual([
      [2, 2, 3, 'split-copy-install', 'left alone: `npm ci`: package.json is not in the build context'],
      [3, 3, 2, 'npm-yarn-cache-clean', 'add `npm cache clean --force` at the end of `RUN npm ci` (line 4)'],
      [3, 3, 3, 'buildkit-cache-mounts', 'left alone: no npm cache mount: the RUN cleans the package cache'],
    ]);
    for (const [name, body] of Object.entries(APP)) fs.writeFileSync(path.join(dir, name), body);
    let after = client.published.length;
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: Object.keys(APP).map((name) => ({ uri: uriOf(path.join(dir, name)), type: 1 })) });
    expect((await client.diagnostics(uriOf(file), { after })).map((d) => d.message)[0]).toBe('copy package.json, package-lock.json and run `npm ci` before copying the sources');

    // Saved: the context is read again (a client that watches no files still sees the manifests as they are).
    fs.rmSync(path.join(dir, 'package.json'));
    after = client.published.length;
    await client.connection.sendNotification('textDocument/didSave', { textDocument: { uri: uriOf(file) } });
    expect((await client.diagnostics(uriOf(file), { after })).map((d) => d.message)[0]).toBe('left alone: `npm ci`: package.json is not in the build context');
  });

  it('re-diagnoses a Dockerfile when a file of its build context beside it changes (compose context ../app)', async () => {
    const dir = tempDir({
      'compose.yaml': 'services:\n  app:\n    build:\n      context: ./app\n      dockerfile: ../docker/Dockerfile\n',
      'app/package.json': '{\n',
      'app/package-lock.json': '{}\n',
      'app/index.js': 'console.log("hi");\n',
    });
    const file = path.join(dir, 'docker', 'Dockerfile');
    const client = await started({ showSkips: true });
    await client.open(file, 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n');
    expect((await client.diagnostics(uriOf(file))).map((d) => d.message)[0]).toBe('left alone: `npm ci`: package.json is not valid JSON');
    fs.writeFileSync(path.join(dir, 'app', 'package.json'), APP['package.json']);
    const after = client.published.length;
    await client.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(path.join(dir, 'app', 'package.json')), type: 2 }] });
    expect((await client.diagnostics(uriOf(file), { after })).map((d) => d.message)[0]).toBe('copy package.json, package-lock.json and run `npm ci` before copying the sources');
  });

  it("serves a compose file's inline Dockerfiles: diagnostics on the YAML lines, fix-all as --write, no quick fix of one change", async () => {
    const compose = `services:
  api:
    build:
      context: ./api
      dockerfile_inline: |
        FROM debian:12
        MAINTAINER jane@example.com
        RUN apt-get update && apt-get install -y curl
  db:
    image: postgres:16
`;
    const dir = tempDir({ 'compose.yaml': compose, 'api/main.sh': 'echo hi\n', 'other/compose.yaml': 'services:\n  db:\n    image: postgres:16\n' });
    const file = path.join(dir, 'compose.yaml');
    const client = await started({});
    // Unsaved: the inline Dockerfile as the editor holds it (the services come from the file on disk).
    const unsaved = compose.replace('curl', 'curl git');
    await client.open(file, unsaved);
    expect((await client.diagnostics(uriOf(file))).map(brief)).toEqual([
      [6, 6, 2, 'maintainer-to-label', 'replace MAINTAINER with LABEL maintainer'],
      [7, 7, 2, 'apt-lists-cleanup', 'remove the apt package lists at the end of `RUN apt-get update && apt-get install -y curl git` (line 3)'],
    ]);
    expect((await client.codeActions(file, line(7))).map((a) => a.kind)).toEqual(['source.fixAll.dockmod']);
    const [fixAll] = (await client.codeActions(file, line(0), ['source.fixAll.dockmod'])) as [CodeAction];
    const texts = new Map([[uriOf(file), unsaved]]);
    applyWorkspaceEdit(fixAll.edit!, texts);
    fs.writeFileSync(file, unsaved);
    const r = dockmod(['--write', 'compose.yaml'], dir);
    expect(r.status, r.stderr).toBe(0);
    expect(texts.get(uriOf(file))).toBe(fs.readFileSync(file, 'utf8'));
    expect(texts.get(uriOf(file))).toContain('        LABEL maintainer="jane@example.com"\n        RUN apt-get update && apt-get install -y curl git && rm -rf /var/lib/apt/lists/*\n');

    // A compose file with no inline Dockerfile has nothing for dockmod: no diagnostic at all.
    await client.open(path.join(dir, 'other', 'compose.yaml'), 'services:\n  db:\n    image: postgres:16\n');
    expect(await client.diagnostics(uriOf(path.join(dir, 'other', 'compose.yaml')))).toEqual([]);
  });

  it('takes the build context the Dockerfile\'s sources prove up to the workspace root, as dockmod run there does', async () => {
    // services/api/Dockerfile copies services/api/entrypoint.sh: it is built from the repository root.
    const dir = tempDir({ '.git/HEAD': 'ref: refs/heads/main\n', 'services/api/entrypoint.sh': '#!/bin/sh\n', ...Object.fromEntries(Object.entries(APP).map(([f, t]) => [`services/api/${f}`, t])) });
    const text = 'FROM node:20\nWORKDIR /repo\nCOPY . ./\nWORKDIR /repo/services/api\nRUN npm ci\nCOPY services/api/entrypoint.sh /entrypoint.sh\n';
    const file = path.join(dir, 'services', 'api', 'Dockerfile');
    fs.writeFileSync(file, text);
    const client = await started({}, dir);
    await client.open(file, text);
    const split = (await client.diagnostics(uriOf(file), { version: 1 })).find((d) => d.code === 'split-copy-install');
    expect(split?.message).toBe('copy services/api/package.json, services/api/package-lock.json and run `npm ci` before copying the sources');
  });

  it('keeps serving after a document that does not parse, a 5 MB document and contexts it cannot read, and says nothing untrue of them', async () => {
    const dir = tempDir({ 'fifo/package-lock.json': '{}\n', 'b/compose.yaml': 'services:\n  web:\n    build:\n      context: ../missing\n      dockerfile: ../b/Dockerfile\n', ...Object.fromEntries(Object.entries(APP).map(([n, t]) => [`good/${n}`, t])) });
    spawnSync('mkfifo', [path.join(dir, 'fifo', 'package.json')]);
    const client = await started({});
    const npm = 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n';
    const cacheClean = [3, 3, 2, 'npm-yarn-cache-clean', 'add `npm cache clean --force` at the end of `RUN npm ci` (line 4)'];

    await client.open(path.join(dir, 'bad', 'Dockerfile'), 'FROM node:20\nRUN npm ci\nFRM alpine\n');
    expect((await client.diagnostics(uriOf(path.join(dir, 'bad', 'Dockerfile')))).map(brief)).toEqual([[2, 2, 3, undefined, "dockmod leaves this file alone: unknown instruction 'FRM' on line 3"]]);

    const huge = `FROM debian\n${'RUN apt-get install curl\n'.repeat(210_000)}`;
    expect(huge.length).toBeGreaterThan(5_000_000);
    await client.open(path.join(dir, 'huge', 'Dockerfile'), huge);
    expect((await client.diagnostics(uriOf(path.join(dir, 'huge', 'Dockerfile')))).map(brief)).toEqual([[0, 0, 3, undefined, 'dockmod leaves this file alone: 5127 KiB is over the 256 KiB size limit']]);

    // package.json a named pipe: not read (no hang), so no split is offered; the context folder missing: the same.
    await client.open(path.join(dir, 'fifo', 'Dockerfile'), npm);
    expect((await client.diagnostics(uriOf(path.join(dir, 'fifo', 'Dockerfile')))).map(brief)).toEqual([cacheClean]);
    await client.open(path.join(dir, 'b', 'Dockerfile'), npm);
    expect((await client.diagnostics(uriOf(path.join(dir, 'b', 'Dockerfile')))).map(brief)).toEqual([cacheClean]);

    await client.open(path.join(dir, 'good', 'Dockerfile'), npm);
    expect((await client.diagnostics(uriOf(path.join(dir, 'good', 'Dockerfile')))).map((d) => d.code)).toEqual(['split-copy-install', 'npm-yarn-cache-clean']);
    // No fix is offered for a file left alone.
    expect(await client.codeActions(path.join(dir, 'huge', 'Dockerfile'), line(0))).toEqual([]);
    expect(await client.close()).toBe(0);
  });
});
