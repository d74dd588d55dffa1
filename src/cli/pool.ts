// Many Dockerfiles at once: a pool of worker threads, one per core, for large runs; in-process for small ones.
// Outcomes come back in job order, whatever the workers' timing, so output is stable.
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FileJob, JobOutcome } from './jobs.js';
import type { Batch } from './worker.js';

/**
 * The fewest files for which a pool is worth it. One thread already keeps about 1.5 cores busy (V8 compiles and
 * collects garbage on others), and each worker must warm up its own compiled code (about half a second of
 * CPU). On 2 cores, measured: in-process is faster at 413 files, even at 1,000 and 2,000, and 1.36x slower at
 * 5,000. With more cores the pool pays off sooner; 400 is estimated from the same figures (not measured here).
 */
const poolThreshold = (cores: number): number => (cores <= 2 ? 1500 : 400);
/** Jobs per message: enough to amortise the messaging, small enough to balance the workers. */
const BATCH_SIZE = 16;
/** Batches in flight per worker, so a worker never waits for the next one. */
const IN_FLIGHT = 2;

export function poolSize(files: number): number {
  const cores = os.availableParallelism();
  return files < poolThreshold(cores) ? 0 : cores;
}

/** The worker threads a run of `files` jobs uses; `requested`: the --workers option. */
export const workerCount = (files: number, requested?: number): number => Math.min(requested ?? poolSize(files), Math.ceil(files / BATCH_SIZE));

/** A worker started before its jobs were known, and why it stopped if it did so before being given any. */
export interface StartedWorker {
  worker: Worker;
  failure?: string;
}

const newWorker = () => new Worker(new URL('./worker.js', import.meta.url));

/**
 * Starts `count` workers ahead of the jobs, while the run is still being planned: each loads the engine in
 * parallel with the planning instead of after it. Hand them to processAll, or stop them with stopWorkers.
 */
export function startWorkers(count: number): StartedWorker[] {
  return Array.from({ length: count }, () => {
    const started: StartedWorker = { worker: newWorker() };
    started.worker.on('error', (error) => (started.failure ??= error.message));
    started.worker.on('exit', (code) => (started.failure ??= `exited with code ${code}`));
    return started;
  });
}

export const stopWorkers = (started: StartedWorker[]): Promise<unknown> => Promise.all(started.map((s) => s.worker.terminate()));

export interface ProcessAllOptions {
  /** Worker threads; 0 runs in-process. Default: poolSize(jobs.length). */
  workers?: number;
  /** Called as each job finishes, in completion order. */
  onDone?: () => void;
  /** Workers from startWorkers, used before any new one is started (those not needed are stopped). */
  started?: StartedWorker[];
}

/** Processes every job; yields the outcomes in job order. */
export async function* processAll(jobs: FileJob[], options: ProcessAllOptions = {}): AsyncGenerator<JobOutcome> {
  const workers = workerCount(jobs.length, options.workers);
  const started = options.started ?? [];
  await stopWorkers(started.splice(Math.max(workers, 0)));
  if (workers <= 0) {
    // Loaded here, not at the top: with a pool, only the workers need the engine.
    const { processJob } = await import('./jobs.js');
    for (const job of jobs) {
      const outcome = await processJob(job);
      options.onDone?.();
      yield outcome;
    }
    return;
  }
  yield* runPool(jobs, workers, started, options.onDone);
}

async function* runPool(jobs: FileJob[], size: number, started: StartedWorker[], onDone?: () => void): AsyncGenerator<JobOutcome> {
  const outcomes: (JobOutcome | undefined)[] = new Array(jobs.length);
  const batches = Math.ceil(jobs.length / BATCH_SIZE);
  let nextBatch = 0;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const pool: Worker[] = [];
  let closed = false;
  const inFlight = new Map<Worker, Set<number>>();

  const send = (worker: Worker) => {
    if (nextBatch >= batches) return;
    const id = nextBatch++;
    inFlight.get(worker)!.add(id);
    const batch: Batch = { id, jobs: jobs.slice(id * BATCH_SIZE, (id + 1) * BATCH_SIZE) };
    worker.postMessage(batch);
  };
  /** A worker that died takes its batches with it: each of their files gets the error. */
  const fail = (worker: Worker, reason: string) => {
    for (const id of inFlight.get(worker) ?? []) {
      for (let i = id * BATCH_SIZE; i < Math.min((id + 1) * BATCH_SIZE, jobs.length); i++) {
        if (outcomes[i]) continue;
        outcomes[i] = { file: jobs[i]!.file, error: { file: jobs[i]!.file, message: `worker failed: ${reason}` } };
        onDone?.();
      }
    }
    inFlight.delete(worker);
    // Its share of the remaining batches goes to a fresh worker.
    if (nextBatch < batches && !closed) start();
    notify();
  };
  const start = () => {
    // Workers started ahead go first, unless they have already stopped.
    let ahead = started.shift();
    while (ahead?.failure !== undefined) {
      void ahead?.worker.terminate();
      ahead = started.shift();
    }
    const worker = ahead?.worker ?? newWorker();
    pool.push(worker);
    inFlight.set(worker, new Set());
    worker.on('message', ({ id, outcomes: done }: { id: number; outcomes: JobOutcome[] }) => {
      done.forEach((o, i) => (outcomes[id * BATCH_SIZE + i] = o));
      for (let i = 0; i < done.length; i++) onDone?.();
      inFlight.get(worker)?.delete(id);
      send(worker);
      notify();
    });
    worker.on('error', (error) => fail(worker, error.message));
    worker.on('exit', (code) => {
      if (inFlight.get(worker)?.size) fail(worker, `exited with code ${code}`);
    });
    for (let i = 0; i < IN_FLIGHT; i++) send(worker);
  };

  try {
    for (let i = 0; i < size; i++) start();
    for (let next = 0; next < jobs.length; next++) {
      while (!outcomes[next]) await new Promise<void>((resolve) => (wake = resolve));
      const outcome = outcomes[next]!;
      outcomes[next] = undefined; // let it be collected once handed over
      yield outcome;
    }
  } finally {
    closed = true;
    await Promise.all(pool.map((w) => w.terminate()));
  }
}
