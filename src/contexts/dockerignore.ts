// .dockerignore rules, as Docker applies them (Go filepath.Match patterns, `**`, `!` exceptions, anchored at
// the context root). @balena/dockerignore is a port of Docker's own matcher.
import { createRequire } from 'node:module';
import { InputRefusal, type BuildContext } from '../engine/types.js';

// A CommonJS module whose typings claim an ES default export: load it the way Node actually exposes it.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as typeof import('@balena/dockerignore').default;

export interface IgnoreMatcher {
  ignores(path: string): boolean;
}

/**
 * The matcher of these ignore rules. Docker's matcher turns each pattern into a regular expression, and one that
 * does not compile (`a)b`) fails the build: such a pattern is an InputRefusal, not a crash.
 */
export function dockerignoreMatcher(text: string): IgnoreMatcher {
  let known = matchers.get(text);
  if (!known) {
    if (matchers.size >= 100) matchers.clear();
    matchers.set(text, (known = remembering(compile(text))));
  }
  return known;
}

// The same rules are asked about the same paths many times over (each transform filters the context's listing):
// the matcher of each text is kept, and so is each answer.
const matchers = new Map<string, IgnoreMatcher>();
const MAX_ANSWERS = 500_000;
function remembering(matcher: IgnoreMatcher): IgnoreMatcher {
  const answers = new Map<string, boolean>();
  return {
    ignores(p) {
      let answer = answers.get(p);
      if (answer === undefined) {
        if (answers.size >= MAX_ANSWERS) answers.clear();
        answers.set(p, (answer = matcher.ignores(p)));
      }
      return answer;
    },
  };
}

function compile(text: string): IgnoreMatcher {
  const rules = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const matcher = dockerignore().add(rules);
  try {
    matcher.ignores('.');
  } catch {
    const bad = rules.find((rule) => {
      try {
        dockerignore().add([rule]).ignores('.');
        return false;
      } catch {
        return true;
      }
    });
    throw new InputRefusal(`the ignore pattern \`${bad}\` does not compile as Docker's matcher compiles it (a build with it fails), so dockmod leaves the file alone`);
  }
  return matcher;
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

/**
 * The context as the build sees it after a copy of it: its listing holds only the files the ignore file lets
 * through, so a package manager's globs (workspaces, members, a folder's project file) match what is there.
 */
export function sentContext(context: BuildContext): BuildContext {
  const ignore = contextIgnoreMatcher(context);
  let sent: string[] | undefined;
  return {
    ignoreFile: context.ignoreFile,
    ...(context.ignoreFileSharers && { ignoreFileSharers: () => context.ignoreFileSharers!() }),
    ...(context.refusal && { refusal: (p: string) => context.refusal!(p) }),
    readFile: (p) => context.readFile(p),
    readBytes: (p, limit) => context.readBytes(p, limit),
    exists: (p) => context.exists(p),
    listFiles: () => (sent ??= context.listFiles().filter((f) => !ignore.ignores(f))),
  };
}
