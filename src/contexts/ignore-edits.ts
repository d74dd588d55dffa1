// Adding entries to the ignore file of a build. Whether a folder is already left out is asked of Docker's matcher
// with the folder's real context paths, never by comparing patterns (`*/obj` leaves out `Web/obj`, not
// `src/Web/obj`). The file is edited only when the edit can change no other build: it must be in the context (the
// writes stay there), valid UTF-8 (a rewrite would mangle the rest), and no other copy from the context (in the
// Dockerfile being rewritten, or in another that applies the same file) may bring what the new entries leave out,
// unless its own install writes that anew right after.
import { isUtf8 } from 'node:buffer';
import { Document, expand, type Instruction } from '../engine/document.js';
import { contextIgnoreMatcher, dockerignoreMatcher, ignoreFileName } from './dockerignore.js';
import { contextPath, isRemoteSource } from './context-files.js';
import type { ShadowedFolder } from '../tools/ecosystems/installer.js';
import { isWithin } from '../tools/effects.js';
import type { BuildContext, FileWrite } from '../engine/types.js';

export type IgnoreFileEdit =
  | { write: FileWrite }
  /** The folders that needed leaving out, and why the ignore file cannot be edited to do it. */
  | { refuse: string; folders: string[] };

/**
 * The context paths that a Dockerfile's own install after `copy` writes anew before anything reads them there
 * (its node_modules after `COPY . .` and `npm ci`): that COPY does not need them from the context.
 */
export type WrittenAnewAfter = (doc: Document, copy: Instruction) => readonly string[];

/** The Dockerfile being rewritten, and its copy that the edit is for (which needs what the entries leave out no more). */
export interface IgnoreEditFor {
  doc: Document;
  copy: Instruction;
}

/** The ignore file with entries for the folders it does not leave out yet; null when it leaves them all out. */
export function ignoreFileLeavingOut(context: BuildContext, folders: readonly ShadowedFolder[], writtenAnew: WrittenAnewAfter = () => [], own?: IgnoreEditFor): IgnoreFileEdit | null {
  const ignored = contextIgnoreMatcher(context);
  const missing = folders.filter((f) => f.paths.some((p) => !ignored.ignores(p)));
  if (!missing.length) return null;
  const leftOut = [...new Set(missing.flatMap((f) => f.paths.filter((p) => !ignored.ignores(p))))];
  const location = context.ignoreFile;
  const name = ignoreFileName(context);
  if (!('path' in location)) return { refuse: `the ignore file ${name} is outside the build context`, folders: leftOut };
  const text = context.readFile(location.path) ?? '';
  // readFile decodes lossily: bytes that are not UTF-8 would come back changed in the rewrite.
  const bytes = context.readBytes(location.path, Buffer.byteLength(text) + 1);
  if (bytes && !isUtf8(bytes)) return { refuse: `${name} is not valid UTF-8`, folders: leftOut };
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  const sep = text === '' || text.endsWith('\n') ? '' : eol;
  const newText = `${text}${sep}${[...new Set(missing.map((f) => f.entry))].map((e) => `${e}${eol}`).join('')}`;
  const after = dockerignoreMatcher(newText);
  // The folders named, and every listed file the new entries leave out (node_modules is never listed).
  const newlyLeftOut = [...new Set([...leftOut, ...context.listFiles().filter((f) => after.ignores(f) && !ignored.ignores(f))])];
  const ownNeed = own && copyNeeding(own.doc, newlyLeftOut, writtenAnew, own.copy);
  if (ownNeed) return { refuse: `${name} also applies to ${ownNeed.copy}, which ${ownNeed.need}`, folders: leftOut };
  const conflict = sharerNeeding(context, newlyLeftOut, writtenAnew);
  if (conflict) return { refuse: `${name} is also the ignore file of ${conflict}`, folders: leftOut };
  return { write: { path: location.path, text: newText } };
}

/**
 * "Dockerfile.runtime, whose `COPY . .` (line 4) needs node_modules": the first other Dockerfile applying the same
 * ignore file that copies a path the new text leaves out and the old one did not; null when none does.
 */
function sharerNeeding(context: BuildContext, newlyLeftOut: readonly string[], writtenAnew: WrittenAnewAfter): string | null {
  for (const sharer of context.ignoreFileSharers?.() ?? []) {
    if (sharer.text === undefined) return `${sharer.name}, which cannot be read`;
    const need = copyNeeding(new Document(sharer.text), newlyLeftOut, writtenAnew);
    if (need) return `${sharer.name}, whose ${need.copy} ${need.need}`;
  }
  return null;
}

/**
 * The first copy of `doc` (but `except`) that brings one of `newlyLeftOut`, the paths the new text leaves out and
 * the old one did not, and what it needs ("`COPY . .` (line 4)", "needs node_modules"); null when none does.
 */
function copyNeeding(doc: Document, newlyLeftOut: readonly string[], writtenAnew: WrittenAnewAfter, except?: Instruction): { copy: string; need: string } | null {
  for (const ins of doc.instructions()) {
    if (ins === except) continue;
    const anew = writtenAnew(doc, ins);
    const needed = newlyLeftOut.filter((p) => !anew.some((w) => isWithin(p, w)));
    if (!needed.length) continue;
    const need = contextSourceNeeding(doc, ins, needed);
    if (need) return { copy: doc.quote(ins), need };
  }
  return null;
}

/** "needs node_modules" when a COPY/ADD from the context brings one of `paths`; "may need ..." when it cannot be known. */
function contextSourceNeeding(doc: Document, ins: Instruction, paths: string[]): string | null {
  const copy = doc.copyArgs(ins);
  if (!copy || doc.flag(ins, 'from') !== undefined) return null;
  for (const source of copy.sources) {
    // Remote sources of ADD read nothing from the context.
    if (isRemoteSource(source)) continue;
    const value = expand(source, doc.variablesAt(ins));
    if (value === null) return `may need ${paths[0]}`;
    // As BuildKit resolves a source: below the context root, `..` cannot leave it.
    const brought = paths.find((p) => bringsPath(contextPath(value), p));
    if (brought !== undefined) return `needs ${brought}`;
  }
  return null;
}

/** A copy source (context-relative, maybe a glob) brings `target` when it names it, a folder above it, or a path inside it. */
function bringsPath(source: string, target: string): boolean {
  if (source === '') return true;
  // Docker's matcher takes a pattern as matching a path when it matches the path or a folder above it.
  if (dockerignoreMatcher(source).ignores(target)) return true;
  const parts = source.split('/');
  const firstGlob = parts.findIndex((p) => /[*?[\\]/.test(p));
  const literal = (firstGlob < 0 ? parts : parts.slice(0, firstGlob)).join('/');
  return literal !== '' && isWithin(literal, target);
}
