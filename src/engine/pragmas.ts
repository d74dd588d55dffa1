// Inline control, as hadolint's `# hadolint ignore=DL3008`: `# dockmod ignore=<id>[,<id>]` in the comment lines
// right above an instruction keeps those transforms off it; `# dockmod ignore-file` (optionally `=<id>,...`) among
// the comments before the first instruction keeps them (all, or those named) off the whole file. Ignored changes
// become skips that name the pragma, so `--verbose` shows why nothing happened.
import type { Document } from './document.js';
import type { Change, TransformResult } from './types.js';

const LINE_PRAGMA = /^\s*#\s*dockmod\s+ignore=([\w-]+(?:\s*,\s*[\w-]+)*)\s*$/;
const FILE_PRAGMA = /^\s*#\s*dockmod\s+ignore-file(?:=([\w-]+(?:\s*,\s*[\w-]+)*))?\s*$/;

const ids = (list: string): string[] => list.split(',').map((s) => s.trim());

export interface Pragmas {
  /** Ids the file ignores everywhere; '*' for all. */
  file: Set<string>;
  /** 0-based line -> ids ignored on the instruction that covers the line. */
  lines: Map<number, Set<string>>;
}

const parsed = new WeakMap<Document, Pragmas>();

/** The pragmas of a document, read once per document. */
export function readPragmas(doc: Document): Pragmas {
  let pragmas = parsed.get(doc);
  if (!pragmas) parsed.set(doc, (pragmas = parsePragmas(doc)));
  return pragmas;
}

function parsePragmas(doc: Document): Pragmas {
  const lineText = (n: number) => doc.text.slice(doc.lineStarts[n], doc.lineStarts[n + 1] ?? doc.text.length).replace(/\r?\n$/, '');
  const file = new Set<string>();
  const instructions = doc.instructions();
  const firstLine = instructions[0]?.getRange().start.line ?? doc.lineStarts.length;
  for (let n = 0; n < firstLine; n++) {
    const m = FILE_PRAGMA.exec(lineText(n));
    if (m) for (const id of m[1] ? ids(m[1]) : ['*']) file.add(id);
  }
  const lines = new Map<number, Set<string>>();
  for (const ins of instructions) {
    const { start, end } = ins.getRange();
    const ignored = new Set<string>();
    for (let n = start.line - 1; n >= 0 && /^\s*#/.test(lineText(n)); n--) {
      const m = LINE_PRAGMA.exec(lineText(n));
      if (m) for (const id of ids(m[1]!)) ignored.add(id);
    }
    if (!ignored.size) continue;
    for (let n = start.line; n <= end.line; n++) lines.set(n, ignored);
  }
  return { file, lines };
}

/** The lines a change concerns: its own line and every line its edits touch. */
function touchedLines(doc: Document, change: Change): number[] {
  const out = [change.line];
  for (const edit of change.edits) {
    const last = doc.lineAt(Math.max(edit.start, edit.end - 1));
    for (let n = doc.lineAt(edit.start); n <= last; n++) out.push(n);
  }
  return out;
}

/** The result with the changes that a pragma turns off moved to the skips. */
export function applyPragmas(doc: Document, transform: string, result: TransformResult, pragmas: Pragmas = readPragmas(doc)): TransformResult {
  if (!pragmas.file.size && !pragmas.lines.size) return result;
  if (pragmas.file.has('*') || pragmas.file.has(transform)) {
    const reason = '`# dockmod ignore-file` turns it off for this file';
    return { changes: [], skips: [...result.skips, ...result.changes.map((c) => ({ line: c.line, reason }))] };
  }
  const changes: Change[] = [];
  const skips = [...result.skips];
  for (const change of result.changes) {
    const ignored = touchedLines(doc, change).some((n) => pragmas.lines.get(n)?.has(transform));
    if (!ignored) changes.push(change);
    else skips.push({ line: change.line, reason: `\`# dockmod ignore=${transform}\` above the instruction turns it off there` });
  }
  return { changes, skips };
}
