// Inputs that are not a clean Dockerfile, through the built CLI as a user runs it: each bad file gets one line on
// stderr naming it and the reason, the run exits 2, and every other file is still processed. Odd but valid
// files (BOM, CRLF, mixed endings, thousands of continuation lines, `# escape=` with a backtick, symlinks) are
// rewritten correctly. Run after `npm run build` (npm test does).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../src/input/read.js';
import { dockmod as runCli } from './support/cli.js';

/** The transforms these tests use, so transforms added later do not change the expected texts. */
const ONLY = ['--only', 'merge-apt-update,pip-no-cache-dir'];
const NOBODY = 65534;

function dockmod(args: string[], cwd: string, uid?: number) {
  const r = runCli([...ONLY, ...args], cwd, { uid });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stderr.split('\n').filter(Boolean) };
}

const SUMMARY = /^dockmod: \d+ (would change|changed), \d+ unchanged, \d+ with skips, \d+ errors? \(\d+\.\d\ds\)$/;

const LONE_UPDATE = 'FROM ubuntu:22.04\nRUN apt-get update\nRUN apt-get install -y curl\n';
const MERGED = 'FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl\n';
const ESCAPE_BACKTICK = [
  '# escape=`',
  'FROM mcr.microsoft.com/windows/servercore:ltsc2022',
  'RUN apt-get update',
  'RUN apt-get install -y curl `',
  '    git',
  // With the backtick as escape, a trailing backslash is a path, not a continuation.
  'WORKDIR C:\\app\\',
  'RUN echo done',
  '',
].join('\r\n');
/** Deeper than the call stack when shell trees were walked by recursion (it overflowed from about 4,500). */
const CONTINUED_LINES = 8000;
const continued = (flag: string) =>
  `FROM python:3.12\nRUN pip install${flag} -r requirements.txt \\\n${Array.from({ length: CONTINUED_LINES - 1 }, (_, i) => `    && echo step-${i + 1} \\\n`).join('')}    && true\n`;

/** Good files and what --write must leave in them (bytes). */
const GOOD: Record<string, { input: string | Buffer; output: string | Buffer }> = {
  'bom/Dockerfile': { input: `\uFEFF${LONE_UPDATE}`, output: `\uFEFF${MERGED}` },
  'crlf/Dockerfile': { input: LONE_UPDATE.replaceAll('\n', '\r\n'), output: MERGED.replaceAll('\n', '\r\n') },
  'mixed-endings/Dockerfile': {
    input: '# build\r\nFROM ubuntu:22.04\nRUN apt-get update\r\nRUN apt-get install -y curl\r\n# done\n',
    output: '# build\r\nFROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl\r\n# done\n',
  },
  'escape-backtick/Dockerfile': {
    input: ESCAPE_BACKTICK,
    output: ESCAPE_BACKTICK.replace('RUN apt-get update\r\nRUN apt-get install -y curl `', 'RUN apt-get update && `\r\n    apt-get install -y curl `'),
  },
  'continuations/Dockerfile': { input: continued(''), output: continued(' --no-cache-dir') },
};

/**
 * Bad files (relative to the tree) and the exact reason each gets. `named`: the run names it, for a search does
 * not find it (a folder, a pipe) or leaves it alone with a note, as no Dockerfile at all (test/cli.test.ts).
 */
