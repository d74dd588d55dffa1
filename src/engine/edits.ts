import type { Edit } from './types.js';

/** Thrown when a transform returns edits that overlap: a bug in that transform, never merged silently. */
export class OverlappingEditsError extends Error {
  constructor(readonly transform: string, a: Edit, b: Edit) {
    super(`transform ${transform} returned overlapping edits [${a.start},${a.end}) and [${b.start},${b.end})`);
    this.name = 'OverlappingEditsError';
  }
}

/** Edits sorted by position; insertions at one offset keep the order they were given in. */
export function sortEdits(edits: readonly Edit[]): Edit[] {
  return edits
    .map((edit, order) => ({ edit, order }))
    .sort((a, b) => a.edit.start - b.edit.start || a.edit.end - b.edit.end || a.order - b.order)
    .map((x) => x.edit);
}

/** Some edit of `a` overlaps some edit of `b` (insertions at one offset, or at the end of a replacement, do not). */
export function editsOverlap(a: readonly Edit[], b: readonly Edit[]): boolean {
  return a.some((x) => b.some((y) => {
    const [first, second] = sortEdits([x, y]);
    return second!.start < first!.end;
  }));
}

/** Applies non-overlapping edits to `text`; `transform` names the culprit when they overlap. */
export function applyEdits(text: string, edits: readonly Edit[], transform: string): string {
  const sorted = sortEdits(edits);
  let out = '';
  let at = 0;
  let previous: Edit | undefined;
  for (const edit of sorted) {
    if (edit.start < 0 || edit.end > text.length || edit.start > edit.end) {
      throw new RangeError(`transform ${transform} returned an edit outside the text: [${edit.start},${edit.end})`);
    }
    if (previous && edit.start < previous.end) throw new OverlappingEditsError(transform, previous, edit);
    out += text.slice(at, edit.start) + edit.text;
    at = edit.end;
    previous = edit;
  }
  return out + text.slice(at);
}

/**
 * Maps an offset in the text after `edits` back to the text before them. An offset inside replaced text maps to
 * the start of what it replaced.
 */
export function mapBack(offset: number, edits: readonly Edit[]): number {
  let delta = 0;
  for (const edit of sortEdits(edits)) {
    const newStart = edit.start + delta;
    if (offset < newStart) break;
    const newEnd = newStart + edit.text.length;
    if (offset < newEnd) return edit.start;
    delta += edit.text.length - (edit.end - edit.start);
  }
  return offset - delta;
}
