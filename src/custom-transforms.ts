// A team's own transforms: modules named by `--transform` or a config's `transforms` list. A module exports a
// Transform (`{ id, summary, safety, apply }`) or a list of them, as its default export or as `transforms`.
// TypeScript modules load through jiti, without a build step; JavaScript ones through Node's own import().
import { pathToFileURL } from 'node:url';
import { builtinTransforms } from '../transforms/index.js';
import type { Transform } from './types.js';

const TYPESCRIPT = /\.[cm]?tsx?$/;
const loaded = new Map<string, Promise<Transform[]>>();

const isTransform = (v: unknown): v is Transform => {
  const t = v as Partial<Transform> | null;
  return typeof t === 'object' && t !== null && typeof t.id === 'string' && /^[a-z0-9][a-z0-9-]*$/.test(t.id)
    && typeof t.summary === 'string' && (t.safety === 'safe' || t.safety === 'unsafe') && typeof t.apply === 'function';
};

async function importModule(file: string): Promise<Record<string, unknown>> {
  if (!TYPESCRIPT.test(file)) return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const { createJiti } = await import('jiti');
  return (await createJiti(import.meta.url, { moduleCache: true }).import(file)) as Record<string, unknown>;
}

async function loadModule(file: string): Promise<Transform[]> {
  let mod: Record<string, unknown>;
  try {
    mod = await importModule(file);
  } catch (error) {
    throw new Error(`cannot load transform module ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const exported = mod.default ?? mod.transforms;
  const list = [exported].flat();
  if (!list.length || !list.every(isTransform)) {
    throw new Error(`${file} does not export a transform: expected a default export (or \`transforms\`) that is { id, summary, safety: 'safe' | 'unsafe', apply } or a list of them, with a lower-case kebab-case id`);
  }
  return list;
}

/** The transforms of these modules, each module loaded once per process. */
export async function loadCustomTransforms(files: readonly string[]): Promise<Transform[]> {
  const lists = await Promise.all(
    files.map((file) => {
      let pending = loaded.get(file);
      if (!pending) loaded.set(file, (pending = loadModule(file)));
      return pending;
    }),
  );
  return lists.flat();
}

/** The built-in transforms followed by the custom ones, in the order named. An id used twice is an error. */
export async function transformsWith(files: readonly string[]): Promise<readonly Transform[]> {
  if (!files.length) return builtinTransforms;
  const all = [...builtinTransforms, ...(await loadCustomTransforms(files))];
  const seen = new Set<string>();
  for (const t of all) {
    if (seen.has(t.id)) throw new Error(`two transforms have the id '${t.id}' (custom transforms: ${files.join(', ')})`);
    seen.add(t.id);
  }
  return all;
}