const BAD: Record<string, { make: (file: string) => void; reason: string; named?: true }> = {
  'empty/Dockerfile': { make: (f) => fs.writeFileSync(f, ''), reason: 'empty file', named: true },
  'binary/Dockerfile': { make: (f) => fs.writeFileSync(f, Buffer.from([0x46, 0x52, 0x4f, 0x4d, 0x20, 0x00, 0x01, 0x02, 0xff, 0x0a])), reason: 'binary file (contains NUL bytes)' },
  'utf16/Dockerfile': { make: (f) => fs.writeFileSync(f, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(LONE_UPDATE, 'utf16le')])), reason: 'UTF-16 encoded (dockmod reads UTF-8)' },
  'invalid-utf8/Dockerfile': { make: (f) => fs.writeFileSync(f, Buffer.concat([Buffer.from('FROM alpine\nRUN echo '), Buffer.from([0xc3, 0x28]), Buffer.from('\n')])), reason: 'not valid UTF-8' },
  'huge/Dockerfile': {
    make: (f) => fs.writeFileSync(f, Buffer.alloc(10 * 1024 * 1024, 'FROM alpine\nRUN echo ten megabytes\n')),
    reason: `10240 KiB is over the ${MAX_FILE_BYTES / 1024} KiB size limit`,
  },
  'heredoc/Dockerfile': { make: (f) => fs.writeFileSync(f, 'FROM alpine\nRUN <<EOF\napk add curl\nRUN echo never ends\n'), reason: 'unterminated heredoc <<EOF on line 2: no line ends it' },
  'unknown/Dockerfile': { make: (f) => fs.writeFileSync(f, 'FROM alpine\nRUNN apk add curl\n'), reason: "unknown instruction 'RUNN' on line 2" },
  'bad-escape/Dockerfile': { make: (f) => fs.writeFileSync(f, '# escape=` \\\nFROM alpine\n'), reason: "invalid escape directive on line 1: '` \\' (must be \\ or `)" },
  'lone-cr/Dockerfile': {
    make: (f) => fs.writeFileSync(f, 'FROM node:20\r\nRUN npm install\rFROM scratch AS x\r\n'),
    reason: "line 2 has a carriage return that does not end the line, which Docker and dockmod's parser read differently",
  },
  'escaped-hash/Dockerfile': {
    // `\#` opens no comment, so for Docker the RUN ends on line 3 and `gem` is an unknown instruction.
    make: (f) => fs.writeFileSync(f, 'FROM ruby:3\nRUN bundle install && \\\n  \\# then the gems\n  gem install bundler\n'),
    reason: "the instruction on line 2 ends on line 3 for Docker but on line 4 for dockmod's parser, which read it differently",
  },
  'backslash-in-skipped-comment/Dockerfile': {
    // BuildKit skips the comment line inside the continuation; dockerfile-ast starts COPY's arguments at its `\p`.
    make: (f) => fs.writeFileSync(f, 'FROM alpine\nCOPY \\\n  # from C:\\path\n  a.txt /a\n'),
    reason: "the arguments of the instruction on line 2 start inside the comment on line 3 for dockmod's parser, a line Docker skips",
  },
  'directive-with-odd-space/Dockerfile': {
    // U+FEFF after the first `#`: a comment for BuildKit, which ends the directives (so `\` stays the escape);
    // dockerfile-ast reads on and takes the second line's escape.
    make: (f) => fs.writeFileSync(f, '#\uFEFF syntax=docker/dockerfile:1\n# escape=`\nFROM debian:12\nRUN apt-get update\n'),
    reason: "the escape character is ` for dockmod's parser but \\ for Docker, which read the parser directives differently",
  },
  'bad-heredoc-opener/Dockerfile': {
    make: (f) => fs.writeFileSync(f, "FROM debian:12\nRUN <<EOF\nEOF\nRUN <<-'EOT''\n\tEOT\n"),
    reason: 'the heredoc opened on line 4 cannot be read',
  },
  'no-from/Dockerfile': { make: (f) => fs.writeFileSync(f, 'RUN apk add curl\n'), reason: 'not a Dockerfile: no FROM before the first instruction', named: true },
  'folder/Dockerfile': { make: (f) => fs.mkdirSync(f), reason: 'is a directory', named: true },
  'pipe/Dockerfile': { make: (f) => execFileSync('mkfifo', [f]), reason: 'not a regular file: a named pipe', named: true },
  'read-only/Dockerfile': {
    make: (f) => {
      fs.writeFileSync(f, LONE_UPDATE);
      fs.chmodSync(f, 0o444);
    },
    reason: 'read-only file; not overwritten',
  },
  'links/Dockerfile.broken': { make: (f) => fs.symlinkSync('missing', f), reason: 'broken symbolic link (points to missing, which does not exist)' },
  'links/Dockerfile.loop': { make: (f) => fs.symlinkSync('Dockerfile.loop', f), reason: 'symbolic link loop' },
};

