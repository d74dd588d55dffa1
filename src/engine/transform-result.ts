// What a transform's apply returned, checked before the engine uses it: a transform is code from anywhere (a
// custom module from the tree), and a malformed result must be an error that says what is wrong, never an edit
// at a wrong place or a file written outside the build context. Pure.
import path from 'node:path';
import { normalizeContextPath } from './context-overlay.js';
import type { Removal, TransformResult } from './types.js';
import { isRecord } from './is-record.js';

export const PROMISE_RESULT = 'returned a Promise: apply must be synchronous';

export const isThenable = (v: unknown): boolean => (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

/** `a number`, `null`, `an array`: what a value is, for an error message. */
function kind(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array';
  const type = typeof v;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function string(v: unknown, where: string): void {
  if (typeof v !== 'string') throw new Error(`${where} is ${kind(v)}, not a string`);
}

function list(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new Error(`${where} is ${kind(v)}, not an array`);
  return v;
}

function record(v: unknown, where: string): Record<string, unknown> {
  if (!isRecord(v)) throw new Error(`${where} is ${kind(v)}, not an object`);
  return v;
}

/** A value as a message shows it: `1.5`, `"maybe"`, `undefined`. */
const REMOVAL_KINDS: readonly string[] = ['words', 'comment', 'instruction'] satisfies Removal['kind'][];

const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'number' || v === undefined || v === null ? String(v) : kind(v));

/** Why `file` may not be written as a file of the build context, or undefined when it may. */
export function contextPathProblem(file: string): string | undefined {
  if (file === '') return 'is empty';
  if (/[\u0000-\u001f\u007f]/.test(file)) return 'holds a control character';
  if (file.startsWith('/') || path.win32.isAbsolute(file)) return 'is absolute';
  if (normalizeContextPath(file) !== file || file === '.') return 'is not a normalised context path';
  if (file === '..' || file.startsWith('../')) return 'goes outside the build context';
  return undefined;
}

/**
 * `result` as a TransformResult for a document of `textLength` characters and `lines` lines, or an Error that says
 * what is wrong (`changes[0].edits[1].text is a number, not a string`), which the engine wraps in a TransformError.
 */
export function checkTransformResult(result: unknown, textLength: number, lines: number): TransformResult {
  if (isThenable(result)) throw new Error(PROMISE_RESULT);
  if (!isRecord(result)) throw new Error(`returned ${kind(result)}, not { changes, skips }`);
  const line = (v: unknown, where: string) => {
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= lines) {
      throw new Error(`${where} is ${shown(v)}, not a line of the document (0 to ${lines - 1})`);
    }
  };
  list(result.changes, 'changes').forEach((c, i) => {
    const where = `changes[${i}]`;
    const change = record(c, where);
    string(change.message, `${where}.message`);
    line(change.line, `${where}.line`);
    list(change.edits, `${where}.edits`).forEach((e, j) => {
      const edit = record(e, `${where}.edits[${j}]`);
      const { start, end } = edit;
      const inText = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= textLength;
      if (!inText(start) || !inText(end) || (start as number) > (end as number)) {
        throw new Error(`${where}.edits[${j}] is the range [${shown(start)}, ${shown(end)}), not one within the text (0 to ${textLength}, start <= end)`);
      }
      string(edit.text, `${where}.edits[${j}].text`);
    });
    if (change.removes !== undefined) {
      list(change.removes, `${where}.removes`).forEach((r, j) => {
        const removal = record(r, `${where}.removes[${j}]`);
        if (!REMOVAL_KINDS.includes(removal.kind as string)) throw new Error(`${where}.removes[${j}].kind is ${shown(removal.kind)}, not one of ${REMOVAL_KINDS.join(', ')}`);
        string(removal.text, `${where}.removes[${j}].text`);
        if (removal.moved !== undefined && typeof removal.moved !== 'boolean') throw new Error(`${where}.removes[${j}].moved is ${shown(removal.moved)}, not a boolean`);
      });
    }
    if (change.files !== undefined) {
      list(change.files, `${where}.files`).forEach((f, j) => {
        const file = record(f, `${where}.files[${j}]`);
        string(file.path, `${where}.files[${j}].path`);
        const problem = contextPathProblem(file.path as string);
        if (problem) throw new Error(`${where}.files[${j}].path ${JSON.stringify(file.path)} ${problem}`);
        string(file.text, `${where}.files[${j}].text`);
      });
    }
    if (change.safety !== undefined && change.safety !== 'safe' && change.safety !== 'unsafe') {
      throw new Error(`${where}.safety is ${shown(change.safety)}, not 'safe' or 'unsafe'`);
    }
  });
  list(result.skips, 'skips').forEach((s, i) => {
    const skip = record(s, `skips[${i}]`);
    line(skip.line, `skips[${i}].line`);
    string(skip.reason, `skips[${i}].reason`);
  });
  return result as unknown as TransformResult;
}
