// add-to-copy: ADD also downloads URLs and unpacks local tar archives, so a reader (and Docker's best practices)
// must check each ADD for that magic. ADD of plain local files and folders does exactly what COPY does; writing
// COPY says so. Folders are safe (ADD unpacks only an archive named as a source itself).
// Refuses URLs and git sources, sources that are or may be archives (by name: .tar, .gz, .tgz, .bz2, .xz, .zst,
// ...; or a file without a known extension when the context cannot show that it is a folder), globs that match an
// archive, sources with variables, heredocs, and ADD-only flags (--checksum, --keep-git-dir, --unpack).
import type { Change, Skip, Transform, BuildContext } from '../src/types.js';
import type { Document, Instruction } from '../src/document.js';
import picomatch from 'picomatch';
import path from 'node:path';

/** Names of files ADD would try to unpack (or that are compressed and could hold a tar). */
const ARCHIVE = /\.(tar|gz|tgz|bz2|tbz2?|xz|txz|lz|lzma|tlz|zst|tzst|z|taz|tz)$/i;
/** Flags COPY understands as ADD does. */
const SHARED_FLAGS = new Set(['chown', 'chmod', 'link', 'exclude']);

/** Why a source cannot be copied by COPY with the same result, or null. */
function sourceRisk(source: string, context: BuildContext | undefined): string | null {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^git@/.test(source)) return `\`${source}\` is downloaded`;
  if (/\$/.test(source)) return `\`${source}\` depends on a variable`;
  const rel = path.posix.normalize(source).replace(/^\.\//, '').replace(/\/$/, '');
  if (/[*?[]/.test(source)) {
    if (!context) return ARCHIVE.test(source) || !/\.[A-Za-z0-9]+$/.test(source) ? `the glob \`${source}\` may match an archive` : null;
    const archive = context.listFiles().find((f) => picomatch.isMatch(f, rel, { dot: true }) && ARCHIVE.test(f));
    return archive ? `the glob \`${source}\` matches the archive ${archive}` : null;
  }
  if (ARCHIVE.test(rel)) return `\`${source}\` looks like an archive, which ADD unpacks`;
  if (rel === '.' || source.endsWith('/')) return null;
  if (context) {
    const folder = context.listFiles().some((f) => f.startsWith(`${rel}/`));
    if (folder || /\.[A-Za-z0-9]+$/.test(rel)) return null;
    return `\`${source}\` is a file without an extension, which may be an archive that ADD unpacks`;
  }
  return /\.[A-Za-z0-9]+$/.test(rel) ? null : `\`${source}\` may be an archive (the build context is unknown)`;
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

export const addToCopy: Transform = {
  id: 'add-to-copy',
  summary: 'use COPY instead of ADD for local files and folders (not URLs, not archives)',
  safety: 'safe',
  apply(doc, ctx) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const ins of doc.instructions()) {
      if (ins.getKeyword() !== 'ADD') continue;
      const line = ins.getRange().start.line;
      if (doc.hasHeredoc(ins)) {
        skips.push({ line, reason: 'ADD stays: its source is a heredoc, which is left as written' });
        continue;
      }
      const why = refusal(doc, ins, ctx.context);
      if (why) {
        skips.push({ line, reason: `ADD stays: ${why}` });
        continue;
      }
      const range = ins.getInstructionRange();
      const written = ins.getInstruction();
      const keyword = written === written.toLowerCase() ? 'copy' : 'COPY';
      changes.push({ message: `use COPY for ${doc.quote(ins)}`, line, edits: [{ start: doc.offsetAt(range.start), end: doc.offsetAt(range.end), text: keyword }] });
    }
    return { changes, skips };
  },
};
