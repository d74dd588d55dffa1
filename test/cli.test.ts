// The built CLI as a user runs it: output, exit codes, writes. Run after `npm run build` (npm test does).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, dockmod as runCli } from './support/cli.js';

const root = path.resolve(import.meta.dirname, '..');
const snapshots = path.join(root, 'snapshots', 'cli');
const temps: string[] = [];
/** The two bundled examples the README's first command runs on. */
const SEEDS = ['examples/node-app', 'examples/python-app'];

function dockmod(args: string[], cwd: string) {
  const r = runCli(args, cwd);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A copy of the bundled examples in a temp folder (a git repository, for `git apply`). */
function examplesCopy(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-cli-'));
  temps.push(dir);
  fs.cpSync(path.join(root, 'examples'), path.join(dir, 'examples'), { recursive: true, filter: (src) => !src.includes('custom-transform') });
  return dir;
}

afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('dockmod CLI', () => {
  it('prints the examples as a unified diff that git apply accepts, and a summary on stderr', async () => {
    const dir = examplesCopy();
    const r = dockmod(SEEDS, dir);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot(path.join(snapshots, 'examples.diff'));
    expect(r.stderr).toMatch(/^dockmod: 2 would change, 0 unchanged, 1 with skips, 0 errors, 1 unsafe fix held back \(--unsafe to apply\) \(\d+\.\d\ds\)\n$/);
    spawnSync('git', ['init', '-q'], { cwd: dir });
    fs.writeFileSync(path.join(dir, 'patch.diff'), r.stdout);
    const apply = spawnSync('git', ['apply', 'patch.diff'], { cwd: dir, encoding: 'utf8' });
    expect(apply.stderr).toBe('');
    expect(dockmod(SEEDS, dir).stdout).toBe('');
  });

  it('--write rewrites in place, keeps the mode, and a second run changes nothing', () => {
    const dir = examplesCopy();
    const file = path.join(dir, 'examples', 'python-app', 'Dockerfile');
    fs.chmodSync(file, 0o640);
    const r = dockmod(['--write', ...SEEDS], dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toBe(
      'FROM ubuntu:22.04\nRUN apt-get update -y && apt-get install -y python3 python3-pip && rm -rf /var/lib/apt/lists/*\nCOPY requirements.txt /usr/src/app/\nRUN pip3 install --no-cache-dir -r /usr/src/app/requirements.txt\n',
    );
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readFileSync(path.join(dir, 'examples', 'node-app', '.dockerignore'), 'utf8')).toBe('node_modules\n');
    const mtime = fs.statSync(file).mtimeMs;
    const again = dockmod(['--write', ...SEEDS], dir);
    expect(again.stderr).toMatch(/0 changed, 2 unchanged/);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
  });

  it('--check exits 1 and names the files; 0 when nothing would change', () => {
    const dir = examplesCopy();
    const r = dockmod(['--check', ...SEEDS], dir);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('examples/node-app/Dockerfile\nexamples/python-app/Dockerfile\n');
    dockmod(['--write', ...SEEDS], dir);
    expect(dockmod(['--check', ...SEEDS], dir).code).toBe(0);
  });

  it('--list-different prints only names; --only and --skip select transforms', () => {
    const dir = examplesCopy();
    const r = dockmod(['-l', '--only', 'pip-no-cache-dir', ...SEEDS], dir);
    expect(r).toMatchObject({ code: 1, stdout: 'examples/python-app/Dockerfile\n', stderr: '' });
    const skipped = dockmod(['--only', 'exec-form-cmd', ...SEEDS], dir);
    expect(skipped.stdout).toBe('');
  });

  it('names an unknown transform and exits 2', () => {
    const r = dockmod(['--only', 'no-such-thing', '.'], examplesCopy());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown transform 'no-such-thing'/);
  });

  it('refuses a negated option that takes a value (--no-context) instead of crashing; --no-gitignore still works', () => {
    const dir = examplesCopy();
    const r = dockmod(['--no-context', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^dockmod: Unknown arguments?: no-context/m);
    const all = dockmod(['--no-gitignore', '.'], dir);
    expect([all.code, all.stdout]).toEqual([0, expect.stringContaining('+++ b/')]);
  });

  it('reports a missing path and a non-Dockerfile on one line each, exit 2, and still processes the rest', () => {
    const dir = examplesCopy();
    fs.writeFileSync(path.join(dir, 'Dockerfile.notes'), 'just some notes\n');
    const r = dockmod(['missing', 'Dockerfile.notes', 'examples/python-app'], dir);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toContain('dockmod: missing: no such file or directory');
    expect(lines).toContain("dockmod: Dockerfile.notes: unknown instruction 'just' on line 1");
    expect(r.stdout).toMatch(/^diff --git a\/examples\/python-app\/Dockerfile/);
  });

  it('leaves a file found by its name that is no Dockerfile (a template, a source file) alone with a note, exit 0; named, it is an error', () => {
    const dir = examplesCopy();
    const files: Record<string, string> = {
      // dotnet-docker's eng/dockerfile-templates, and micronaut-starter's Dockerfile.java.
      'templates/runtime-deps/Dockerfile': '{{\n    set isAlpine to find(OS_ARCH_HYPHENATED, "Alpine") >= 0\n}}FROM {{ARGS["base-image"]}}\nRUN echo done\n',
      'templates/sdk/Dockerfile.windows.first-run': '# Trigger first run experience by running arbitrary cmd\nRUN dotnet help\n',
      'src/build/Dockerfile.java': '/*\n * Copyright 2017-2024 original authors\n */\npackage io.micronaut.starter.feature.build.gradle;\n',
      'empty/Dockerfile.prod': '',
      // Begins as a Dockerfile: a typo in it is an error wherever the file was found.
      'typo/Dockerfile': 'FROM alpine\nRUNN apk add curl\n',
      // Built by a compose file: a build uses it, so what it holds is an error.
      'app/compose.yaml': 'services:\n  app:\n    build:\n      context: .\n      dockerfile: Dockerfile.template\n',
      'app/Dockerfile.template': '{{ .Base }}\n',
    };
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    const notes = [
      "dockmod: empty/Dockerfile.prod: found by its name, but not a Dockerfile: empty file; not processed",
      "dockmod: src/build/Dockerfile.java: found by its name, but not a Dockerfile: unknown instruction '/*' on line 1; not processed",
      "dockmod: templates/runtime-deps/Dockerfile: found by its name, but not a Dockerfile: unknown instruction '{{' on line 1; not processed",
      'dockmod: templates/sdk/Dockerfile.windows.first-run: found by its name, but not a Dockerfile: no FROM before the first instruction; not processed',
    ];
    const errors = ["dockmod: app/Dockerfile.template: unknown instruction '{{' on line 1", "dockmod: typo/Dockerfile: unknown instruction 'RUNN' on line 2"];
    const lines = (stderr: string) => stderr.trim().split('\n');

    const all = dockmod(['.'], dir);
    expect(all.code).toBe(2);
    expect(lines(all.stderr).slice(0, -1).sort()).toEqual([...errors, ...notes].sort());
    expect(lines(all.stderr).at(-1)).toMatch(/^dockmod: 2 would change, 0 unchanged, 1 with skips, 4 not Dockerfiles, 2 errors, /);
    expect(all.stdout).toMatch(/^diff --git a\/examples\/node-app\/Dockerfile/);

    fs.rmSync(path.join(dir, 'typo'), { recursive: true });
    fs.rmSync(path.join(dir, 'app'), { recursive: true });
    const found = dockmod(['--write', '.'], dir);
    expect(found.code).toBe(0);
    expect(lines(found.stderr)).toEqual([...notes, expect.stringMatching(/^dockmod: 2 changed, 0 unchanged, 1 with skips, 4 not Dockerfiles, 0 errors, /)]);
    for (const [rel, text] of Object.entries(files)) if (fs.existsSync(path.join(dir, rel))) expect(fs.readFileSync(path.join(dir, rel), 'utf8')).toBe(text);
    // A cached run says the same: the notes are found again, not kept.
    const cacheFile = path.join(dir, 'results-cache.json');
    for (let i = 0; i < 2; i++) expect(dockmod(['--check', '--cache', '--cache-location', cacheFile, '.'], dir)).toMatchObject({ code: 0, stderr: expect.stringContaining(notes.join('\n')) });
    fs.rmSync(cacheFile);
    // --check, a glob and every report format: the same notes, no error, exit 0.
    expect(dockmod(['--check', '.'], dir)).toMatchObject({ code: 0, stdout: '', stderr: expect.stringContaining(notes.join('\n')) });
    expect(dockmod(['--check', 'templates/*/Dockerfile*'], dir)).toMatchObject({ code: 0, stdout: '' });
    expect(dockmod(['-l', '.'], dir)).toMatchObject({ code: 0, stdout: '', stderr: `${notes.join('\n')}\n` });
    const json = dockmod(['--format', 'json', '.'], dir);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ errors: [], warnings: notes.map((n) => ({ path: n.split(': ')[1], message: n.split(': ').slice(2).join(': ') })) });
    for (const format of ['sarif', 'rdjson', 'codeclimate', 'github', 'markdown']) {
      const r = dockmod(['--check', '--format', format, '.'], dir);
      expect([format, r.code, r.stdout]).toEqual([format, 0, expect.not.stringMatching(/Dockerfile\.java|first-run|runtime-deps|Dockerfile\.prod/)]);
    }

    // Named on the command line, each is an error, as it was.
    const named = dockmod(['templates/runtime-deps/Dockerfile', 'src/build/Dockerfile.java', 'empty/Dockerfile.prod'], dir);
    expect(named.code).toBe(2);
    expect(lines(named.stderr)).toEqual([
      "dockmod: empty/Dockerfile.prod: empty file",
      "dockmod: src/build/Dockerfile.java: unknown instruction '/*' on line 1",
      "dockmod: templates/runtime-deps/Dockerfile: unknown instruction '{{' on line 1",
      expect.stringMatching(/^dockmod: 0 would change, 0 unchanged, 0 with skips, 3 errors \(/),
    ]);
    expect(dockmod(['--check', '.', 'templates/sdk/Dockerfile.windows.first-run'], dir)).toMatchObject({ code: 2, stderr: expect.stringContaining('dockmod: templates/sdk/Dockerfile.windows.first-run: not a Dockerfile: no FROM before the first instruction\n') });
  });

  it('--verbose prints every change and skip with its reason', () => {
    const dir = examplesCopy();
    fs.rmSync(path.join(dir, 'examples', 'node-app', 'package.json'));
    const r = dockmod(['--verbose', 'examples/node-app'], dir);
    expect(r.stderr).toContain('examples/node-app/Dockerfile:3: skipped split-copy-install: `npm install`: package.json is not in the build context');
  });

  it('--list-transforms prints id, safety and summary', async () => {
    const r = dockmod(['--list-transforms'], root);
    expect(r.code).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot(path.join(snapshots, 'list-transforms.txt'));
  });

  it('stops quietly with exit 141 when the reader closes the pipe early (`dockmod . | head`), as a tool killed by SIGPIPE does', () => {
    const dir = examplesCopy();
    // `true` reads nothing and has gone before dockmod prints; under pipefail, the pipeline's exit code is dockmod's.
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `"${process.execPath}" "${CLI}" ${SEEDS.join(' ')} | true`], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.status).toBe(141);
  });
});
