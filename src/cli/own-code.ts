// dockmod's own code on disk: its package folder and those of the packages it depends on, transitively, found as
// Node finds them (`node_modules/<name>` in the requiring package's folder and each folder above, links followed).
// An installed dependency is seldom under dockmod's folder: npm hoists it beside it, pnpm links it from its store.
// The results cache keys on this code (cache.ts), and what it reads is not the tree's (plan-reads.ts).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRecord } from '../engine/is-record.js';

export interface OwnPackage {
  name: string;
  version: string;
  /** The real path of its folder, with a separator at the end. */
  folder: string;
}

export interface OwnCode {
  /** dockmod's package folder (where its package.json is). */
  root: string;
  /** dockmod and every package it depends on, in the order found. */
  packages: OwnPackage[];
  /** Whether an absolute path is in one of those folders. */
  holds(file: string): boolean;
}

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

function readManifest(folder: string): Record<string, unknown> | undefined {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8')) as unknown;
    return isRecord(manifest) ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** The real folder of the package `name` as Node resolves it from `from`; undefined when it is not installed. */
function installedFolder(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (fs.existsSync(path.join(candidate, 'package.json'))) return fs.realpathSync(candidate);
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** The own code of the package holding `moduleFile`. */
export function ownCodeOf(moduleFile: string): OwnCode {
  let root = path.dirname(moduleFile);
  while (!fs.existsSync(path.join(root, 'package.json')) && root !== path.dirname(root)) root = path.dirname(root);
  const packages: OwnPackage[] = [];
  const seen = new Set<string>();
  const visit = (folder: string) => {
    if (seen.has(folder)) return;
    seen.add(folder);
    const manifest = readManifest(folder) ?? {};
    packages.push({ name: String(manifest.name ?? ''), version: String(manifest.version ?? ''), folder: folder + path.sep });
    for (const field of DEPENDENCY_FIELDS) {
      const names = manifest[field];
      if (!isRecord(names)) continue;
      for (const name of Object.keys(names).sort()) {
        const dependency = installedFolder(name, folder);
        if (dependency) visit(dependency);
      }
    }
  };
  visit(fs.realpathSync(root));
  const folders = [...new Set([root + path.sep, ...packages.map((p) => p.folder)])];
  return { root, packages, holds: (file) => folders.some((folder) => file.startsWith(folder)) };
}

let own: OwnCode | undefined;
/** dockmod's own code, found once per process. */
export const ownCode = (): OwnCode => (own ??= ownCodeOf(fileURLToPath(import.meta.url)));
