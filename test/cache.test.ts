// The results cache (--cache, --cache-location, the config's "cache"): a cached run prints what an uncached run
// prints, a change to any input of a file's result recomputes it, and a bad cache file is never trusted nor fatal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dockmod, startDockmod, tempTree } from './support/cli.js';

const root = path.resolve(import.meta.dirname, '..');
const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const NODE_APP = {
  'app/Dockerfile': 'FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install\nCMD ["node", "index.js"]\n',
  'app/package.json': '{ "name": "app", "version": "1.0.0", "dependencies": { "ms": "2.1.3" } }\n',
  'app/package-lock.json': '{ "name": "app", "lockfileVersion": 3, "packages": {} }\n',
  'app/index.js': 'console.log(1);\n',
  'py/Dockerfile': 'FROM ubuntu:22.04\nRUN apt-get update\nRUN apt-get install -y python3-pip\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n',
  'py/requirements.txt': 'flask\n',
};

const CACHE = 'cache/results.json';
/** The run with the cache in the tree's `cache/results.json`. */
const cached = (args: string[], dir: string, env?: Record<string, string>) => dockmod(['--cache', '--cache-location', CACHE, ...args], dir, { env });
/** How many results the cache gave, as --verbose says. */
const reused = (stderr: string): number => Number(/^dockmod: cache: (\d+) of \d+ results reused/m.exec(stderr)?.[1] ?? NaN);

