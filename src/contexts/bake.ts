// Build contexts named by Buildx bake files (docker-bake.hcl / docker-bake.json): each `target` has a `context`
// (default `.`, relative to the bake file's folder) and a `dockerfile` (default `Dockerfile`, relative to the
// context), possibly through `inherits`. HCL is converted to JSON by @cdktf/hcl2json (HashiCorp's own parser
// compiled to wasm), loaded only when a .hcl bake file is met.
import path from 'node:path';
import { inlineBuild, resolveBuild, type BuildEntry, type BuildFileReading, type InlineBuild } from './compose.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** HCL blocks come back as arrays of bodies (a block may be repeated); JSON bake files give one object. */
const body = (v: unknown): Record<string, unknown> | undefined =>
  Array.isArray(v) ? Object.assign({}, ...v.filter(isRecord)) : isRecord(v) ? v : undefined;

export async function bakeBuilds(file: string, text: string): Promise<BuildFileReading> {
  let doc: unknown;
  if (file.endsWith('.hcl')) {
    const { parse } = await import('@cdktf/hcl2json');
    doc = await parse(path.basename(file), text);
  } else {
    doc = JSON.parse(text);
  }
  const builds: BuildEntry[] = [];
  const notes: string[] = [];
  const inline: InlineBuild[] = [];
  const targets = isRecord(doc) ? body(doc.target) : undefined;
  if (!targets) return { builds, notes, inline };
  const name = path.basename(file);
  /** A target's attribute, looked up through `inherits` (the target's own value wins). */
  const attribute = (target: string, key: string, seen = new Set<string>()): unknown => {
    const spec = body(targets[target]);
    if (!spec || seen.has(target)) return undefined;
    seen.add(target);
    if (spec[key] !== undefined) return spec[key];
    const parents = Array.isArray(spec.inherits) ? spec.inherits : [];
    for (const parent of [...parents].reverse()) {
      const value = typeof parent === 'string' ? attribute(parent, key, seen) : undefined;
      if (value !== undefined) return value;
    }
    return undefined;
  };
  for (const target of Object.keys(targets)) {
    const origin = `${name}: target ${target}`;
    const context = attribute(target, 'context') ?? '.';
    if (attribute(target, 'dockerfile-inline') !== undefined) {
      inline.push(inlineBuild(path.dirname(file), context, target, origin));
      continue;
    }
    const dockerfile = attribute(target, 'dockerfile') ?? 'Dockerfile';
    if (typeof context !== 'string' || typeof dockerfile !== 'string') {
      notes.push(`${origin}: context or dockerfile is not a string`);
      continue;
    }
    const entry = resolveBuild(path.dirname(file), context, dockerfile, origin);
    if (typeof entry === 'string') notes.push(entry);
    else builds.push(entry);
  }
  return { builds, notes, inline };
}
