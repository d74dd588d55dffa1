// .dockerignore rules, as Docker applies them (Go filepath.Match patterns, `**`, `!` exceptions, anchored at
// the context root). @balena/dockerignore is a port of Docker's own matcher.
import { createRequire } from 'node:module';
import type { BuildContext } from '../engine/types.js';

// A CommonJS module whose typings claim an ES default export: load it the way Node actually exposes it.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore').default;

export interface IgnoreMatcher {
  ignores(path: string): boolean;
}

export function dockerignoreMatcher(text: string): IgnoreMatcher {
  const rules = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return dockerignore().add(rules);
}

/** How messages name the ignore file of a build: its context path, or its path from the context root outside it. */
export function ignoreFileName(context: BuildContext): string {
  const at = context.ignoreFile;
  return 'path' in at ? at.path : at.outside;
}

/** The rules of the ignore file a build applies (none when it does not exist). */
export function contextIgnoreMatcher(context: BuildContext): IgnoreMatcher {
  const at = context.ignoreFile;
  return dockerignoreMatcher('path' in at ? (context.readFile(at.path) ?? '') : at.text);
}
