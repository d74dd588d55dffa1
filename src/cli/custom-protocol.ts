// The messages between the main thread and a custom transform module's worker thread (src/cli/custom-transforms.ts,
// src/cli/custom-worker.ts), and the two counters of their shared signal.
import type { MessagePort } from 'node:worker_threads';
import type { IgnoreFileLocation, Transform } from '../engine/types.js';

/** Bumped by the worker after each message it posts; the main thread waits on it. */
export const TO_MAIN = 0;
/** Bumped by the main thread after each answer to a context call; the worker waits on it. */
export const TO_WORKER = 1;

export interface WorkerInput {
  file: string;
  port: MessagePort;
  signal: Int32Array;
}

export type TransformInfo = Pick<Transform, 'id' | 'summary' | 'safety'>;

/** The BuildContext methods a transform may call; the main thread answers them from the engine's context. */
export const CONTEXT_CALLS = ['readFile', 'readBytes', 'exists', 'listFiles', 'refusal', 'ignoreFileSharers'] as const;
export type ContextCall = (typeof CONTEXT_CALLS)[number];

export type ToWorker =
  | { apply: { transform: string; text: string; ignoreFile: IgnoreFileLocation | null } }
  | { answer: unknown }
  | { answerError: string };
export type ToMain = { booted: true } | { loaded: TransformInfo[] } | { loadError: string } | { call: ContextCall; args: unknown[] } | { result: unknown } | { error: string };
