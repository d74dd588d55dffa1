// The thread a custom transform module runs in (src/cli/custom-transforms.ts starts one per module), so that a
// transform that never returns can be stopped. It loads the module, then answers one `apply` at a time over the
// port it was given. Each message it posts is followed by a bump of `signal[TO_MAIN]`, on which the main thread
// waits (Atomics.wait) before it reads the message (receiveMessageOnPort); it waits on `signal[TO_WORKER]` in
// turn for the answers to the build-context calls that it makes of the main thread.
import { pathToFileURL } from 'node:url';
import { receiveMessageOnPort, workerData } from 'node:worker_threads';
import { Document } from '../engine/document.js';
import { isThenable, PROMISE_RESULT } from '../engine/transform-result.js';
import type { BuildContext, IgnoreFileLocation, Transform } from '../engine/types.js';
import { TO_MAIN, TO_WORKER, type ContextCall, type ToMain, type ToWorker, type WorkerInput } from './custom-protocol.js';

const TYPESCRIPT = /\.[cm]?tsx?$/;

const isTransform = (v: unknown): v is Transform => {
  const t = v as Partial<Transform> | null;
  return typeof t === 'object' && t !== null && typeof t.id === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(t.id)
    && typeof t.summary === 'string' && (t.safety === 'safe' || t.safety === 'unsafe') && typeof t.apply === 'function';
};

async function importModule(file: string): Promise<Record<string, unknown>> {
  if (!TYPESCRIPT.test(file)) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const { createJiti } = await import('jiti');
  return (await createJiti(import.meta.url, { moduleCache: true }).import(file)) as Record<string, unknown>;
}

/** The module's transforms, or an Error whose message is the whole error line. */
async function loadModule(file: string): Promise<Transform[]> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (error) {
    throw new Error(`cannot load transform module ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const list = [mod.default ?? mod.transforms].flat();
  if (!list.length || !list.every(isTransform)) {
    throw new Error(`${file} does not export a transform: expected a default export (or \`transforms\`) that is { id, summary, safety: 'safe' | 'unsafe', apply } or a list of them, with a lower-case kebab-case id`);
  }
  return list;
}

const { file, port, signal } = workerData as WorkerInput;

function post(message: ToMain): void {
  try {
    port.postMessage(message);
  } catch (error) {
    port.postMessage({ error: `returned a value that cannot be copied out of its worker: ${(error as Error).message}` } satisfies ToMain);
  }
  Atomics.add(signal, TO_MAIN, 1);
  Atomics.notify(signal, TO_MAIN);
}

/** Asks the main thread, and blocks until it answers. */
function callMain(call: ContextCall, args: unknown[]): unknown {
  post({ call, args });
  for (;;) {
    const seen = Atomics.load(signal, TO_WORKER);
    const reply = receiveMessageOnPort(port)?.message as ToWorker | undefined;
    if (reply && 'answerError' in reply) throw new Error(reply.answerError);
    if (reply && 'answer' in reply) return reply.answer;
    Atomics.wait(signal, TO_WORKER, seen);
  }
}

/** The engine's context as of this call: it does not change during one apply, so each answer is asked for once. */
function remoteContext(ignoreFile: IgnoreFileLocation): BuildContext {
  const answers = new Map<string, unknown>();
  const ask = (call: ContextCall, ...args: unknown[]) => {
    const key = JSON.stringify([call, args]);
    if (!answers.has(key)) answers.set(key, callMain(call, args));
    return answers.get(key);
  };
  return {
    ignoreFile,
    readFile: (p) => ask('readFile', p) as string | undefined,
    readBytes: (p, limit) => ask('readBytes', p, limit) as Uint8Array | undefined,
    exists: (p) => ask('exists', p) as boolean,
    listFiles: () => [...(ask('listFiles') as string[])],
    refusal: (p) => ask('refusal', p) as string | undefined,
    ignoreFileSharers: () => (ask('ignoreFileSharers') as { name: string; text: string | undefined }[] | undefined) ?? [],
  };
}

// dockmod's own modules are loaded (the imports above): from here on, the time limit applies.
post({ booted: true });
let transforms: Map<string, Transform>;
try {
  transforms = new Map((await loadModule(file)).map((t) => [t.id, t]));
  post({ loaded: [...transforms.values()].map(({ id, summary, safety }) => ({ id, summary, safety })) });
} catch (error) {
  post({ loadError: (error as Error).message });
  process.exit();
}

// The transforms of a module see the same document one after the other: it is parsed once for them.
let last: Document | undefined;
port.on('message', (message: ToWorker) => {
  if (!('apply' in message)) return;
  const { transform, text, ignoreFile } = message.apply;
  if (last?.text !== text) {
    last?.freeScripts();
    last = new Document(text);
  }
  let result: unknown;
  try {
    result = transforms.get(transform)!.apply(last, { context: ignoreFile === null ? undefined : remoteContext(ignoreFile) });
  } catch (error) {
    post({ error: error instanceof Error ? error.message : String(error) });
    return;
  }
  if (isThenable(result)) {
    // Settled here, so that a rejection does not end the thread.
    Promise.resolve(result).catch(() => {});
    post({ error: PROMISE_RESULT });
    return;
  }
  post({ result });
});
