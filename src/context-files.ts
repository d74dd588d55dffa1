// Which build-context file an earlier COPY put at a path of the image, so a transform can read the file a command
// will find there (`npm install` in /app reads /app/package-lock.json: which context file is that?).
import path from 'node:path';
import picomatch from 'picomatch';
import { expand, type Document, type Instruction } from './document.js';
import type { BuildContext } from './types.js';
import { contextIgnoreMatcher } from './dockerignore.js';

/**
 * The context-relative path of the file that the last COPY/ADD of the stage before `ins` put at `target` (an
 * absolute path, or one under IMAGE_WORKDIR), or null when no copy is known to have put a context file there.
 * Copies with unresolved variables or destinations are passed over, so a later one cannot hide behind them: the
 * answer is null as soon as such a copy might have written the path.
 */
export function contextFileAt(doc: Document, ins: Instruction, target: string, context: BuildContext): string | null {
  const stage = doc.stageOf(ins);
  if (!stage) return null;
  const ignored = contextIgnoreMatcher(context);
  const present = (file: string) => context.exists(file) && !ignored.ignores(file);
  const before = stage.instructions.slice(0, stage.instructions.indexOf(ins)).reverse();
  for (const copy of before) {
    const args = doc.copyArgs(copy);
    if (!args || doc.flag(copy, 'from') !== undefined) continue;
    const workdir = doc.workdirAt(copy);
    const dest = expand(args.dest, doc.variablesAt(copy));
    if (workdir === null || dest === null) return null;
    const into = path.posix.resolve(workdir, dest);
    const severalOrFolder = dest.endsWith('/') || args.sources.length > 1;
    for (const source of args.sources) {
      if (/\$|:\/\//.test(source)) return null;
      const rel = path.posix.normalize(source).replace(/^\.\/?/, '').replace(/\/$/, '');
      const isFolder = rel === '' || rel === '.' || context.listFiles().some((f) => f.startsWith(`${rel}/`));
      if (isFolder) {
        const inside = path.posix.relative(into, target);
        if (inside.startsWith('..') || path.posix.isAbsolute(inside)) continue;
        const file = path.posix.join(rel === '.' ? '' : rel, inside);
        if (present(file)) return file;
        continue;
      }
      const name = path.posix.basename(rel);
      const landsAt = severalOrFolder || /[*?[]/.test(name) ? path.posix.join(into, path.posix.basename(target)) : into;
      if (landsAt !== target) continue;
      const file = path.posix.join(path.posix.dirname(rel), path.posix.basename(target));
      if (/[*?[]/.test(name) ? picomatch.isMatch(path.posix.basename(target), name, { dot: true }) : name === path.posix.basename(target)) {
        if (present(file)) return file;
      }
    }
  }
  return null;
}
