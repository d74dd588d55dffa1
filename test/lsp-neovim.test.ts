// Debian's Neovim, headless, with its built-in LSP client (test/lsp-neovim/init.lua): it opens a Dockerfile, waits
// for dockmod's diagnostics, applies the source.fixAll.dockmod action and writes the files; they must be byte for
// byte what `dockmod --write` makes of a copy. The set-up installs Neovim when it is missing and we are root
// (apt-get); where it cannot, the test is skipped with a message saying why. Run after `npm run build`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, dockmod } from './support/cli.js';

const root = path.resolve(import.meta.dirname, '..');
const INIT = path.join(root, 'test', 'lsp-neovim', 'init.lua');

const version = () => spawnSync('nvim', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] || undefined;

/** Neovim's version line, installed first when missing and we are root; undefined (and said why) when it cannot be had. */
function neovim(): string | undefined {
  const found = version();
  if (found) return found;
  if (process.getuid?.() !== 0) {
    console.log('lsp-neovim: skipped: nvim is not installed and installing it needs root (apt-get install neovim)');
    return undefined;
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'neovim'], { env, encoding: 'utf8' });
  let r = install();
  // A fresh machine has no package lists yet.
  if (r.status !== 0) {
    spawnSync('apt-get', ['update'], { env });
    r = install();
  }
  const installed = version();
  if (!installed) console.log(`lsp-neovim: skipped: apt-get could not install neovim: ${(r.stderr ?? r.error?.message ?? '').trim().split('\n').pop()}`);
  return installed;
}

const nvim = neovim();
const temps: string[] = [];

afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Every file under a folder, by relative path, as bytes. */
function tree(dir: string): Record<string, Buffer> {
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).sort();
  return Object.fromEntries(files.map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

/** Two copies of a fixture folder: one for Neovim, one for `dockmod --write`. */
function copies(source: string): [string, string] {
  const make = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-nvim-'));
    temps.push(dir);
    fs.cpSync(source, dir, { recursive: true });
    return dir;
  };
  return [make(), make()];
}

/** Neovim's run on `dir`'s Dockerfile: what its diagnostics were. */
function runNeovim(dir: string): { diagnostics: { lnum: number; code: string; severity: number }[]; title: string } {
  const report = path.join(dir, '..', `${path.basename(dir)}.json`);
  temps.push(report);
  const r = spawnSync('nvim', ['--headless', '--noplugin', '-n', '-i', 'NONE', '-u', INIT], {
    env: { ...process.env, DOCKMOD_CLI: CLI, DOCKMOD_FILE: path.join(dir, 'Dockerfile'), DOCKMOD_REPORT: report },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.stderr, `nvim exited ${r.status}`).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(fs.readFileSync(report, 'utf8'));
}

function dockmodWrite(dir: string): void {
  const r = dockmod(['--write', 'Dockerfile'], dir);
  expect(r.status, r.stderr).toBe(0);
}

const fixtures = path.join(root, 'test', 'fixtures', 'split-copy-install');

describe.skipIf(!nvim)(`dockmod lsp in ${nvim ?? 'Neovim'}`, () => {
  it('fix-all in Neovim writes what dockmod --write writes: a new .dockerignore beside the Dockerfile', () => {
    const source = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-nvim-src-'));
    temps.push(source);
    fs.writeFileSync(path.join(source, 'Dockerfile'), 'FROM node:20\nMAINTAINER jane@example.com\nRUN apt-get update && apt-get install -y curl\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD ["node", "index.js"]\n');
    fs.writeFileSync(path.join(source, 'package.json'), '{"name":"app","version":"1.0.0"}\n');
    fs.writeFileSync(path.join(source, 'package-lock.json'), '{"name":"app","lockfileVersion":3,"packages":{}}\n');
    fs.writeFileSync(path.join(source, 'index.js'), 'console.log("hi");\n');
    const [inNeovim, byCli] = copies(source);
    const { diagnostics } = runNeovim(inNeovim);
    expect(diagnostics.map((d) => [d.lnum, d.code])).toEqual([
      [1, 'maintainer-to-label'],
      [2, 'apt-lists-cleanup'],
      [4, 'split-copy-install'],
      [5, 'npm-yarn-cache-clean'],
    ]);
    dockmodWrite(byCli);
    expect(tree(inNeovim)).toEqual(tree(byCli));
    expect(Object.keys(tree(inNeovim))).toContain('.dockerignore');
    expect(tree(inNeovim)['Dockerfile']).not.toEqual(fs.readFileSync(path.join(source, 'Dockerfile')));
  });

  // An existing .dockerignore with no line break at its end; a Dockerfile with CRLF line endings.
  it.each(['npm-ci-split-run', 'pnpm-crlf'])('fix-all in Neovim writes what dockmod --write writes: fixture %s', (fixture) => {
    const [inNeovim, byCli] = copies(path.join(fixtures, fixture));
    expect(runNeovim(inNeovim).diagnostics.map((d) => d.code)).toContain('split-copy-install');
    dockmodWrite(byCli);
    expect(tree(inNeovim)).toEqual(tree(byCli));
    expect(tree(inNeovim)).not.toEqual(tree(path.join(fixtures, fixture)));
  });
});
