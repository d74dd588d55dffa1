// The documented example of a custom transform (examples/custom-transform), on its own and loaded by the CLI
// from a config's "transforms" list or --transform, next to the built-in ones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { optimize } from '../src/engine.js';
import { builtinTransforms } from '../transforms/index.js';
import aptNoInstallRecommends from '../examples/custom-transform/house-apt-no-recommends.js';

const root = path.resolve(import.meta.dirname, '..');
const cli = path.join(root, 'dist', 'src', 'cli.js');
const example = path.join(root, 'examples', 'custom-transform');
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const dockmod = (args: string[], cwd: string) => spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' } });
const only = (text: string) => optimize(text, { transforms: [aptNoInstallRecommends], unsafe: true });

describe('house-apt-no-recommends (example custom transform)', () => {
  it('adds the flag right after install, keeping continuations and other commands', () => {
    const r = only('FROM debian\nRUN apt-get update && apt-get -q install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n');
    expect(r.text).toBe('FROM debian\nRUN apt-get update && apt-get -q install --no-install-recommends -y curl \\\n    && rm -rf /var/lib/apt/lists/*\n');
    expect(r.changes).toEqual([{ transform: 'house-apt-no-recommends', message: 'add --no-install-recommends to apt-get install', line: 2, safety: 'unsafe', edited: [{ start: 2, end: 2 }] }]);
    expect(only(r.text).text).toBe(r.text);
  });

  it('leaves alone installs that already decide on recommends, other subcommands and exec form', () => {
    for (const text of [
      'FROM debian\nRUN apt-get install --no-install-recommends -y curl\n',
      'FROM debian\nRUN apt-get -o APT::Install-Recommends=false install -y curl\n',
      'FROM debian\nRUN apt-get install --install-recommends -y curl\n',
      'FROM debian\nRUN apt-get update && apt-get upgrade -y\n',
      'FROM debian\nRUN ["apt-get", "install", "-y", "curl"]\n',
    ]) {
      expect(only(text)).toMatchObject({ text, changes: [], skips: [] });
    }
  });

  it('is held back without unsafe, and reports a RUN that does not parse', () => {
    expect(optimize('FROM debian\nRUN apt-get install -y curl\n', { transforms: [aptNoInstallRecommends] }).heldBack).toHaveLength(1);
    expect(only('FROM debian\nRUN apt-get install -y curl && (\n').skips).toEqual([
      { transform: 'house-apt-no-recommends', line: 2, reason: 'the RUN does not parse as shell, so it is left untouched' },
    ]);
  });
});

describe('custom transforms in the CLI', () => {
  const copy = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-custom-'));
    temps.push(dir);
    fs.cpSync(example, dir, { recursive: true });
    return dir;
  };

  it('loads the TypeScript module named in dockmod.config.json, without a build step, after the built-ins', () => {
    const dir = copy();
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n');
    const r = dockmod(['-v', '.'], dir);
    expect(r.stderr).toContain('Dockerfile:2: merge-apt-update: ');
    expect(r.stderr).toContain('Dockerfile:3: house-apt-no-recommends: add --no-install-recommends to apt-get install');
    expect(r.stdout).toContain('apt-get install --no-install-recommends -y curl');
    expect(dockmod(['--skip', 'house-apt-no-recommends', '.'], dir).stdout).not.toContain('no-install-recommends');
  });

  it('loads a module named with --transform, and refuses one that exports no transform', () => {
    const dir = copy();
    fs.rmSync(path.join(dir, 'dockmod.config.json'));
    expect(dockmod(['-v', '--unsafe', '--skip', 'apt-no-install-recommends', '.'], dir).stderr).not.toContain('house-apt-no-recommends');
    expect(dockmod(['-v', '--unsafe', '--skip', 'apt-no-install-recommends', '--transform', 'house-apt-no-recommends.ts', '.'], dir).stderr).toContain('Dockerfile:2: house-apt-no-recommends: add --no-install-recommends');
    fs.writeFileSync(path.join(dir, 'broken.mjs'), 'export default { id: "Bad Id" };\n');
    const r = dockmod(['--transform', './broken.mjs', '.'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('broken.mjs does not export a transform');
  });
});