describe('bad input', () => {
  let top: string;
  let tree: string;
  beforeAll(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-bad-input-'));
    tree = path.join(top, 'tree');
    for (const [rel, { input }] of Object.entries(GOOD)) {
      fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
      fs.writeFileSync(path.join(tree, rel), input);
    }
    for (const [rel, { make }] of Object.entries(BAD)) {
      fs.mkdirSync(path.dirname(path.join(tree, rel)), { recursive: true });
      make(path.join(tree, rel));
    }
  });
  afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

  it('gives each bad file one line naming it and the reason, exits 2, and still rewrites every good file', () => {
    const named = Object.entries(BAD).filter(([, bad]) => bad.named).map(([rel]) => `tree/${rel}`);
    const r = dockmod(['--write', 'tree', ...named], top);
    expect(r.code).toBe(2);
    const expected = Object.entries(BAD).map(([rel, { reason }]) => `dockmod: tree/${rel}: ${reason}`);
    expect(r.lines.slice(0, -1).sort()).toEqual(expected.sort());
    expect(r.lines.at(-1)).toMatch(SUMMARY);
    expect(r.lines.at(-1)).toContain(`${Object.keys(GOOD).length} changed, 0 unchanged`);
    for (const [rel, { output }] of Object.entries(GOOD)) expect(fs.readFileSync(path.join(tree, rel)), rel).toEqual(Buffer.from(output));
    // Refused files are left exactly as they were.
    expect(fs.readFileSync(path.join(tree, 'read-only/Dockerfile'), 'utf8')).toBe(LONE_UPDATE);
    expect(fs.statSync(path.join(tree, 'read-only/Dockerfile')).mode & 0o777).toBe(0o444);
    expect(fs.statSync(path.join(tree, 'huge/Dockerfile')).size).toBe(10 * 1024 * 1024);
    // The rewritten files are stable: a second run over them finds nothing to change.
    const again = dockmod(['--check', ...Object.keys(GOOD).map((rel) => `tree/${rel}`)], top);
    expect(again).toMatchObject({ code: 0, stdout: '' });
  });

  it('refuses a 10 MB file at once, from its size', () => {
    const started = performance.now();
    const r = dockmod(['tree/huge/Dockerfile'], top);
    expect(r.lines[0]).toBe(`dockmod: tree/huge/Dockerfile: ${BAD['huge/Dockerfile']!.reason}`);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('names a file it cannot read (as a user without permission: root reads anything)', (ctx) => {
    const dir = path.join(top, 'unreadable');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'Dockerfile'), LONE_UPDATE);
    fs.chmodSync(path.join(dir, 'Dockerfile'), 0o000);
    fs.writeFileSync(path.join(dir, 'Dockerfile.ok'), LONE_UPDATE);
    let uid: number | undefined;
    if (process.getuid?.() === 0) {
      // Root is never refused a read: the run is made as nobody, who can read everything here but that file.
      fs.chmodSync(top, 0o755);
      if (dockmod(['--version'], top, NOBODY).code !== 0) ctx.skip(`running as root, and user ${NOBODY} (nobody) cannot run the built CLI here`);
      uid = NOBODY;
    }
    const r = dockmod(['unreadable'], top, uid);
    expect(r.code).toBe(2);
    expect(r.lines[0]).toBe('dockmod: unreadable/Dockerfile: permission denied');
    expect(r.stdout).toContain('+++ b/unreadable/Dockerfile.ok');
  });

  it('never overwrites a file changed on disk between read and write, and writes the others', () => {
    const dir = path.join(top, 'changed');
    fs.mkdirSync(dir);
    const file = path.join(dir, 'Dockerfile');
    const newer = `${LONE_UPDATE}# edited by someone else meanwhile\n`;
    fs.writeFileSync(file, LONE_UPDATE);
    // A transform that stands for another program: it saves the Dockerfile while dockmod works on it.
    fs.writeFileSync(
      path.join(dir, 'edit-behind.mjs'),
      `import fs from 'node:fs';
export default {
  id: 'edit-behind', summary: 'another program saves the Dockerfile meanwhile', safety: 'safe',
  apply(doc) {
    if (doc.text.startsWith('FROM ubuntu')) fs.writeFileSync(${JSON.stringify(file)}, ${JSON.stringify(newer)});
    return { changes: [], skips: [] };
  },
};
`,
    );
    fs.writeFileSync(path.join(dir, 'Dockerfile.other'), LONE_UPDATE.replace('ubuntu', 'debian'));
    const r = dockmod(['--write', '--transform', 'edit-behind.mjs', '--only', 'merge-apt-update,edit-behind', '.'], dir);
    expect(r.code).toBe(2);
    expect(r.lines[0]).toBe('dockmod: Dockerfile: changed on disk since it was read; not overwritten');
    expect(fs.readFileSync(file, 'utf8')).toBe(newer);
    expect(fs.readFileSync(path.join(dir, 'Dockerfile.other'), 'utf8')).toBe(MERGED.replace('ubuntu', 'debian'));
  });
});

