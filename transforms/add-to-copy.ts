// add-to-copy: ADD also downloads URLs and unpacks local tar archives, so a reader (and Docker's best practices)
// must check each ADD for that magic. ADD of plain local files and folders does exactly what COPY does; writing
// COPY says so. ADD unpacks a source file by its content (a tar, plain or compressed, whatever its name), never
// the files inside a source folder, so each source file (each file a wildcard matches) is read from the context.
// Refuses URLs and git sources, files that are or may be archives (by their bytes; see src/contexts/archives.ts), sources
// missing from the context or unreadable, every file source when the context is unknown, sources with variables,
// heredocs, and ADD-only flags (--checksum, --keep-git-dir, --unpack).
import type { BuiltinTransformModule, BuildContext } from '../src/engine/types.js';
import { eachInstruction } from '../src/engine/iterate.js';
import type { Document, Instruction } from '../src/engine/document.js';
import { archiveRisk } from '../src/contexts/archives.js';
import { contextFiles, contextPath, isRemoteSource, isWildcard, wildcardEntry } from '../src/contexts/context-files.js';
import { contextIgnoreMatcher, ignoreFileName } from '../src/contexts/dockerignore.js';

/** Flags COPY understands as ADD does. */
const SHARED_FLAGS = new Set(['chown', 'chmod', 'link', 'exclude']);

/** Why a source cannot be copied by COPY with the same result, or null. */
function sourceRisk(source: string, context: BuildContext | undefined): string | null {
  if (isRemoteSource(source)) return `\`${source}\` is downloaded`;
  if (/\$/.test(source)) return `\`${source}\` depends on a variable`;
  const rel = contextPath(source);
  if (rel === '') return null;
  if (!context) return `the build context is unknown, so dockmod cannot tell whether \`${source}\` is an archive`;
  const files = new Set(contextFiles(context));
  if (isWildcard(rel)) {
    const entries = new Set([...files].map((f) => wildcardEntry(rel, f)));
    if (entries.has(undefined)) return `dockmod cannot match the wildcard \`${source}\` as Docker does`;
    entries.delete(null);
    if (!entries.size) return `\`${source}\` matches no file of the build context`;
    // A matched folder is copied with its content as it is; a matched file is unpacked when it is an archive.
    for (const entry of entries) {
      const risk = files.has(entry!) ? archiveRisk(context, entry!) : null;
      if (risk) return `the wildcard \`${source}\` matches a file: ${risk}`;
    }
    return null;
  }
  if (context.listFiles().some((f) => f.startsWith(`${rel}/`))) return null;
  if (!files.has(rel) && contextIgnoreMatcher(context).ignores(rel)) {
    return `\`${source}\` is excluded by ${ignoreFileName(context)}, so it is not in the build context`;
  }
  if (!context.exists(rel)) return `\`${source}\` is not in the build context`;
  return archiveRisk(context, rel);
}

function refusal(doc: Document, ins: Instruction, context: BuildContext | undefined): string | null {
  const flag = doc.flags(ins).find((f) => !SHARED_FLAGS.has(f.getName().toLowerCase()));
  if (flag) return `--${flag.getName()} is a flag only ADD has`;
  const copy = doc.copyArgs(ins);
  if (!copy) return 'the ADD cannot be read';
  for (const source of copy.sources) {
    const risk = sourceRisk(source, context);
    if (risk) return risk;
  }
  return null;
}

export const addToCopy: BuiltinTransformModule = {
  id: 'add-to-copy',
  summary: 'use COPY instead of ADD for local files and folders (not URLs, not archives)',
  safety: 'safe',
  trigger: { instructions: ['ADD'] },
  apply: (doc, ctx) =>
    eachInstruction(doc, 'ADD', (ins, findings) => {
      if (doc.hasHeredoc(ins)) {
        findings.skip('ADD stays: its source is a heredoc, which is left as written');
        return;
      }
      const why = refusal(doc, ins, ctx.context);
      if (why) {
        findings.skip(`ADD stays: ${why}`);
        return;
      }
      const range = ins.getInstructionRange();
      const written = ins.getInstruction();
      const keyword = written === written.toLowerCase() ? 'copy' : 'COPY';
      findings.change(`use COPY for ${doc.quote(ins)}`, [{ start: doc.offsetAt(range.start), end: doc.offsetAt(range.end), text: keyword }]);
    }),
};
