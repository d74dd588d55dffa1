// The engine: runs transforms over a Dockerfile's text until nothing changes. Pure: no file system access.
import { Document } from './document.js';
import { applyEdits, editsOverlap, mapBack } from './edits.js';
import { applyPragmas } from './pragmas.js';
import { normalizeContextPath, withWrites } from './context-overlay.js';
import { checkTransformResult } from './transform-result.js';
import { InputRefusal } from './types.js';
import type {
  AppliedChange,
  Change,
  Edit,
  FileWrite,
  OptimizeOptions,
  OptimizeResult,
  ReportedSkip,
  Transform,
} from './types.js';

export const MAX_PASSES = 10;
export const BOM = '\uFEFF';

/** A transform threw, or its output could not be applied. */
export class TransformError extends Error {
  constructor(readonly transform: string, cause: unknown) {
    super(`transform ${transform} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TransformError';
  }
}

/** The transforms that `only` and `skip` select, in registry order. Unknown ids are an error. */
export function selectTransforms(all: readonly Transform[], only?: string[], skip?: string[]): Transform[] {
  const known = new Set(all.map((t) => t.id));
  for (const id of [...(only ?? []), ...(skip ?? [])]) {
    if (!known.has(id)) throw new Error(`unknown transform '${id}' (known: ${[...known].join(', ')})`);
  }
  return all.filter((t) => (!only || only.includes(t.id)) && !skip?.includes(t.id));
}

/** The engine's options: the transforms to choose from are the caller's (the library's optimize() defaults them). */
export type EngineOptions = OptimizeOptions & { transforms: readonly Transform[] };

/** Runs the transforms over a Dockerfile's text (a BOM is kept). */
export function optimizeText(input: string, options: EngineOptions): OptimizeResult {
  const bom = input.startsWith(BOM) ? BOM : '';
  return optimizeDocument(new Document(input.slice(bom.length)), options, bom);
}

/** How Docker and dockmod's parser read `doc` differently, or null. */
const misreading = (doc: Document): string | null => doc.escapedSpaceBeforeContinuation() ?? doc.instructionEndsMisread();

/** optimizeText() over a Dockerfile already parsed (its text without the BOM); `bom` is put back on the result. */
export function optimizeDocument(originalDoc: Document, options: EngineOptions, bom = ''): OptimizeResult {
  const transforms = selectTransforms(options.transforms, options.only, options.skip);
  // The build context as the changes so far have left it: written files shadow the real ones.
  const writes = new Map<string, string>();
  const context = options.context ? withWrites(options.context, writes) : undefined;
  // Edit lists in the order they were applied, to map positions back to the original text.
  const history: Edit[][] = [];
  /** Through the first `applied` edit lists (default: all so far), the offset in the text they were applied to. */
  const toOriginalOffset = (offset: number, applied = history.length): number => {
    for (let i = applied - 1; i >= 0; i--) offset = mapBack(offset, history[i]!);
    return offset;
  };
  const toOriginalLine = (doc: Document, line: number, applied?: number): number =>
    originalDoc.lineAt(toOriginalOffset(doc.lineStarts[Math.min(line, doc.lineStarts.length - 1)]!, applied)) + 1;
  /**
   * 1-based original lines an edit replaces (an insertion: the line it is inserted at), with the line after them
   * when the edit removes the line break before it, as that line is then joined to the edited one.
   */
  const editedLines = (doc: Document, edit: Edit): { start: number; end: number } => {
    const start = originalDoc.lineAt(toOriginalOffset(edit.start)) + 1;
    const endOffset = toOriginalOffset(edit.end);
    const atLineStart = edit.start === 0 || doc.text[edit.start - 1] === '\n';
    const joinsNext = edit.end > edit.start && doc.text[edit.end - 1] === '\n' && !edit.text.endsWith('\n') && !(atLineStart && edit.text === '');
    const end = edit.end > edit.start ? originalDoc.lineAt(Math.max(joinsNext ? endOffset : endOffset - 1, 0)) + 1 : start;
    return { start, end: Math.max(start, end) };
  };

  const changes: AppliedChange[] = [];
  let doc = originalDoc;
  // Only where the input itself is read alike (the CLI refuses one that is not) can a change be told to break it.
  const readAlike = misreading(originalDoc) === null;
  // Bumped whenever the document or the context's files change. A transform is pure, so one that last ran on the
  // current version would find what it found then: it is not run again, and its skips and held-back changes stand.
  let version = 0;
  const lastRun = new Map<Transform, { version: number; skips: ReportedSkip[]; heldBack: AppliedChange[] }>();
  try {
    for (let pass = 1; ; pass++) {
      const changedBy: string[] = [];
      for (const transform of transforms) {
        if (lastRun.get(transform)?.version === version) continue;
        const skips: ReportedSkip[] = [];
        const heldBack: AppliedChange[] = [];
        lastRun.set(transform, { version, skips, heldBack });
        // It would find nothing here: no call, and no RUN parsed for it.
        if (transform.mayFind && !transform.mayFind(doc)) continue;
        let result;
        try {
          result = applyPragmas(doc, transform.id, checkTransformResult(transform.apply(doc, { context }), doc.text.length, doc.lineStarts.length));
        } catch (error) {
          if (!(error instanceof InputRefusal)) throw new TransformError(transform.id, error);
          // Reported on the first instruction of the kind the transform reads (the file's first, when it does not say).
          const first = doc.instructions().find((i) => transform.trigger?.instructions.includes(i.getKeyword()) ?? true);
          result = { changes: [], skips: [{ line: first?.getRange().start.line ?? 0, reason: error.message }] };
        }
        for (const skip of result.skips) skips.push({ transform: transform.id, line: toOriginalLine(doc, skip.line), reason: skip.reason });
        const applied: { change: Change; report: AppliedChange }[] = [];
        for (const change of result.changes) {
          const refusedWrite = change.files?.map((f) => ({ path: f.path, why: context?.refusal?.(f.path) })).find((f) => f.why);
          if (refusedWrite) {
            skips.push({ transform: transform.id, line: toOriginalLine(doc, change.line), reason: `the change writes ${refusedWrite.path}, which is ${refusedWrite.why}; not written` });
            continue;
          }
          const safety = change.safety ?? transform.safety;
          const report = { transform: transform.id, message: change.message, line: toOriginalLine(doc, change.line), safety, edited: change.edits.map((edit) => editedLines(doc, edit)), ...(change.removes && { removes: change.removes }) };
          if (safety === 'unsafe' && !options.unsafe) heldBack.push(report);
          // A change that overlaps one applied before it waits for the next pass, which reads the text anew (as ESLint's fixer does).
          else if (!applied.some((a) => editsOverlap(a.change.edits, change.edits))) applied.push({ change, report });
        }
        if (!applied.length) continue;
        const edits = applied.flatMap((a) => a.change.edits);
        let text: string;
        try {
          text = applyEdits(doc.text, edits, transform.id);
        } catch (error) {
          throw new TransformError(transform.id, error);
        }
        // A rewrite must not leave text that Docker and dockmod's parser read differently (an input with such text
        // is refused): the transform's changes are not made, and it says why. The new text is parsed once, here.
        const applying = history.length + 1;
        const next: Document | undefined = text === doc.text ? undefined : doc.successor(text, (line) => toOriginalLine(next!, line, applying));
        const misread = next && readAlike ? misreading(next) : null;
        if (misread) {
          for (const { report } of applied) skips.push({ transform: transform.id, line: report.line, reason: `${report.message}: not made, as it would leave text that Docker and dockmod's parser read differently (${misread})` });
          continue;
        }
        let wroteFiles = false;
        for (const file of applied.flatMap((a) => a.change.files ?? [])) {
          if (!context) throw new TransformError(transform.id, new Error(`wrote ${file.path} without a build context`));
          if (context.readFile(file.path) !== file.text) wroteFiles = true;
          writes.set(normalizeContextPath(file.path), file.text);
        }
        if (text === doc.text && !wroteFiles) continue;
        changes.push(...applied.map((a) => a.report));
        changedBy.push(transform.id);
        version++;
        if (next) {
          history.push(edits);
          doc = next;
        }
      }
      if (!changedBy.length) {
        const files: FileWrite[] = context ? [...writes].map(([path, text]) => ({ path, text })) : [];
        const latest = transforms.map((t) => lastRun.get(t)!);
        return { text: bom + doc.text, files, changes, skips: latest.flatMap((r) => r.skips), heldBack: latest.flatMap((r) => r.heldBack) };
      }
      if (pass === MAX_PASSES) {
        throw new Error(`transforms did not settle after ${MAX_PASSES} passes (still changing: ${changedBy.join(', ')})`);
      }
    }
  } finally {
    // The shell parse trees of every version of the document (Document.successor) go now.
    doc.freeScripts();
  }
}
