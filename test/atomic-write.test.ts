// --write never leaves a torn file: a temp file in the same folder, fsync, rename, mode kept. Checked directly,
// then by killing a real --write run over 1,000 files at random moments. Run after `npm run build`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleTemps, TEMP_MARKER, writeContextFile, writeFileAtomic } from '../src/cli/write.js';
import { dockmod, startDockmod } from './support/cli.js';
import { seededRng } from './support/mutate.js';

const temps: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-write-'));
  temps.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const leftovers = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => f.includes(TEMP_MARKER));

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('writeContextFile', () => {
  it('writes a file of the build context, and nothing that resolves outside it', () => {
    const top = tempDir();
    const context = path.join(top, 'a', 'b');
    fs.mkdirSync(path.join(context, 'sub'), { recursive: true });
    writeContextFile(context, path.join(context, 'sub', '.dockerignore'), 'node_modules\n', { text: undefined });
    expect(fs.readFileSync(path.join(context, 'sub', '.dockerignore'), 'utf8')).toBe('node_modules\n');
    for (const outside of [path.join(context, '..', '..', 'x'), path.join(top, 'x'), path.join(context, 'sub', '..', '..', 'x'), context]) {
      expect(() => writeContextFile(context, outside, 'written', { text: undefined }), outside).toThrow(`${path.resolve(outside)} is outside the build context ${context}; not written`);
    }
    expect(fs.readdirSync(top)).toEqual(['a']);
    expect(fs.readdirSync(path.join(top, 'a'))).toEqual(['b']);
  });

  it('takes a name that only starts with two dots', () => {
    const context = tempDir();
    writeContextFile(context, path.join(context, '..dockerignore'), 'x\n', { text: undefined });
    expect(fs.readFileSync(path.join(context, '..dockerignore'), 'utf8')).toBe('x\n');
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file, keeps its mode, and leaves nothing else in the folder', () => {
    const dir = tempDir();
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, 'old\n');
    fs.chmodSync(file, 0o750);
    const inode = fs.statSync(file).ino;
    writeFileAtomic(file, 'new\n', { text: 'old\n', stat: fs.statSync(file) });
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.statSync(file).mode & 0o7777).toBe(0o750);
    // A new inode: the old file was replaced by a rename, not written over.
    expect(fs.statSync(file).ino).not.toBe(inode);
    expect(fs.readdirSync(dir)).toEqual(['Dockerfile']);
  });

  it('refuses a file whose content changed since it was read, even with the same size and time', () => {
    const dir = tempDir();
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, 'FROM a\n');
    const stat = fs.statSync(file);
    fs.writeFileSync(file, 'FROM b\n');
    fs.utimesSync(file, stat.atime, stat.mtime);
    expect(() => writeFileAtomic(file, 'FROM c\n', { text: 'FROM a\n', stat })).toThrow('changed on disk since it was read; not overwritten');
    expect(fs.readFileSync(file, 'utf8')).toBe('FROM b\n');
    expect(fs.readdirSync(dir)).toEqual(['Dockerfile']);
  });

  it('refuses to create a file that appeared since dockmod looked, and to recreate a deleted one', () => {
    const dir = tempDir();
    const file = path.join(dir, '.dockerignore');
    fs.writeFileSync(file, 'mine\n');
    expect(() => writeFileAtomic(file, 'node_modules\n', { text: undefined })).toThrow('created on disk since dockmod looked; not overwritten');
    expect(fs.readFileSync(file, 'utf8')).toBe('mine\n');
    fs.rmSync(file);
    expect(() => writeFileAtomic(file, 'node_modules\n', { text: 'mine\n' })).toThrow('deleted since it was read; not recreated');
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses a read-only file, even as root', () => {
    const dir = tempDir();
    const file = path.join(dir, 'Dockerfile');
    fs.writeFileSync(file, 'old\n');
    fs.chmodSync(file, 0o444);
    expect(() => writeFileAtomic(file, 'new\n')).toThrow('read-only file; not overwritten');
    expect(fs.readFileSync(file, 'utf8')).toBe('old\n');
  });

  it('rewrites the target of a symlink and keeps the link', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'real'));
    fs.writeFileSync(path.join(dir, 'real', 'Dockerfile'), 'old\n');
    fs.symlinkSync('real/Dockerfile', path.join(dir, 'Dockerfile'));
    writeFileAtomic(path.join(dir, 'Dockerfile'), 'new\n', { text: 'old\n' });
    expect(fs.readlinkSync(path.join(dir, 'Dockerfile'))).toBe('real/Dockerfile');
    expect(fs.readFileSync(path.join(dir, 'real', 'Dockerfile'), 'utf8')).toBe('new\n');
    expect(leftovers(dir)).toEqual([]);
  });

  it('with `within`, refuses a file that became a link out of that folder, or lies in a folder that is one', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'context'));
    fs.mkdirSync(path.join(dir, 'outside'));
    fs.writeFileSync(path.join(dir, 'outside', '.dockerignore'), 'same\n');
    fs.symlinkSync('../outside/.dockerignore', path.join(dir, 'context', '.dockerignore'));
    fs.symlinkSync('../outside', path.join(dir, 'context', 'linked'));
    const within = path.join(dir, 'context');
    expect(() => writeFileAtomic(path.join(within, '.dockerignore'), 'new\n', { text: 'same\n', within })).toThrow('a symbolic link to outside the build context; not written');
    expect(() => writeFileAtomic(path.join(within, 'linked', 'new.txt'), 'new\n', { text: undefined, within })).toThrow('a symbolic link to outside the build context; not written');
    expect(fs.readdirSync(path.join(dir, 'outside'))).toEqual(['.dockerignore']);
    expect(fs.readFileSync(path.join(dir, 'outside', '.dockerignore'), 'utf8')).toBe('same\n');
    fs.writeFileSync(path.join(within, 'ignore.txt'), 'old\n');
    fs.symlinkSync('ignore.txt', path.join(within, 'inside'));
    writeFileAtomic(path.join(within, 'inside'), 'new\n', { text: 'old\n', within });
    expect(fs.readFileSync(path.join(within, 'ignore.txt'), 'utf8')).toBe('new\n');
  });

  it('removes the temp files of dead runs from the folder it writes in, and keeps those of live ones', () => {
    const dir = tempDir();
    const dead = `.Dockerfile${TEMP_MARKER}${deadPid()}-0badf00d`;
    // pid 1 is always alive.
    const live = `.Dockerfile${TEMP_MARKER}1-0badf00d`;
    for (const name of [dead, live, 'Dockerfile']) fs.writeFileSync(path.join(dir, name), 'FROM a\n');
    writeFileAtomic(path.join(dir, 'Dockerfile'), 'FROM b\n');
    expect(fs.readdirSync(dir).sort()).toEqual([live, 'Dockerfile'].sort());
    expect(removeStaleTemps(dir)).toEqual([]);
  });
});

