// The documented example of a custom transform (examples/custom-transform), on its own and loaded by the CLI
// from a config's "transforms" list or --transform, next to the built-in ones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { optimize } from '../src/index.js';
import { builtinTransforms } from '../transforms/index.js';
import aptNoInstallRecommends from '../examples/custom-transform/house-apt-no-recommends.js';
import { dockmod } from './support/cli.js';

const root = path.resolve(import.meta.dirname, '..');
const example = path.join(root, 'examples', 'custom-transform');
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

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

  it("keeps the custom transform's summary in the reports, as the built-ins keep theirs", () => {
    const dir = copy();
    fs.writeFileSync(path.join(dir, 'Dockerfile'), 'FROM debian\nRUN apt-get install -y curl\n');
    const summary = 'add --no-install-recommends to apt-get install so only the named packages are installed';
    const args = ['--unsafe', '--only', 'apt-lists-cleanup,house-apt-no-recommends'];
    const sarif = JSON.parse(dockmod([...args, '-f', 'sarif', '.'], dir).stdout);
    expect(sarif.runs[0].tool.driver.rules).toEqual([
      {
        id: 'apt-lists-cleanup',
        shortDescription: { text: builtinTransforms.find((t) => t.id === 'apt-lists-cleanup')!.summary },
        helpUri: expect.stringMatching(/\/docs\/transforms\/apt-lists-cleanup\.md$/),
        help: { text: 'docs/transforms/apt-lists-cleanup.md: what it changes, why, and when it refuses', markdown: expect.stringContaining('[docs/transforms/apt-lists-cleanup.md](') },
      },
      { id: 'house-apt-no-recommends', shortDescription: { text: summary } },
    ]);
    expect(dockmod([...args, '-f', 'markdown', '.'], dir).stdout).toContain(`- **\`house-apt-no-recommends\`** (unsafe): add --no-install-recommends to apt-get install  \n  Why: ${summary}.`);
  });
});

