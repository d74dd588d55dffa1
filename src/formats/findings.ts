// What the review formats share: per-file results as paths relative to the working folder, and the changes of a
// file grouped into findings, each one range of original lines with the lines that replace it. A code-review
// suggestion replaces whole lines, so changes whose edits touch the same lines share one finding (and one
// suggestion); pure insertions are widened by one neighbouring line, since a suggestion cannot be empty of lines.
import path from 'node:path';
import { diffArrays } from 'diff/lib/diff/array.js';
import type { AppliedChange } from '../engine/types.js';
import type { FileReport } from '../engine/report.js';
import { docsUrl, dockmodDocsBase } from './docs-links.js';

export interface FormatInput {
  files: FileReport[];
  /** Files that could not be processed. */
  errors: { file: string; message: string }[];
  /** Files of the tree left alone for what they are (a link out of it, a folder where a file is expected). */
  warnings?: { file: string; message: string }[];
  /** Paths in the output are relative to this folder. */
  cwd: string;
  /** dockmod's version, for formats that name the tool. */
  version: string;
  /** The absolute URL that docs pages (repository paths) resolve against; default: dockmod's own (src/formats/docs-links.ts). */
  docsBase?: string;
  /** The changes were written (--write): a report says what was changed, not what would be. */
  written?: boolean;
}

export type Formatter = (input: FormatInput) => string;

export const relativePath = (file: string, cwd: string): string =>
  (path.relative(cwd, path.resolve(cwd, file)) || file).split(path.sep).join('/');

/** Lines with their line endings. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

export const withoutEol = (line: string): string => line.replace(/\r?\n$/, '');

export interface Finding {
  /** The changes whose edits touch these lines (none for a difference no change claims). */
  changes: AppliedChange[];
  /** 1-based, inclusive range of original lines that `replacement` replaces. */
  start: number;
  end: number;
  /** The new lines, with their line endings; empty when the lines are deleted. */
  replacement: string[];
  /** The same range as JS string offsets into the original text: [startOffset, endOffset). */
  startOffset: number;
  endOffset: number;
}

interface Hunk {
  /** 0-based index of the first old line and number of old lines; the same for the new text. */
  oldStart: number;
  oldCount: number;
  newStart: number;
  newCount: number;
  /** 1-based original lines a change's edit may name for this hunk (an insertion: the lines around it). */
  touchStart: number;
  touchEnd: number;
}

function lineHunks(oldLines: string[], newLines: string[]): Hunk[] {
  const hunks: Hunk[] = [];
  let oldIndex = 0;
  let newIndex = 0;
  let open: Hunk | null = null;
  for (const part of diffArrays(oldLines, newLines)) {
    const count = part.count ?? part.value.length;
    if (!part.added && !part.removed) {
      open = null;
      oldIndex += count;
      newIndex += count;
      continue;
    }
    if (!open) {
      open = { oldStart: oldIndex, oldCount: 0, newStart: newIndex, newCount: 0, touchStart: 0, touchEnd: 0 };
      hunks.push(open);
    }
    if (part.removed) {
      open.oldCount += count;
      oldIndex += count;
    } else {
      open.newCount += count;
      newIndex += count;
    }
  }
  for (const h of hunks) {
    if (h.oldCount > 0) {
      h.touchStart = h.oldStart + 1;
      h.touchEnd = h.oldStart + h.oldCount;
      continue;
    }
    h.touchStart = h.oldStart;
    h.touchEnd = h.oldStart + 1;
    // An insertion takes in the line before it (or, at the very top, the line after it).
    if (h.oldStart > 0) {
      h.oldStart--;
      h.newStart--;
    }
    h.oldCount = 1;
    h.newCount++;
  }
  return hunks;
}

const overlaps = (a: { start: number; end: number }, start: number, end: number) => a.start <= end && start <= a.end;