/** One Dockerfile per (folder, index): the text before and after `--write --only merge-apt-update`. */
const before = (id: string) => `# ${id}\nFROM ubuntu:22.04\nRUN apt-get update\nRUN apt-get install -y curl-${id}\n`;
const after = (id: string) => `# ${id}\nFROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl-${id}\n`;

describe('a --write run killed at random moments', () => {
  it('leaves every one of 1,000 files old or new, never torn, and the next run leaves no temp files', async () => {
    const seed = Number(process.env.KILL_SEED ?? Date.now() % 1_000_000);
    console.log(`kill test seed ${seed} (replay: KILL_SEED=${seed})`);
    const rng = seededRng(seed);
    const root = tempDir();
    const files: { file: string; id: string }[] = [];
    for (let d = 0; d < 10; d++) {
      fs.mkdirSync(path.join(root, `service-${d}`));
      for (let i = 0; i < 100; i++) {
        const id = `${d}-${String(i).padStart(3, '0')}`;
        const file = path.join(root, `service-${d}`, `Dockerfile.${id}`);
        fs.writeFileSync(file, before(id));
        fs.chmodSync(file, 0o640);
        files.push({ file, id });
      }
    }
    const state = () => {
      const torn = [];
      let done = 0;
      for (const { file, id } of files) {
        const text = fs.readFileSync(file, 'utf8');
        if (text === after(id)) done++;
        else if (text !== before(id)) torn.push(`${file}: ${JSON.stringify(text)}`);
      }
      return { done, torn };
    };
    const args = ['--write', '--only', 'merge-apt-update', '.'];

    let kills = 0;
    let leftBehind = 0;
    const started = performance.now();
    while (kills < 4 && performance.now() - started < 9_000) {
      const next = files.find(({ file, id }) => fs.readFileSync(file, 'utf8') !== after(id));
      if (!next) break;
      const child = startDockmod(args, root, 'ignore');
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // Kill once the writing has begun (the first file still to do has changed), after a random delay.
      const mtime = fs.statSync(next.file).mtimeMs;
      const wait = Date.now() + 10_000;
      while (fs.statSync(next.file).mtimeMs === mtime && Date.now() < wait && child.exitCode === null) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, rng.below(900)));
      child.kill('SIGKILL');
      await exited;
      kills++;
      const { torn } = state();
      expect(torn).toEqual([]);
      leftBehind += leftovers(root).length;
    }
    console.log(`killed ${kills} runs; they left ${leftBehind} temp files behind; ${state().done} of ${files.length} files rewritten before the last run`);
    expect(kills).toBeGreaterThan(0);

    const last = dockmod(args, root);
    expect(last.status).toBe(0);
    expect(state()).toEqual({ done: files.length, torn: [] });
    expect(leftovers(root)).toEqual([]);
    for (const { file } of files) expect(fs.statSync(file).mode & 0o777).toBe(0o640);
  }, 30_000);
});

describe('a --write run stopped by SIGINT or SIGTERM', () => {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`on ${signal}: stops between two files, leaves no temp file, prints what it wrote, exits ${code}`, async () => {
      const root = tempDir();
      const files = Array.from({ length: 1000 }, (_, i) => {
        const id = String(i).padStart(4, '0');
        const file = path.join(root, `Dockerfile.${id}`);
        fs.writeFileSync(file, before(id));
        return { file, id };
      });
      const child = startDockmod(['--write', '--only', 'merge-apt-update', '.'], root);
      let stderr = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      const first = files[0]!.file;
      const wait = Date.now() + 10_000;
      while (fs.readFileSync(first, 'utf8') === before(files[0]!.id) && Date.now() < wait) await new Promise((r) => setTimeout(r, 2));
      child.kill(signal);
      expect(await exited).toBe(code);
      const done = files.filter(({ file, id }) => fs.readFileSync(file, 'utf8') === after(id)).length;
      const torn = files.filter(({ file, id }) => ![before(id), after(id)].includes(fs.readFileSync(file, 'utf8')));
      expect(torn).toEqual([]);
      expect(done).toBeGreaterThan(0);
      expect(done).toBeLessThan(files.length);
      expect(leftovers(root)).toEqual([]);
      expect(stderr).toMatch(new RegExp(`^dockmod: ${done} changed, 0 unchanged, 0 with skips, 0 errors \\(\\d+\\.\\d\\ds\\), interrupted by ${signal}: the other files are left as they were\\n$`));
    }, 20_000);
  }
});
