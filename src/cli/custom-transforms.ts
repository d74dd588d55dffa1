// A team's own transforms: modules named by `--transform` or a config's `transforms` list. A module exports a
// Transform (`{ id, summary, safety, apply }`) or a list of them, as its default export or as `transforms`.
// TypeScript modules load through jiti, without a build step; JavaScript ones through Node's own import().
//
// They come from the tree being optimized, so each module runs in a worker thread of its own (src/cli/custom-worker.ts)
// that can be stopped: the engine stays synchronous, and each transform here is a proxy whose apply sends the
// document's text to the worker and blocks (Atomics.wait) until the result comes back or the time limit is up.
// The worker's calls on the build context are answered from this thread while it waits: the transform sees the
// engine's own context (with the files that earlier changes wrote), and the context's rules are kept in one place.
import { BroadcastChannel, MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { builtinTransforms } from '../../transforms/index.js';
import { CONTEXT_CALLS, TO_MAIN, TO_WORKER, type ToMain, type ToWorker, type TransformInfo, type WorkerInput } from './custom-protocol.js';
import type { BuildContext, Transform, TransformResult } from '../engine/types.js';

/** How long one call of a custom transform (or the loading of its module) may take, by default. */
export const DEFAULT_TRANSFORM_TIMEOUT_MS = 10_000;

const seconds = (ms: number) => `${ms / 1000} s (--transform-timeout)`;
/** How long a worker may take to load dockmod's own modules (the parser and its grammar) before the module's. */
const BOOT_LIMIT_MS = 60_000;

/**
 * Transforms that ran past the limit (`<module file>\0<id>` → that limit): they are not run again in this run. A
 * pool's threads tell each other (the news arrives between two batches of files).
 */
const timedOut = new Map<string, number>();
const timeoutNews = new BroadcastChannel('dockmod-custom-transform-timeouts');
timeoutNews.unref();
timeoutNews.onmessage = (event) => {
  const { key, limitMs } = (event as { data: { key: string; limitMs: number } }).data;
  timedOut.set(key, limitMs);
};

/** Whether a custom transform has been stopped for its time in this thread: later files then skip it. */
export const anyCustomTimedOut = (): boolean => timedOut.size > 0;

/** One module's worker thread, started again after a transform of it had to be stopped. */
class ModuleWorker {
  private worker: Worker | undefined;
  private port: MessagePort | undefined;
  private readonly signal = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
  /** Why the thread ended between two calls (an error thrown outside apply, an exit). */
  private ended: string | undefined;

  constructor(readonly file: string) {}

  /** Starts the thread and waits until it has loaded the module: the transforms it exports. */
  start(limitMs: number): TransformInfo[] {
    const { port1, port2 } = new MessageChannel();
    const workerData: WorkerInput = { file: this.file, port: port2, signal: this.signal };
    const worker = new Worker(new URL('./custom-worker.js', import.meta.url), { workerData, transferList: [port2] });
    // The thread never keeps the process alive: the run is over when the main thread is done.
    worker.unref();
    worker.on('error', (error) => this.worker === worker && (this.ended ??= error.message));
    worker.on('exit', (code) => this.worker === worker && (this.ended ??= `exited with code ${code}`));
    [this.worker, this.port, this.ended] = [worker, port1, undefined];
    const booted = this.receive(BOOT_LIMIT_MS);
    if (!booted || !('booted' in booted)) throw new Error(`cannot load transform module ${this.file}: its worker thread did not start`);
    const reply = this.receive(limitMs);
    if (!reply) throw new Error(`cannot load transform module ${this.file}: did not load within ${seconds(limitMs)}`);
    if ('loadError' in reply) throw new Error(reply.loadError);
    if (!('loaded' in reply)) throw new Error(`cannot load transform module ${this.file}: its worker answered out of turn`);
    return reply.loaded;
  }

  apply(transform: string, text: string, context: BuildContext | undefined, limitMs: number): TransformResult {
    const key = `${this.file}\0${transform}`;
    const limit = timedOut.get(key);
    if (limit !== undefined) return { changes: [], skips: [{ line: 0, reason: `not run: it did not finish within ${seconds(limit)} on an earlier file` }] };
    if (this.ended !== undefined) {
      const reason = this.ended;
      this.stop();
      throw new Error(`the worker thread of ${this.file} ended (${reason})`);
    }
    if (!this.worker) this.start(limitMs);
    const message: ToWorker = { apply: { transform, text, ignoreFile: context ? context.ignoreFile : null } };
    this.port!.postMessage(message);
    const reply = this.receive(limitMs, context);
    if (!reply) {
      timedOut.set(key, limitMs);
      timeoutNews.postMessage({ key, limitMs });
      throw new Error(`did not finish within ${seconds(limitMs)}; it is not run again in this run`);
    }
    if ('error' in reply) throw new Error(reply.error);
    if (!('result' in reply)) throw new Error('its worker answered out of turn');
    return reply.result as TransformResult;
  }

  /**
   * The worker's next message that is not a context call, serving those calls meanwhile; undefined when the
   * worker has taken more than `limitMs` of its own time (the time spent answering its calls is not counted), and
   * is then stopped.
   */
  private receive(limitMs: number, context?: BuildContext): ToMain | undefined {
    let spent = 0;
    let since = performance.now();
    for (;;) {
      // Read before the port: a message posted after this bumps the counter, so the wait below returns at once.
      const seen = Atomics.load(this.signal, TO_MAIN);
      const message = receiveMessageOnPort(this.port!)?.message as ToMain | undefined;
      if (message && 'call' in message) {
        spent += performance.now() - since;
        this.answer(message, context);
        since = performance.now();
        continue;
      }
      if (message) return message;
      const left = limitMs - spent - (performance.now() - since);
      if (left <= 0) {
        this.stop();
        return undefined;
      }
      Atomics.wait(this.signal, TO_MAIN, seen, left);
    }
  }

  private answer({ call, args }: Extract<ToMain, { call: unknown }>, context: BuildContext | undefined): void {
    let reply: ToWorker;
    try {
      if (!context || !CONTEXT_CALLS.includes(call)) throw new Error(`no such build context call: ${String(call)}`);
      // An optional member the context lacks (refusal, ignoreFileSharers) answers as its absence means.
      reply = { answer: (context[call] as ((...a: unknown[]) => unknown) | undefined)?.apply(context, args) };
    } catch (error) {
      reply = { answerError: (error as Error).message };
    }
    this.port!.postMessage(reply);
    Atomics.add(this.signal, TO_WORKER, 1);
    Atomics.notify(this.signal, TO_WORKER);
  }

  private stop(): void {
    void this.worker?.terminate();
    this.port?.close();
    [this.worker, this.port, this.ended] = [undefined, undefined, undefined];
  }
}

/** Each module once per process: its worker and the transforms it exports, or why it cannot be loaded. */
const loaded = new Map<string, { worker: ModuleWorker; infos: TransformInfo[] } | Error>();

function loadModule(file: string, limitMs: number): { worker: ModuleWorker; infos: TransformInfo[] } {
  let entry = loaded.get(file);
  if (!entry) {
    const worker = new ModuleWorker(file);
    try {
      entry = { worker, infos: worker.start(limitMs) };
    } catch (error) {
      entry = error as Error;
    }
    loaded.set(file, entry);
  }
  if (entry instanceof Error) throw entry;
  return entry;
}

/** The transforms of these modules, each a proxy for its module's worker; a call may take up to `limitMs`. */
export async function loadCustomTransforms(files: readonly string[], limitMs = DEFAULT_TRANSFORM_TIMEOUT_MS): Promise<Transform[]> {
  return files.flatMap((file) => {
    const { worker, infos } = loadModule(file, limitMs);
    return infos.map(({ id, summary, safety }): Transform => ({ id, summary, safety, apply: (doc, { context }) => worker.apply(id, doc.text, context, limitMs) }));
  });
}

/** The built-in transforms followed by the custom ones, in the order named. An id used twice is an error. */
export async function transformsWith(files: readonly string[], limitMs?: number): Promise<readonly Transform[]> {
  if (!files.length) return builtinTransforms;
  const all = [...builtinTransforms, ...(await loadCustomTransforms(files, limitMs))];
  const seen = new Set<string>();
  for (const t of all) {
    if (seen.has(t.id)) throw new Error(`two transforms have the id '${t.id}' (custom transforms: ${files.join(', ')})`);
    seen.add(t.id);
  }
  return all;
}
