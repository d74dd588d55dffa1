// A build context seen through a rewrite: the files it writes shadow the real ones. Pure (the engine uses it).
import path from 'node:path';
import type { BuildContext } from './types.js';

/** A context path in one spelling: `/`-separated, no `./`, no trailing `/`. */
export function normalizeContextPath(p: string): string {
  return path.posix.normalize(p.replace(/\\/g, '/')).replace(/^\.\//, '').replace(/\/$/, '');
}

/**
 * The context with written files (a rewrite's `.dockerignore`) in place of the old ones. `writes` is read live:
 * the engine adds to it as changes are applied.
 */
export function withWrites(context: BuildContext, writes: readonly { path: string; text: string }[] | ReadonlyMap<string, string>): BuildContext {
  const written = writes instanceof Map ? writes : new Map((writes as readonly { path: string; text: string }[]).map((w) => [normalizeContextPath(w.path), w.text]));
  // Transforms list the files again and again, and a context can hold thousands: the merged list is made once
  // per listing of the context and set of written paths.
  let listed: { files: string[]; paths: string; merged: string[] } | undefined;
  const listFiles = (): string[] => {
    const files = context.listFiles();
    const paths = [...written.keys()].join('\0');
    if (listed?.files !== files || listed.paths !== paths) listed = { files, paths, merged: [...new Set([...files, ...written.keys()])].sort() };
    return listed.merged;
  };
  return {
    ignoreFile: context.ignoreFile,
    ...(context.ignoreFileSharers && { ignoreFileSharers: () => context.ignoreFileSharers!() }),
    readFile: (p) => written.get(normalizeContextPath(p)) ?? context.readFile(p),
    readBytes: (p, limit) => {
      const text = written.get(normalizeContextPath(p));
      return text === undefined ? context.readBytes(p, limit) : Buffer.from(text, 'utf8').subarray(0, limit);
    },
    exists: (p) => written.has(normalizeContextPath(p)) || context.exists(p),
    refusal: (p) => (written.has(normalizeContextPath(p)) ? undefined : context.refusal?.(p)),
    listFiles,
  };
}