describe('custom transforms from the tree are bounded and checked', () => {
  const APT = 'FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n';
  const MERGED = '+RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*';
  /** A tree of Dockerfiles (relative path → text) and one custom module, `house.mjs`, that exports `source`. */
  const tree = (files: Record<string, string>, source: string) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-custom-'));
    temps.push(dir);
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    fs.writeFileSync(path.join(dir, 'house.mjs'), source);
    return dir;
  };
  const module = (id: string, apply: string) => `import fs from 'node:fs';\nexport default { id: '${id}', summary: '${id}', safety: 'safe', apply: ${apply} };\n`;
  /** The run must end on its own: a hang fails it through spawnSync's timeout. */
  const bounded = (args: string[], cwd: string) => {
    const started = performance.now();
    const r = dockmod(args, cwd, { timeout: 20_000 });
    return { ...r, seconds: (performance.now() - started) / 1000 };
  };
  const errors = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('dockmod: ') && !/^dockmod: \d+ (would change|changed)/.test(l));

  it('stops a transform that runs past the time limit, names it, runs it on no other file, and processes the rest', () => {
    // Every call leaves a line in calls.log, then loops forever.
    const dir = tree({ 'a/Dockerfile': APT, 'b/Dockerfile': APT, 'c/Dockerfile': APT }, module('house-loop', `(doc) => { fs.appendFileSync(${JSON.stringify('calls.log')}, 'call\\n'); for (;;) {} }`));
    const r = bounded(['-v', '--transform-timeout', '0.5', '--transform', './house.mjs', '.'], dir);
    expect(r.signal).toBeNull();
    expect(r.seconds).toBeLessThan(0.5 + 5);
    expect(r.status).toBe(2);
    expect(errors(r.stderr)).toEqual(['dockmod: a/Dockerfile: transform house-loop failed: did not finish within 0.5 s (--transform-timeout); it is not run again in this run']);
    expect(fs.readFileSync(path.join(dir, 'calls.log'), 'utf8')).toBe('call\n');
    expect(r.stderr.split('\n').filter((l) => l.includes('house-loop:'))).toEqual(['b', 'c'].map((f) => `${f}/Dockerfile:1: skipped house-loop: not run: it did not finish within 0.5 s (--transform-timeout) on an earlier file`));
    // The other files got the built-in transforms.
    expect(r.stdout).toContain('+++ b/b/Dockerfile');
    expect(r.stdout).toContain('+++ b/c/Dockerfile');
    expect(r.stdout.split(MERGED).length - 1).toBe(2);
  });

  it('stops a module whose loading runs past the time limit', () => {
    const dir = tree({ 'Dockerfile': APT }, 'for (;;) {}\n');
    const r = bounded(['--transform-timeout', '0.5', '--transform', './house.mjs', '.'], dir);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`dockmod: cannot load transform module ${path.join(fs.realpathSync(dir), 'house.mjs')}: did not load within 0.5 s (--transform-timeout)\n`);
  });

  const malformed: [string, string, string][] = [
    ['returns a Promise', 'async () => ({ changes: [], skips: [] })', 'returned a Promise: apply must be synchronous'],
    ['returns a non-string edit text', "(doc) => ({ changes: [{ message: 'm', line: 0, edits: [{ start: 0, end: 0, text: 42 }] }], skips: [] })", 'changes[0].edits[0].text is a number, not a string'],
    ['returns no skips', '() => ({ changes: [] })', 'skips is undefined, not an array'],
    ['returns a function', '() => ({ changes: [], skips: [], more: () => 1 })', 'returned a value that cannot be copied out of its worker: () => 1 could not be cloned.'],
    ['throws', "() => { throw new TypeError('boom'); }", 'boom'],
  ];
  it.each(malformed)('refuses a transform that %s, naming it, and processes the other files', (_, apply, problem) => {
    // Misbehaves on a/Dockerfile only (the one with `apt-get`).
    const dir = tree({ 'a/Dockerfile': APT, 'b/Dockerfile': 'FROM debian\n' }, module('house-odd', `(doc) => doc.text.includes('apt-get') ? (${apply})(doc) : { changes: [], skips: [] }`));
    const r = bounded(['--transform', './house.mjs', '.'], dir);
    expect(r.status).toBe(2);
    expect(errors(r.stderr)).toEqual([`dockmod: a/Dockerfile: transform house-odd failed: ${problem}`]);
    expect(r.stderr).toMatch(/^dockmod: 0 would change, 1 unchanged, 0 with skips, 1 error /m);
  });

  it('writes nothing outside the build context, and names the transform that tried', () => {
    const dir = tree({ 'a/b/Dockerfile': APT }, module('house-escape', "() => ({ changes: [{ message: 'm', line: 0, edits: [], files: [{ path: '../../x', text: 'written' }] }], skips: [] })"));
    const r = bounded(['--write', '--transform', './house.mjs', '.'], dir);
    expect(r.status).toBe(2);
    expect(errors(r.stderr)).toEqual(['dockmod: a/b/Dockerfile: transform house-escape failed: changes[0].files[0].path "../../x" goes outside the build context']);
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'a/b/Dockerfile'), 'utf8')).toBe(APT);
  });

  it('answers the context calls of a transform in its worker, with the files earlier transforms wrote', () => {
    // The module reports what it saw of the context as a skip; split-copy-install has written .dockerignore before it.
    const seen = "(doc, { context }) => ({ changes: [], skips: [{ line: 0, reason: JSON.stringify([context.ignoreFile.path, context.exists('package.json'), context.readFile('.dockerignore'), context.listFiles(), Buffer.from(context.readBytes('package.json', 4)).toString()]) }] })";
    const dir = tree({ 'Dockerfile': 'FROM node:20\nCOPY . .\nRUN npm ci\n', 'package.json': '{"name":"x"}\n', 'package-lock.json': '{}\n' }, module('house-seen', seen));
    const r = bounded(['-v', '--transform', './house.mjs', '.'], dir);
    const line = r.stderr.split('\n').find((l) => l.includes('skipped house-seen'));
    expect(r.status).toBe(0);
    expect(line).toBe(`Dockerfile:1: skipped house-seen: ${JSON.stringify(['.dockerignore', true, 'node_modules\n', ['.dockerignore', 'Dockerfile', 'house.mjs', 'package-lock.json', 'package.json'], '{"na'])}`);
  });
});
