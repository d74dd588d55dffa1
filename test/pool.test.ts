// The worker pool gives exactly what in-process processing gives, in job order, whatever the workers' timing.
// Runs the built dist/ (the worker entry is dist/src/cli/worker.js).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockmod } from './support/cli.js';
import { corpusAvailable, materializeCorpus } from './support/corpus.js';

const dist = path.resolve(import.meta.dirname, '..', 'dist', 'src');
const { processAll } = (await import(path.join(dist, 'cli', 'pool.js'))) as typeof import('../src/cli/pool.js');
type FileJob = import('../src/cli/jobs.js').FileJob;
type JobOutcome = import('../src/cli/jobs.js').JobOutcome;

let root: string;
let jobs: FileJob[];

beforeAll(() => {
  if (!corpusAvailable) return;
  root = materializeCorpus().root;
  const files = fs.readdirSync(root).sort().map((id) => path.join(root, id, 'Dockerfile'));
  // Every 5th case, plus inputs that fail in the worker: not a Dockerfile, and a missing file.
  fs.writeFileSync(path.join(root, 'not-a-dockerfile'), 'hello\n');
  const picked = [...files.filter((_, i) => i % 5 === 0), path.join(root, 'not-a-dockerfile'), path.join(root, 'missing')];
  jobs = picked.map((file) => ({ file, transforms: [], unsafe: true }));
});
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

async function collect(workers: number) {
  let done = 0;
  const outcomes: JobOutcome[] = [];
  for await (const o of processAll(jobs, { workers, onDone: () => done++ })) outcomes.push(o);
  return { outcomes, done };
}

describe.skipIf(!corpusAvailable)('processAll', () => {
  it('gives the same outcomes in the same order with 2 workers as in-process', async () => {
    const inProcess = await collect(0);
    const pooled = await collect(2);
    expect(pooled.outcomes.map((o) => o.file)).toEqual(jobs.map((j) => j.file));
    expect(pooled.outcomes).toEqual(inProcess.outcomes);
    expect(pooled.done).toBe(jobs.length);
    expect(inProcess.outcomes.filter((o) => 'result' in o && o.result.after !== o.result.before).length).toBeGreaterThan(0);
    expect(pooled.outcomes.slice(-2)).toEqual([
      { file: path.join(root, 'not-a-dockerfile'), error: { file: path.join(root, 'not-a-dockerfile'), message: "unknown instruction 'hello' on line 1", notDockerfile: "unknown instruction 'hello' on line 1" } },
      { file: path.join(root, 'missing'), error: { file: path.join(root, 'missing'), message: expect.stringContaining('no such file') } },
    ]);
  });

  it('keeps the stat fields the write check needs, as plain numbers', async () => {
    const [first] = (await collect(2)).outcomes;
    const stat = fs.statSync(jobs[0]!.file);
    expect(first).toMatchObject({ result: { stat: { mtimeMs: stat.mtimeMs, size: stat.size } } });
  });

  it('prints the same diff through the CLI whatever the worker count', () => {
    const run = (workers: string) => dockmod(['--workers', workers, '.'], root);
    const one = run('0');
    const two = run('2');
    expect(two.stdout).toBe(one.stdout);
    expect(two.stdout.length).toBeGreaterThan(1000);
    expect(two.stderr.replace(/\(\d+\.\d+s\)/, '')).toBe(one.stderr.replace(/\(\d+\.\d+s\)/, ''));
  });
});

describe('progressBar', async () => {
  const { progressBar } = await import('../src/cli/progress.js');
  const terminal = () => {
    const out: string[] = [];
    return { out, stream: { isTTY: true, write: (t: string) => out.push(t) } };
  };

  it('draws on a terminal for a long run and erases itself', () => {
    const { out, stream } = terminal();
    const bar = progressBar(60, stream, {});
    bar.tick();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\r\[#? +\] 1\/60 files \d+\.\ds$/);
    bar.clear();
    expect(out[1]).toBe('\r\x1b[K');
  });

  it('stays silent in CI, when piped, and for a short run', () => {
    for (const [total, isTTY, env] of [[60, true, { CI: 'true' }], [60, false, {}], [10, true, {}]] as const) {
      const out: string[] = [];
      const bar = progressBar(total, { isTTY, write: (t: string) => out.push(t) }, env);
      for (let i = 0; i < total; i++) bar.tick();
      bar.clear();
      expect(out).toEqual([]);
    }
  });

  it('erases the bar before anything else is written through a guarded stream', () => {
    const { out, stream } = terminal();
    const bar = progressBar(60, stream, {});
    bar.tick();
    const guarded = bar.guard(Object.assign(Object.create(process.stdout), { write: (t: string) => out.push(`out:${t}`) }));
    guarded.write('diff\n');
    expect(out.slice(1)).toEqual(['\r\x1b[K', 'out:diff\n']);
  });
});
