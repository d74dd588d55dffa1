// Build contexts named by Docker Compose files: `services.<name>.build` as `./dir` or
// `{ context, dockerfile }`. Paths are relative to the compose file's folder; `dockerfile` to the context.
import path from 'node:path';
import { YAML_MAX_ALIAS_COUNT } from './yaml-limits.js';
import { isRecord } from '../engine/is-record.js';

/** One build a compose or bake file describes: which Dockerfile, built with which context folder. */
export interface BuildEntry {
  dockerfile: string;
  context: string;
  /** Where it was declared, for messages: `compose.yaml: service api`. */
  origin: string;
}

/** A Dockerfile held in the build file itself (compose `dockerfile_inline`, bake `dockerfile-inline`). */
export interface InlineBuild {
  /** The compose service or bake target that holds it. */
  key: string;
  /** Where it was declared, for messages: `compose.yaml: service api`. */
  origin: string;
  /** The build context folder (absolute); undefined when `refusal` says why there is none. */
  context?: string;
  refusal?: string;
  /** A bake target that inherits its dockerfile-inline: the target that writes it (and whose block a run rewrites). */
  inheritedFrom?: string;
}

export interface BuildFileReading {
  builds: BuildEntry[];
  /** Builds left out, with why (a remote context, an unresolved variable, ...). */
  notes: string[];
  /** Builds of an inline Dockerfile, which the build file holds and a run rewrites in place. */
  inline: InlineBuild[];
}

/** A context that is not a local folder: a Git URL, an HTTP tarball, another target or an image. */
export const isRemoteContext = (context: string): boolean => /^[a-z][a-z0-9+.-]*:|^git@/i.test(context) && !/^[a-z]:[\\/]/i.test(context);

/**
 * Resolves one declared build to absolute paths, or says why it cannot be: values with `$` interpolation are
 * not expanded here, since the environment they come from is the one of the eventual build, not ours.
 */
export function resolveBuild(baseDir: string, context: string, dockerfile: string, origin: string): BuildEntry | string {
  if (isRemoteContext(context)) return `${origin}: context ${context} is not a local folder`;
  if (/\$/.test(context) || /\$/.test(dockerfile)) return `${origin}: context or dockerfile uses a variable`;
  const contextDir = path.resolve(baseDir, context);
  return { dockerfile: path.resolve(contextDir, dockerfile), context: contextDir, origin };
}

/** Reads the builds of a compose file's text (YAML). Throws when it is not YAML or has no services mapping. */
export async function composeBuilds(file: string, text: string): Promise<BuildFileReading> {
  const { parse } = await import('yaml');
  const doc: unknown = parse(text, { merge: true, maxAliasCount: YAML_MAX_ALIAS_COUNT });
  const builds: BuildEntry[] = [];
  const notes: string[] = [];
  const inline: InlineBuild[] = [];
  if (!isRecord(doc)) return { builds, notes, inline };
  const services = doc.services;
  if (services === undefined) return { builds, notes, inline };
  if (!isRecord(services)) throw new Error('`services` is not a mapping');
  const name = path.basename(file);
  for (const [service, spec] of Object.entries(services)) {
    if (!isRecord(spec) || spec.build === undefined) continue;
    const origin = `${name}: service ${service}`;
    const build = spec.build;
    let context: unknown = '.';
    let dockerfile: unknown = 'Dockerfile';
    if (typeof build === 'string') context = build;
    else if (isRecord(build)) {
      context = build.context ?? '.';
      if (build.dockerfile_inline !== undefined) {
        inline.push(inlineBuild(path.dirname(file), context, service, origin));
        continue;
      }
      dockerfile = build.dockerfile ?? 'Dockerfile';
    } else continue;
    if (typeof context !== 'string' || typeof dockerfile !== 'string') {
      notes.push(`${origin}: build context or dockerfile is not a string`);
      continue;
    }
    const entry = resolveBuild(path.dirname(file), context, dockerfile, origin);
    if (typeof entry === 'string') notes.push(entry);
    else builds.push(entry);
  }
  return { builds, notes, inline };
}

/** An inline Dockerfile's build, with its context resolved as resolveBuild resolves one (the Dockerfile is no path). */
export function inlineBuild(baseDir: string, context: unknown, key: string, origin: string): InlineBuild {
  if (typeof context !== 'string') return { key, origin, refusal: 'the build context is not a string' };
  const entry = resolveBuild(baseDir, context, '', origin);
  return typeof entry === 'string' ? { key, origin, refusal: entry.slice(origin.length + 2) } : { key, origin, context: entry.context };
}