describe('--cache', () => {
  it('a second run reuses every result and prints byte for byte what an uncached run prints, in every format and mode', () => {
    const dir = tempTree('dockmod-cache-', NODE_APP, temps);
    // A link out of the context: its note comes from the cached result as it comes from a fresh one.
    fs.symlinkSync('/etc/hostname', path.join(dir, 'py', 'notes.txt'));
    /** What --verbose prints on stderr, but the cache's own line and the time taken. */
    const notes = (stderr: string) => stderr.replace(/^dockmod: cache: .*\n/m, '').replace(/\(\d+\.\d+s\)/, '');
    for (const args of [[], ['-f', 'json'], ['-f', 'sarif'], ['-f', 'rdjson'], ['-f', 'github'], ['-f', 'markdown'], ['--check'], ['-l'], ['--unsafe']]) {
      fs.rmSync(path.join(dir, 'cache'), { recursive: true, force: true });
      const plain = dockmod([...args, '-v', '.'], dir);
      const first = cached([...args, '-v', '.'], dir);
      const second = cached([...args, '-v', '.'], dir);
      expect(reused(first.stderr), args.join(' ')).toBe(0);
      expect(reused(second.stderr), args.join(' ')).toBe(2);
      for (const r of [first, second]) {
        expect(r.stdout).toBe(plain.stdout);
        expect(r.status).toBe(plain.status);
        expect(notes(r.stderr)).toBe(notes(plain.stderr));
      }
    }
    expect(fs.readFileSync(path.join(dir, 'py', 'Dockerfile'), 'utf8')).toBe(NODE_APP['py/Dockerfile']);
  });

  /** Fills the cache, checks it is used, makes `change`, and expects the result recomputed: what an uncached run prints, which differs from before. */
  const recomputedAfter = (change: (dir: string) => void, args: string[] = [], files: Record<string, string> = NODE_APP, stillReused = 1) => {
    const dir = tempTree('dockmod-cache-', files, temps);
    const before = cached(['-v', ...args, '.'], dir);
    expect(reused(cached(['-v', ...args, '.'], dir).stderr)).toBe(2);
    change(dir);
    const plain = dockmod(['-v', ...args, '.'], dir);
    const after = cached(['-v', ...args, '.'], dir);
    expect(after.stdout).not.toBe(before.stdout);
    expect(after.stdout).toBe(plain.stdout);
    expect(reused(after.stderr)).toBe(stillReused);
    return { dir, after };
  };
  const write = (dir: string, file: string, text: string) => fs.writeFileSync(path.join(dir, file), text);

  it("recomputes a result when the Dockerfile's bytes change", () => {
    recomputedAfter((dir) => write(dir, 'py/Dockerfile', `${NODE_APP['py/Dockerfile']}RUN apt-get install -y curl\n`));
  });

  it('recomputes a result when a build-context file it read changes, appears or goes', () => {
    recomputedAfter((dir) => fs.rmSync(path.join(dir, 'app', 'package-lock.json')));
    recomputedAfter((dir) => write(dir, 'app/yarn.lock', '# yarn lockfile v1\n'));
    // A file the manifests' closure follows: the lifecycle script a changed package.json names.
    recomputedAfter((dir) => write(dir, 'app/package.json', '{ "name": "app", "scripts": { "postinstall": "node setup.js" } }\n'), [], { ...NODE_APP, 'app/setup.js': '' });
  });

  it('recomputes a result when an ignore file changes or a Dockerfile-specific one appears', () => {
    recomputedAfter((dir) => write(dir, 'app/.dockerignore', 'node_modules\n'));
    recomputedAfter((dir) => write(dir, 'app/Dockerfile.dockerignore', 'node_modules\n'));
  });

  it('recomputes a result when a compose file chooses another build context', () => {
    const files = {
      ...NODE_APP,
      'compose.yaml': 'services:\n  app:\n    build:\n      context: app\n',
      'app/docker/Dockerfile': NODE_APP['app/Dockerfile'],
      'app/docker/package.json': NODE_APP['app/package.json'],
    };
    delete (files as Record<string, string>)['app/Dockerfile'];
    const { after } = recomputedAfter(
      (dir) => write(dir, 'compose.yaml', 'services:\n  app:\n    build:\n      context: app/docker\n      dockerfile: Dockerfile\n'),
      [],
      { ...files, 'compose.yaml': 'services:\n  app:\n    build:\n      context: app\n      dockerfile: docker/Dockerfile\n' },
    );
    expect(after.stdout).toContain('COPY package.json ./');
  });

  it('recomputes a result when --context builds every Dockerfile with the context a compose file gives one', () => {
    // Without --context, app/tools/Dockerfile is built in its own folder and shares no ignore file with app/Dockerfile.
    const dir = tempTree('dockmod-cache-', { ...NODE_APP, 'compose.yaml': 'services:\n  app:\n    build:\n      context: app\n', 'app/tools/Dockerfile': 'FROM node:20\nCOPY . .\n' }, temps);
    const named = cached(['app/Dockerfile'], dir);
    const given = cached(['-v', '--context', 'app', 'app/Dockerfile'], dir);
    expect(given.stdout).toBe(dockmod(['-v', '--context', 'app', 'app/Dockerfile'], dir).stdout);
    expect(given.stdout).not.toBe(named.stdout);
    expect(reused(given.stderr)).toBe(0);
  });

  it('recomputes a result when the config, the transforms enabled or --unsafe change', () => {
    recomputedAfter((dir) => write(dir, 'py/dockmod.config.json', '{ "rules": { "apt-lists-cleanup": "off" } }\n'));
    const dir = tempTree('dockmod-cache-', NODE_APP, temps);
    const runs = [[], ['--skip', 'pip-no-cache-dir'], ['--only', 'pip-no-cache-dir'], ['--unsafe']].map((args) => {
      const r = cached(['-v', ...args, '.'], dir);
      expect(r.stdout).toBe(dockmod(['-v', ...args, '.'], dir).stdout);
      return r;
    });
    expect(runs.map((r) => reused(r.stderr))).toEqual([0, 0, 0, 0]);
    expect(new Set(runs.map((r) => r.stdout)).size).toBe(4);
  });

  it("recomputes a result when a custom transform's module changes", () => {
    const module = (message: string) =>
      `export default { id: 'house-label', summary: 'labels', safety: 'safe', apply: (doc) => doc.text.includes('LABEL') ? { changes: [], skips: [] } : { changes: [{ message: '${message}', line: 1, edits: [{ start: doc.text.length, end: doc.text.length, text: 'LABEL team=${message}\\n' }] }], skips: [] } };\n`;
    recomputedAfter((dir) => write(dir, 'house.mjs', module('blue')), ['--only', 'house-label', '--transform', 'house.mjs'], { ...NODE_APP, 'house.mjs': module('red') }, 0);
  });

  /**
   * The built package copied to a temp folder, what it ships and runs (its code and the bash grammar it loads), with
   * its dependencies linked from this checkout's node_modules, outside the copy, as pnpm links them from its store
   * (and as npm hoists them beside it): its CLI.
   */
  const packageCopy = (): string => {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'dockmod-cache-build-'));
    temps.push(copy);
    for (const folder of ['dist', 'grammar']) fs.cpSync(path.join(root, folder), path.join(copy, folder), { recursive: true });
    fs.copyFileSync(path.join(root, 'package.json'), path.join(copy, 'package.json'));
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
    return path.join(copy, 'dist', 'src', 'cli.js');
  };

  it("reuses the plan when dockmod's dependencies are installed outside its folder and read while planning", () => {
    const cli = packageCopy();
    // A bake file is read with @cdktf/hcl2json, which loads its wasm asynchronously.
    const bake = { 'docker-bake.hcl': 'target "app" {\n  context = "app"\n}\n' };
    const dir = tempTree('dockmod-cache-', { ...NODE_APP, ...bake }, temps);
    const run = () => dockmod(['--cache', '--cache-location', CACHE, '-v', '.'], dir, { program: cli });
    expect(run().stderr).toMatch(/^dockmod: cache: 0 of 2 results reused, plan made/m);
    // The first run's cache folder is new in the tree: the second run plans again, the third finds all as it was.
    run();
    expect(run().stderr).toMatch(/^dockmod: cache: 2 of 2 results reused, plan reused/m);
  });

  it("recomputes every result when dockmod's own code changes", () => {
    const cli = packageCopy();
    const copy = path.dirname(path.dirname(path.dirname(cli)));
    const dir = tempTree('dockmod-cache-', NODE_APP, temps);
    const copied = () => dockmod(['--cache', '--cache-location', CACHE, '-v', '.'], dir, { program: cli });
    expect(copied().stdout).toBe(dockmod(['.'], dir).stdout);
    expect(reused(copied().stderr)).toBe(2);
    const transform = path.join(copy, 'dist', 'transforms', 'pip-no-cache-dir.js');
    fs.writeFileSync(transform, fs.readFileSync(transform, 'utf8').replace("'--no-cache-dir'", "'--no-cache-dir' /* changed */"));
    expect(reused(copied().stderr)).toBe(0);
  });

  it('--write still writes what an uncached write writes, and the next run sees the new bytes', () => {
    const dir = tempTree('dockmod-cache-', NODE_APP, temps);
    const expected = tempTree('dockmod-cache-', NODE_APP, temps);
    expect(dockmod(['--write', '.'], expected).status).toBe(0);
    cached(['.'], dir);
    const r = cached(['--write', '-v', '.'], dir);
    expect(reused(r.stderr)).toBe(2);
    for (const file of ['app/Dockerfile', 'app/.dockerignore', 'py/Dockerfile']) expect(fs.readFileSync(path.join(dir, file), 'utf8')).toBe(fs.readFileSync(path.join(expected, file), 'utf8'));
    const again = cached(['-v', '.'], dir);
    expect(again.stdout).toBe('');
    expect(reused(again.stderr)).toBe(0);
  });

  it('ignores a corrupt, truncated or unreadable cache file, and rewrites it', () => {
    const dir = tempTree('dockmod-cache-', NODE_APP, temps);
    const plain = dockmod(['.'], dir);
    const file = path.join(dir, CACHE);
    cached(['.'], dir);
    const good = fs.readFileSync(file);
    expect(good.toString('utf8')).toContain('"results"');
    for (const bad of [Buffer.from('not json at all'), good.subarray(0, good.length >> 1), Buffer.from(good.toString('utf8').replace('"results"', '"resulta"')), Buffer.from('{"format":1}\n[]'), Buffer.alloc(0)]) {
      fs.writeFileSync(file, bad);
      const r = cached(['-v', '.'], dir);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(plain.stdout);
      expect(reused(r.stderr)).toBe(0);
      expect(reused(cached(['-v', '.'], dir).stderr)).toBe(2);
    }
  });

  it('a cache that cannot be written says so in one line and changes neither the output nor the exit code', () => {
    const dir = tempTree('dockmod-cache-', NODE_APP, temps);
    const plain = dockmod(['--check', '.'], dir);
    fs.mkdirSync(path.join(dir, CACHE), { recursive: true });
    const r = cached(['--check', '.'], dir);
    expect(r.stdout).toBe(plain.stdout);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^dockmod: cache\/results\.json: cannot write the cache: .*\n/m);
  });

  it('runs at once on one cache leave it whole', async () => {
    const dir = tempTree('dockmod-cache-', NODE_APP, temps);
    const plain = dockmod(['py', 'app'], dir).stdout;
    const runs = Array.from({ length: 6 }, (_, i) => {
      const child = startDockmod(['--cache', '--cache-location', CACHE, ...(i % 2 ? ['app', 'py'] : ['py', 'app'])], dir);
      let stdout = '';
      child.stdout.on('data', (d) => (stdout += d));
      return new Promise<string>((resolve) => child.on('close', () => resolve(stdout)));
    });
    const outputs = await Promise.all(runs);
    // Each run prints its paths' files in its own order: the same diffs, whatever the cache held.
    for (const [i, stdout] of outputs.entries()) expect(stdout).toBe(i % 2 ? dockmod(['app', 'py'], dir).stdout : plain);
    expect(fs.readdirSync(path.join(dir, 'cache'))).toEqual(['results.json']);
    // Whole: the last writer's results are all there (a file a race had torn would give none).
    expect(reused(cached(['-v', '.'], dir).stderr)).toBe(2);
  });

  it('lives in node_modules/.cache/dockmod when a node_modules folder is up the tree, else in the OS cache folder', () => {
    const dir = tempTree('dockmod-cache-', { ...NODE_APP, 'node_modules/.keep': '' }, temps);
    expect(dockmod(['--cache', 'py'], path.join(dir)).status).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'node_modules', '.cache', 'dockmod'))).toEqual(['results.json']);
    const bare = tempTree('dockmod-cache-', NODE_APP, temps);
    const xdg = path.join(bare, 'xdg');
    expect(dockmod(['--cache', 'py'], bare, { env: { XDG_CACHE_HOME: xdg } }).status).toBe(0);
    expect(fs.readdirSync(path.join(xdg, 'dockmod'))).toHaveLength(1);
    expect(reused(dockmod(['--cache', '-v', 'py'], bare, { env: { XDG_CACHE_HOME: xdg } }).stderr)).toBe(1);
  });

  it('is turned on by the config of the working folder, with its location relative to that config', () => {
    const dir = tempTree('dockmod-cache-', { ...NODE_APP, 'dockmod.config.json': '{ "cache": true, "cacheLocation": ".dockmod/cache.json" }\n' }, temps);
    dockmod(['.'], dir);
    expect(reused(dockmod(['-v', '.'], dir).stderr)).toBe(2);
    expect(fs.existsSync(path.join(dir, '.dockmod', 'cache.json'))).toBe(true);
    fs.writeFileSync(path.join(dir, 'dockmod.config.json'), '{ "cache": "yes" }\n');
    expect(dockmod(['.'], dir).stderr).toContain("'cache' must be true or false");
  });
});
