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