describe('symbolic links', () => {
  let top: string;
  beforeAll(() => {
    top = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-links-'));
    fs.mkdirSync(path.join(top, 'repo', 'app'), { recursive: true });
    fs.mkdirSync(path.join(top, 'repo', 'shared'), { recursive: true });
    fs.mkdirSync(path.join(top, 'elsewhere'));
    fs.writeFileSync(path.join(top, 'repo', 'app', 'Dockerfile'), LONE_UPDATE);
    // Two names for one file in the tree, and a link out of it.
    fs.symlinkSync('Dockerfile', path.join(top, 'repo', 'app', 'Dockerfile.alias'));
    fs.symlinkSync('../app/Dockerfile', path.join(top, 'repo', 'shared', 'Dockerfile'));
    fs.writeFileSync(path.join(top, 'elsewhere', 'Dockerfile'), LONE_UPDATE);
    fs.symlinkSync('../../elsewhere/Dockerfile', path.join(top, 'repo', 'shared', 'Dockerfile.outside'));
  });
  afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

  it('a search processes a file reached by several names once, under its own name, and leaves links out of the tree alone', () => {
    const r = dockmod(['repo'], top);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/^diff --git .*$/gm)).toEqual(['diff --git a/repo/app/Dockerfile b/repo/app/Dockerfile']);
  });

  it('--write rewrites the target and keeps the link; a link named on the command line is followed', () => {
    expect(dockmod(['--write', 'repo'], top).code).toBe(0);
    expect(fs.readFileSync(path.join(top, 'repo', 'app', 'Dockerfile'), 'utf8')).toBe(MERGED);
    expect(fs.lstatSync(path.join(top, 'repo', 'app', 'Dockerfile.alias')).isSymbolicLink()).toBe(true);
    expect(fs.lstatSync(path.join(top, 'repo', 'shared', 'Dockerfile')).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(path.join(top, 'elsewhere', 'Dockerfile'), 'utf8')).toBe(LONE_UPDATE);

    expect(dockmod(['--write', 'repo/shared/Dockerfile.outside'], top).code).toBe(0);
    expect(fs.readFileSync(path.join(top, 'elsewhere', 'Dockerfile'), 'utf8')).toBe(MERGED);
    expect(fs.readlinkSync(path.join(top, 'repo', 'shared', 'Dockerfile.outside'))).toBe('../../elsewhere/Dockerfile');
    expect(fs.readdirSync(path.join(top, 'elsewhere'))).toEqual(['Dockerfile']);
  });
});
