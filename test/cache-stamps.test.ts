// The results cache's stamps (src/contexts/reads.ts): a question about files changed long enough ago keeps their
// stamps and is not asked again while they hold; git's racy rule for a file changed just now; a file changed with
// its size and mtime put back is still seen changed (its ctime moved).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ReadLog, Stamps, stillAnswered } from '../src/contexts/reads.js';
import { dockmod, tempTree } from './support/cli.js';

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Longer than the racy window (100 ms): the files written before are trusted by their stamps. */
const outlastRacyWindow = () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);

const APP = {
  'app/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "index.js"]\n',
  'app/package.json': '{ "name": "app", "version": "1.0.0", "dependencies": { "ms": "2.1.3" } }\n',
  'app/package-lock.json': '{ "name": "app", "lockfileVersion": 3, "packages": {} }\n',
  'app/sub/index.js': 'console.log(1);\n',
};

const AN_HOUR_AGO = new Date(Math.floor(Date.now() / 1000) * 1000 - 3600_000);

/** Changes `file` to `text` of the same size and puts its mtime back (set first to a time that utimes can restore exactly). */
function changeKeepingSizeAndMtime(file: string, text: string): void {
  const before = fs.statSync(file, { bigint: true });
  expect(before.mtimeNs).toBe(BigInt(AN_HOUR_AGO.getTime()) * 1_000_000n);
  fs.writeFileSync(file, text);
  fs.utimesSync(file, AN_HOUR_AGO, AN_HOUR_AGO);
  const after = fs.statSync(file, { bigint: true });
  expect([after.size, after.mtimeNs, after.ino]).toEqual([before.size, before.mtimeNs, before.ino]);
}

/** What a build context asks of the disk for `dir/app`, recorded. */
function askContextQuestions(dir: string) {
  const log = new ReadLog();
  const app = path.join(dir, 'app');
  log.disk.readInside(path.join(app, 'package.json'), app, 'outside');
  log.disk.listDirectory(app);
  log.disk.isFile(path.join(app, 'Dockerfile.dockerignore'));
  return log.records();
}

describe('stamps of what a result read', () => {
  it('keeps the stamps of files changed before the racy window, and trusts them without asking again', () => {
    const dir = tempTree('dockmod-stamps-', APP, temps);
    outlastRacyWindow();
    const records = askContextQuestions(dir);
    expect(records.map((r) => [r.question, r.watched])).toEqual([
      ['readInside', ['']],
      ['listDirectory', ['', 'sub']],
      // Missing: stamped by its folder.
      ['isFile', ['\0']],
    ]);
    expect(records.every((r) => typeof r.stamp === 'string')).toBe(true);
    // Trusted by stamp: a record whose answer no longer matches what is asked still holds while the stamps do.
    const forged = records.map((r) => ({ ...r, answer: 'not-what-the-disk-answers' }));
    expect(stillAnswered(forged, new Stamps(true))).toBe(true);
    expect(stillAnswered(records, new Stamps(true))).toBe(true);
  });

  it('keeps no stamp for a file changed within the racy window: its question is asked again', () => {
    const dir = tempTree('dockmod-stamps-', APP, temps);
    const records = askContextQuestions(dir);
    expect(records.map((r) => r.stamp)).toEqual([undefined, undefined, undefined]);
    const forged = records.map((r) => ({ ...r, answer: 'not-what-the-disk-answers' }));
    expect(stillAnswered(forged, new Stamps(true))).toBe(false);
    expect(stillAnswered(records, new Stamps(true))).toBe(true);
  });

  it('sees a file changed with the same size and its mtime put back (its ctime moved), a name added to a folder, a missing file appearing', () => {
    const changes: ((dir: string) => void)[] = [
      (dir) => changeKeepingSizeAndMtime(path.join(dir, 'app', 'package.json'), APP['app/package.json'].replace('2.1.3', '2.1.2')),
      (dir) => fs.writeFileSync(path.join(dir, 'app', 'sub', 'more.js'), ''),
      (dir) => fs.writeFileSync(path.join(dir, 'app', 'Dockerfile.dockerignore'), ''),
    ];
    for (const change of changes) {
      const dir = tempTree('dockmod-stamps-', APP, temps);
      fs.utimesSync(path.join(dir, 'app', 'package.json'), AN_HOUR_AGO, AN_HOUR_AGO);
      outlastRacyWindow();
      const records = askContextQuestions(dir);
      change(dir);
      expect(stillAnswered(records, new Stamps(true))).toBe(false);
    }
  });

  it('a link to nothing is not stamped by its folder: its target appearing is seen', () => {
    const dir = tempTree('dockmod-stamps-', APP, temps);
    fs.symlinkSync(path.join(dir, 'elsewhere', 'ignore'), path.join(dir, 'app', 'Dockerfile.dockerignore'));
    outlastRacyWindow();
    const records = askContextQuestions(dir);
    expect(records.find((r) => r.question === 'isFile')?.stamp).toBeUndefined();
    fs.mkdirSync(path.join(dir, 'elsewhere'));
    fs.writeFileSync(path.join(dir, 'elsewhere', 'ignore'), '');
    expect(stillAnswered(records, new Stamps(true))).toBe(false);
  });

  it('a cached run after a same-size change with the mtime put back prints what an uncached run prints', () => {
    const dir = tempTree('dockmod-stamps-', APP, temps);
    fs.utimesSync(path.join(dir, 'app', 'package.json'), AN_HOUR_AGO, AN_HOUR_AGO);
    outlastRacyWindow();
    const cached = () => dockmod(['--cache', '--cache-location', 'cache/results.json', '-v', '.'], dir);
    cached();
    expect(cached().stderr).toMatch(/^dockmod: cache: 1 of 1 results reused/m);
    // A manifest the result read, changed with its size kept and its mtime put back: only its ctime (and the bytes) say so.
    changeKeepingSizeAndMtime(path.join(dir, 'app', 'package.json'), APP['app/package.json'].replace('2.1.3', '2.1.2'));
    const plain = dockmod(['-v', '.'], dir);
    const after = cached();
    expect(after.stderr).toMatch(/^dockmod: cache: 0 of 1 results reused/m);
    expect(after.stdout).toBe(plain.stdout);
  });
});

