// Build contexts named by Buildx bake files (docker-bake.hcl / docker-bake.json): each `target` has a `context`
// (default `.`, relative to the bake file's folder) and a `dockerfile` (default `Dockerfile`, relative to the
// context), possibly through `inherits`. HCL is converted to JSON by @cdktf/hcl2json (HashiCorp's own parser
// compiled to wasm), loaded only when a .hcl bake file is met.
import path from 'node:path';
import { inlineBuild, resolveBuild, type BuildEntry, type BuildFileReading, type InlineBuild } from './compose.js';
import { isRecord } from '../engine/is-record.js';

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
  /** A target's attribute, looked up through `inherits` (the target's own value wins), and the target that sets it. */
  const lookup = (target: string, key: string, seen = new Set<string>()): { value: unknown; from: string } | undefined => {
    const spec = body(targets[target]);
    if (!spec || seen.has(target)) return undefined;
    seen.add(target);
    if (spec[key] !== undefined) return { value: spec[key], from: target };
    const parents = Array.isArray(spec.inherits) ? spec.inherits : [];
    for (const parent of [...parents].reverse()) {
      const found = typeof parent === 'string' ? lookup(parent, key, seen) : undefined;
      if (found !== undefined) return found;
    }
    return undefined;
  };
  const attribute = (target: string, key: string): unknown => lookup(target, key)?.value;
  const inlineOf = (target: string) => inlineBuild(path.dirname(file), attribute(target, 'context') ?? '.', target, `${name}: target ${target}`);
  for (const target of Object.keys(targets)) {
    const origin = `${name}: target ${target}`;
    const context = attribute(target, 'context') ?? '.';
    const inlineFrom = lookup(target, 'dockerfile-inline')?.from;
    if (inlineFrom !== undefined) {
      // One text, built by every target that inherits it: rewritten where it is written, for one context only.
      const build = inlineOf(target);
      const otherContext = Object.keys(targets).find((t) => t !== target && lookup(t, 'dockerfile-inline')?.from === target && inlineOf(t).context !== build.context);
      if (inlineFrom !== target) inline.push({ ...build, inheritedFrom: inlineFrom });
      else if (otherContext !== undefined && build.refusal === undefined) {
        const where = inlineOf(otherContext).context;
        inline.push({ key: target, origin, refusal: `target ${otherContext} inherits this dockerfile-inline and builds it with another context (${where === undefined ? String(attribute(otherContext, 'context')) : path.relative(path.dirname(file), where) || '.'}): a rewrite for one context may not hold for the other` });
      } else inline.push(build);
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
