// .dockerignore rules, as Docker applies them (Go filepath.Match patterns, `**`, `!` exceptions, anchored at
// the context root). @balena/dockerignore is a port of Docker's own matcher.
import { createRequire } from 'node:module';

// A CommonJS module whose typings claim an ES default export: load it the way Node actually exposes it.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore').default;

export interface IgnoreMatcher {
  ignores(path: string): boolean;
}

export function dockerignoreMatcher(text: string): IgnoreMatcher {
  const rules = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return dockerignore().add(rules);
}