/** The file's changes grouped into findings, in line order; changes that edit no line of the Dockerfile are left out. */
export function findings(file: Pick<FileReport, 'before' | 'after' | 'changes'>): Finding[] {
  const oldLines = splitLines(file.before);
  const newLines = splitLines(file.after);
  const hunks = lineHunks(oldLines, newLines);
  // Union-find over hunks: two hunks one change touches belong together.
  const parent = hunks.map((_, i) => i);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  const claimed = new Map<number, AppliedChange[]>();
  const claim = (i: number, change: AppliedChange) => claimed.set(i, [...(claimed.get(i) ?? []), change]);
  const unclaimed: AppliedChange[] = [];
  for (const change of file.changes) {
    const touched = hunks.flatMap((h, i) => (change.edited.some((span) => overlaps(span, h.touchStart, h.touchEnd)) ? [i] : []));
    for (const i of touched.slice(1)) parent[root(i)] = root(touched[0]!);
    if (touched.length) claim(touched[0]!, change);
    else if (change.edited.length) unclaimed.push(change);
  }
  // Edits of a later pass map back to the original text only approximately (the lines they touched may have been
  // inserted by an earlier pass): a change that touches no difference takes the nearest one, and a difference
  // no change touches joins the nearest claimed one.
  const distance = (h: Hunk, spans: { start: number; end: number }[]) =>
    Math.min(...spans.map((s) => Math.max(0, s.start - h.touchEnd, h.touchStart - s.end)));
  const nearest = (spans: { start: number; end: number }[], among: number[]) =>
    among.reduce((best, i) => (distance(hunks[i]!, spans) < distance(hunks[best]!, spans) ? i : best), among[0]!);
  const all = hunks.map((_, i) => i);
  for (const change of unclaimed) if (hunks.length) claim(nearest(change.edited, all), change);
  const claimedRoots = () => new Set([...claimed.keys()].map(root));
  for (const i of all) {
    const roots = claimedRoots();
    if (roots.has(root(i)) || !roots.size) continue;
    const h = hunks[i]!;
    parent[root(i)] = root(nearest([{ start: h.touchStart, end: h.touchEnd }], all.filter((j) => roots.has(root(j)))));
  }
  const groups = new Map<number, { hunks: Hunk[]; changes: AppliedChange[] }>();
  hunks.forEach((h, i) => {
    const group = groups.get(root(i)) ?? { hunks: [], changes: [] };
    group.hunks.push(h);
    groups.set(root(i), group);
  });
  for (const [i, changes] of claimed) groups.get(root(i))!.changes.push(...changes);
  // Groups whose widened ranges overlap become one finding.
  const ranges = [...groups.values()]
    .map((g) => ({
      changes: g.changes,
      oldStart: Math.min(...g.hunks.map((h) => h.oldStart)),
      oldEnd: Math.max(...g.hunks.map((h) => h.oldStart + h.oldCount)),
      newStart: Math.min(...g.hunks.map((h) => h.newStart)),
      newEnd: Math.max(...g.hunks.map((h) => h.newStart + h.newCount)),
    }))
    .sort((a, b) => a.oldStart - b.oldStart);
  const merged: typeof ranges = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r.oldStart < last.oldEnd) {
      last.oldEnd = Math.max(last.oldEnd, r.oldEnd);
      last.newEnd = Math.max(last.newEnd, r.newEnd);
      last.changes.push(...r.changes);
    } else merged.push({ ...r, changes: [...r.changes] });
  }
  const offsetOf = (line: number) => oldLines.slice(0, line).reduce((n, l) => n + l.length, 0);
  return merged.map((r) => ({
    changes: r.changes.sort((a, b) => a.line - b.line),
    start: r.oldStart + 1,
    end: r.oldEnd,
    replacement: newLines.slice(r.newStart, r.newEnd),
    startOffset: offsetOf(r.oldStart),
    endOffset: offsetOf(r.oldEnd),
  }));
}

/** Where each change is reported: its finding's lines, or its own line when it edits no line of the Dockerfile. */
export function locate(file: Pick<FileReport, 'before' | 'after' | 'changes'>): { change: AppliedChange; finding: Finding | undefined; first: boolean }[] {
  const all = findings(file);
  const out = file.changes.map((change) => {
    const finding = all.find((f) => f.changes.includes(change));
    return { change, finding, first: finding?.changes[0] === change };
  });
  return out.sort((a, b) => (a.finding?.start ?? a.change.line) - (b.finding?.start ?? b.change.line) || a.change.line - b.change.line);
}

export interface DocsPage {
  /** The page as a path in dockmod's repository. */
  path: string;
  /** Its absolute URL (src/formats/docs-links.ts). */
  url: string;
}

/** A transform's docs page, as the results name it: its repository path and its URL for reports; undefined when none. */
export function transformDocs(id: string, input: Pick<FormatInput, 'docsBase' | 'files'>): DocsPage | undefined {
  const docs = input.files.find((f) => Object.hasOwn(f.docs, id))?.docs[id];
  const base = input.docsBase ?? dockmodDocsBase();
  return docs === undefined || base === undefined ? undefined : { path: docs, url: docsUrl(docs, base) };
}

/** What every transform's docs page tells. */
const DOCS_SAY = 'what it changes, why, and when it refuses';

/** A docs page with what it tells, as text and as Markdown (a link), for the formats that describe a check apart from its findings. */
export const docsHelp = (docs: DocsPage): { text: string; markdown: string } => ({
  text: `${docs.path}: ${DOCS_SAY}`,
  markdown: `[${docs.path}](${docs.url}): ${DOCS_SAY}`,
});

/** A finding's one-line text with its transform's docs link at the end, for formats whose findings are plain text only. */
export const withDocsLink = (text: string, docs: DocsPage | undefined): string => (docs ? `${text} (docs: ${docs.url})` : text);

/** "creates a/.dockerignore, modifies b/.dockerignore": the other files of the build context a file's rewrite writes. */
export function otherFilesNote(f: FileReport, cwd: string): string | undefined {
  const written = f.extra.filter((e) => e.before !== e.after);
  if (!written.length) return undefined;
  return written.map((e) => `${e.before === undefined ? 'creates' : 'modifies'} ${relativePath(e.file, cwd)}`).join(', ');
}