describe('the plan kept by the results cache', () => {
  /** A repository (planning stops at its root) with the cache outside it, its files older than the racy window. */
  const repository = () => {
    const dir = tempTree('dockmod-plan-', { ...APP, '.git/HEAD': 'ref: refs/heads/main\n', 'py/Dockerfile': 'FROM python:3.12\nRUN pip install flask\n' }, temps);
    const cacheDir = tempTree('dockmod-plan-cache-', {}, temps);
    outlastRacyWindow();
    const cached = () => dockmod(['--cache', '--cache-location', path.join(cacheDir, 'results.json'), '-v', '.'], dir);
    return { dir, cached };
  };
  const planLine = (stderr: string) => /^dockmod: cache: \d+ of \d+ results reused, plan (\w+)/m.exec(stderr)?.[1];

  it('is reused while the tree is as it was, and the output is what an uncached run prints', () => {
    const { dir, cached } = repository();
    const plain = dockmod(['-v', '.'], dir);
    expect(planLine(cached().stderr)).toBe('made');
    const second = cached();
    expect(planLine(second.stderr)).toBe('reused');
    expect(second.stdout).toBe(plain.stdout);
  });

  it('is made again when a Dockerfile appears, a .gitignore leaves one out, or a config turns a transform off', () => {
    const changes: ((dir: string) => void)[] = [
      (dir) => {
        fs.mkdirSync(path.join(dir, 'new'));
        fs.writeFileSync(path.join(dir, 'new', 'Dockerfile'), 'FROM ubuntu:22.04\nRUN apt-get install -y curl\n');
      },
      (dir) => fs.writeFileSync(path.join(dir, '.gitignore'), 'py/\n'),
      (dir) => fs.writeFileSync(path.join(dir, 'dockmod.config.json'), '{ "rules": { "pip-no-cache-dir": "off" } }\n'),
    ];
    for (const change of changes) {
      const { dir, cached } = repository();
      const before = cached();
      expect(planLine(cached().stderr)).toBe('reused');
      change(dir);
      const plain = dockmod(['-v', '.'], dir);
      const after = cached();
      expect(planLine(after.stderr)).toBe('made');
      expect(after.stdout).toBe(plain.stdout);
      expect(after.stdout).not.toBe(before.stdout);
    }
  });
});
