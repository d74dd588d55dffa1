// A tree whose file names (and Dockerfile text) carry control characters must not get anything into dockmod's
// output: no hunk for a file dockmod never touched, no forged `dockmod:` line, no raw escape sequence on the
// terminal. Such paths are refused with one error line that shows the name quoted as git does. Run after `npm run build`.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { dockmod, tempTree } from './support/cli.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const APT = 'FROM ubuntu:22.04\nRUN apt-get update\nRUN apt-get install -y curl\n';
const MAKEFILE = 'all:\n\techo ok\n';
/** Folders whose names, printed raw in a diff header, would add a hunk that rewrites ./Makefile. */
const INJECTING = 'x\n+++ b/Makefile\n@@ -1,2 +1,2 @@\n-all:\n+pwned:\n \techo ok\nz/Dockerfile';
/** A folder whose name, printed raw in an error line, would forge a second `dockmod:` line. */
const FORGING = 'y\ndockmod: all files verified, nothing to see/Dockerfile';
/** A right-to-left override and a terminal escape. */
const REVERSED = 'pay\u202eelif\x1b[2J/Dockerfile';

function hostileTree(): string {
  return tempTree(
    'dockmod-names-',
    {
      'good/Dockerfile': APT,
      Makefile: MAKEFILE,
      [INJECTING]: APT,
      [FORGING]: 'not a Dockerfile\n',
      [REVERSED]: APT,
      // The Dockerfile's own path is plain; the context the compose file gives it is not.
      'compose.yaml': 'services:\n  app:\n    build:\n      context: "ctx\\e[31m"\n      dockerfile: ../app/Dockerfile\n',
      'app/Dockerfile': APT,
      'ctx\x1b[31m/keep': '',
    },
    temps,
  );
}

const REFUSED = 'the path holds a control character (shown quoted, as git quotes names); not processed';
const expectedErrors = [
  'dockmod: app/Dockerfile: its build context "ctx\\033[31m" holds a control character (shown quoted, as git quotes names); not processed',
  `dockmod: "pay\\342\\200\\256elif\\033[2J/Dockerfile": ${REFUSED}`,
  `dockmod: "x\\n+++ b/Makefile\\n@@ -1,2 +1,2 @@\\n-all:\\n+pwned:\\n \\techo ok\\nz/Dockerfile": ${REFUSED}`,
  `dockmod: "y\\ndockmod: all files verified, nothing to see/Dockerfile": ${REFUSED}`,
];

