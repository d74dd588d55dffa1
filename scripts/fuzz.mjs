#!/usr/bin/env node
// npm run fuzz: 100,000 mutated Dockerfiles (corpus cases and transform fixtures) through dockmod, with the
// properties of test/fuzz.test.ts, spread over worker threads; prints the counts and, for each property that
// failed, the first failing case shrunk to a small input. Exit 1 when a property failed.
//   FUZZ_SEED=n     the run's seed (default: a new one, printed)
//   FUZZ_CASES=n    how many cases (default 100000)
//   FUZZ_WORKERS=n  worker threads (default: one per core, at most 2)
//   FUZZ_CASE=i     replay case i of FUZZ_SEED alone: its input, verdict, output and changes
// The TypeScript sources run through jiti (a dependency already, for custom transforms): no build needed.
import os from 'node:os';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createJiti } from 'jiti';

const root = path.resolve(import.meta.dirname, '..');
const jiti = createJiti(import.meta.url);
/** @type {typeof import('../test/support/fuzz.ts')} */
const fuzz = await jiti.import(path.join(root, 'test/support/fuzz.ts'));
const PROGRESS_EVERY = 2000;

if (isMainThread) await main();
else work(workerData);

async function main() {
  const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const cases = Number(process.env.FUZZ_CASES ?? 100_000);
  const threads = Math.max(1, Number(process.env.FUZZ_WORKERS ?? Math.min(2, os.availableParallelism())));
  /** @type {typeof import('../test/support/corpus.ts')} */
  const corpus = await jiti.import(path.join(root, 'test/support/corpus.ts'));
  if (!corpus.corpusAvailable) console.error('fuzz: ../shared/corpus is not there; fuzzing the transform fixtures only');
  const materialized = corpus.corpusAvailable ? corpus.materializeCorpus() : { root: undefined, cases: [] };
  const caseDirs = [...materialized.cases, ...fuzz.fixtureCases(root)];
  try {
    if (process.env.FUZZ_CASE !== undefined) return await replay(caseDirs, seed, Number(process.env.FUZZ_CASE));
    const started = performance.now();
    console.error(`fuzz: seed ${seed}, ${cases} cases on ${threads} worker threads`);
    let done = 0;
    const tallies = await Promise.all(
      Array.from({ length: threads }, (_, index) =>
        new Promise((resolve, reject) => {
          const worker = new Worker(new URL(import.meta.url), { workerData: { caseDirs, seed, cases, first: index, step: threads } });
          worker.on('message', (message) => {
            if (message.progress) {
              done += message.progress;
              console.error(`fuzz: ${done} / ${cases} (${((performance.now() - started) / 1000).toFixed(0)}s)`);
            } else resolve(message.tally);
          });
          worker.on('error', reject);
          worker.on('exit', (code) => code && reject(new Error(`worker exited with code ${code}`)));
        }),
      ),
    );
    const tally = tallies.reduce((all, t) => fuzz.mergeTallies(all, t), fuzz.emptyTally());
    console.log(fuzz.formatTally(tally, seed));
    console.log(`${((performance.now() - started) / 1000).toFixed(1)}s`);
    process.exitCode = Object.keys(tally.failures).length ? 1 : 0;
  } finally {
    if (materialized.root) (await import('node:fs')).rmSync(materialized.root, { recursive: true, force: true });
  }
}

function work({ caseDirs, seed, cases, first, step }) {
  const seeds = fuzz.loadSeeds(caseDirs);
  const tally = fuzz.emptyTally();
  let sinceReport = 0;
  for (let i = first; i < cases; i += step) {
    fuzz.runCase(seeds, seed, i, tally);
    if (++sinceReport === PROGRESS_EVERY) {
      parentPort.postMessage({ progress: sinceReport });
      sinceReport = 0;
    }
  }
  parentPort.postMessage({ tally });
}

async function replay(caseDirs, seed, index) {
  /** @type {typeof import('../src/index.js')} */
  const { optimize } = await jiti.import(path.join(root, 'src/index.ts'));
  const c = fuzz.makeCase(fuzz.loadSeeds(caseDirs), seed, index);
  const verdict = fuzz.checkInput(c.input, c.seed.context, { unsafe: c.unsafe });
  console.log(`case ${index} of seed ${seed}: seed file ${c.seed.id}, unsafe ${c.unsafe}`);
  console.log(`mutations: ${JSON.stringify(c.mutations)}`);
  console.log(`input: ${JSON.stringify(c.input.toString('utf8'))}`);
  console.log(`verdict: ${JSON.stringify(verdict)}`);
  if (verdict.kind === 'refused') return;
  try {
    const result = optimize(c.input.toString('utf8'), { context: c.seed.context, unsafe: c.unsafe });
    console.log(`output: ${JSON.stringify(result.text)}`);
    for (const change of result.changes) console.log(`change: ${JSON.stringify(change)}`);
    for (const file of result.files) console.log(`writes ${file.path}: ${JSON.stringify(file.text)}`);
  } catch (error) {
    console.log(`throws: ${error.stack}`);
  }
}