describe('file names with control characters', () => {
  it('are refused with one quoted error line each; the diff names only the files dockmod changed, for git apply and patch alike', () => {
    const dir = hostileTree();
    const r = dockmod(['--only', 'merge-apt-update', '.'], dir);
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n');
    expect(lines.slice(0, -2)).toEqual(expectedErrors);
    expect(lines.at(-2)).toMatch(/^dockmod: 1 would change, 0 unchanged, 0 with skips, 4 errors \(\d+\.\d\ds\)$/);
    expect(lines.at(-1)).toBe('');

    fs.writeFileSync(path.join(dir, 'fix.diff'), r.stdout);
    spawnSync('git', ['init', '-q'], { cwd: dir });
    const numstat = spawnSync('git', ['apply', '--numstat', 'fix.diff'], { cwd: dir, encoding: 'utf8' });
    expect(numstat.stdout).toBe('1\t2\tgood/Dockerfile\n');
    const dryRun = spawnSync('patch', ['-p1', '--dry-run', '-i', 'fix.diff'], { cwd: dir, encoding: 'utf8' });
    expect(dryRun.stdout).toBe('checking file good/Dockerfile\n');
    expect(spawnSync('git', ['apply', 'fix.diff'], { cwd: dir, encoding: 'utf8' }).status).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'Makefile'), 'utf8')).toBe(MAKEFILE);
    expect(fs.readFileSync(path.join(dir, 'good/Dockerfile'), 'utf8')).toBe('FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl\n');
  });

  it('are refused under --write, --check, --list-different and --verbose, which name only plain paths', () => {
    const dir = hostileTree();
    const check = dockmod(['--check', '--only', 'merge-apt-update', '.'], dir);
    expect(check.stdout).toBe('good/Dockerfile\n');
    expect(check.stderr.split('\n').slice(0, -2)).toEqual(expectedErrors);
    expect(dockmod(['--list-different', '--only', 'merge-apt-update', '.'], dir).stdout).toBe('good/Dockerfile\n');
    const verbose = dockmod(['--verbose', '--only', 'merge-apt-update', '.'], dir);
    expect(verbose.stderr.split('\n').filter((l) => !l.startsWith('dockmod: '))).toEqual([
      'good/Dockerfile:2: merge-apt-update: run apt-get update in the same RUN as the install',
      '',
    ]);
    const write = dockmod(['--write', '--only', 'merge-apt-update', '.'], dir);
    expect(write.stderr.split('\n').slice(0, -2)).toEqual(expectedErrors);
    expect(fs.readFileSync(path.join(dir, INJECTING), 'utf8')).toBe(APT);
    expect(fs.readFileSync(path.join(dir, 'app/Dockerfile'), 'utf8')).toBe(APT);
  });

  it('a Dockerfile from standard input named by such a path is refused', () => {
    const dir = tempTree('dockmod-names-', {}, temps);
    const r = dockmod(['-', '--stdin-filepath', 'a\nb/Dockerfile'], dir, { input: APT });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`dockmod: "a\\nb/Dockerfile": ${REFUSED}`);
  });

  it('a missing path named on the command line is quoted in its error line', () => {
    const dir = tempTree('dockmod-names-', {}, temps);
    const r = dockmod(['gone\ndockmod: forged'], dir);
    expect(r.stderr.split('\n')[0]).toBe('dockmod: "gone\\ndockmod: forged": no such file or directory');
    expect(r.stderr.split('\n').filter((l) => l.startsWith('dockmod: '))).toHaveLength(2);
  });
});

describe('Dockerfile text in --verbose lines', () => {
  it('shows control characters escaped, never raw', () => {
    const dir = tempTree('dockmod-text-', { Dockerfile: 'FROM ubuntu:22.04\nRUN apt-get update\nRUN printf "\x1b[2J\u202e" && true\n' }, temps);
    const r = dockmod(['--verbose', '.'], dir);
    expect(r.stderr).not.toMatch(/[\x1b\u202e]/);
    expect(r.stderr).toContain('Dockerfile:2: skipped merge-apt-update: the next RUN, `RUN printf "\\033[2J\\342\\200\\256" && true` (line 3), does not install with apt (or does not parse)');
  });
});

describe('unifiedDiff, for library callers', () => {
  it('quotes a name as git does, so git apply reads it back as that one file', async () => {
    const { unifiedDiff } = await import('../src/formats/output.js');
    const name = 'tab\there/quote"back\\slash/Dockerfile';
    const dir = tempTree('dockmod-quoted-', { [name]: 'FROM a\n' }, temps);
    const diff = unifiedDiff(path.join(dir, name), 'FROM a\n', 'FROM b\n', dir);
    expect(diff.split('\n').slice(0, 3)).toEqual([
      'diff --git "a/tab\\there/quote\\"back\\\\slash/Dockerfile" "b/tab\\there/quote\\"back\\\\slash/Dockerfile"',
      '--- "a/tab\\there/quote\\"back\\\\slash/Dockerfile"',
      '+++ "b/tab\\there/quote\\"back\\\\slash/Dockerfile"',
    ]);
    fs.writeFileSync(path.join(dir, 'fix.diff'), diff);
    spawnSync('git', ['init', '-q'], { cwd: dir });
    expect(spawnSync('git', ['apply', 'fix.diff'], { cwd: dir, encoding: 'utf8' }).stderr).toBe('');
    expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe('FROM b\n');
  });
});
