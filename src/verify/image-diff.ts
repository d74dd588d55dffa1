// The comparison of two images' file systems (src/image-manifest.ts): the original's build and the rewrite's.
// Builds are not bit-reproducible (logs, byte-compiled files, caches with timestamps), so the noise is measured,
// not listed: other builds of the original give, per path, what differed between two runs of the same steps.
// What is left must be declared by the transforms that were applied (Transform.imageDifferences).
import picomatch from 'picomatch';
import type { ImageDifferences, Transform } from '../engine/types.js';
import type { ImageManifest, ManifestEntry } from './image-manifest.js';

export type Field = 'type' | 'mode' | 'uid' | 'gid' | 'target' | 'size' | 'sha256';
const FIELDS: readonly Field[] = ['type', 'mode', 'uid', 'gid', 'target', 'size', 'sha256'];

export interface Difference {
  path: string;
  /** added: only in the second image; removed: only in the first. */
  change: 'added' | 'removed' | 'changed';
  /** For `changed`: the fields that differ. */
  fields: Field[];
}

/** Every path that differs between two manifests, sorted. */
export function diffManifests(first: ImageManifest, second: ImageManifest): Difference[] {
  const out: Difference[] = [];
  for (const [path, a] of first.entries) {
    const b = second.entries.get(path);
    if (!b) out.push({ path, change: 'removed', fields: [] });
    else {
      const fields = FIELDS.filter((f) => a[f] !== b[f]);
      if (fields.length) out.push({ path, change: 'changed', fields });
    }
  }
  for (const path of second.entries.keys()) if (!first.entries.has(path)) out.push({ path, change: 'added', fields: [] });
  return out.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
}

const parentOf = (path: string) => path.slice(0, Math.max(path.lastIndexOf('/'), 0)) || '/';

/** What varied between builds of the same Dockerfile: per path, the fields; and the folders whose entries varied. */
export interface Noise {
  fields: Map<string, Set<Field>>;
  /** Paths present in one build and not in another. */
  presence: Set<string>;
  /** Folders that gained or lost entries between builds (log files named by the time, for one). */
  listings: Set<string>;
}

export interface NoiseSample {
  manifest: ImageManifest;
  /** The sha256 of the source file edited before this build: its own difference is the edit, not noise. */
  editedSha256?: string;
}

/** The noise of the builds in `samples`, each compared with `reference` (a build of the same Dockerfile). */
export function measureNoise(reference: ImageManifest, samples: readonly NoiseSample[]): Noise {
  const noise: Noise = { fields: new Map(), presence: new Set(), listings: new Set() };
  for (const sample of samples) {
    for (const d of diffManifests(reference, sample.manifest)) {
      if (sample.editedSha256 && sample.manifest.entries.get(d.path)?.sha256 === sample.editedSha256) continue;
      if (d.change === 'changed') {
        const known = noise.fields.get(d.path) ?? new Set<Field>();
        for (const f of d.fields) known.add(f);
        noise.fields.set(d.path, known);
      } else {
        noise.presence.add(d.path);
        noise.listings.add(parentOf(d.path));
      }
    }
  }
  return noise;
}

/** A path (or a folder it is in) that comes and goes between builds of the same Dockerfile. */
function presenceVaries(noise: Noise, path: string): boolean {
  for (let p = path; p !== '/'; p = parentOf(p)) if (noise.presence.has(p) || noise.listings.has(parentOf(p))) return true;
  return false;
}

function isNoise(noise: Noise, d: Difference): boolean {
  if (d.change !== 'changed') return presenceVaries(noise, d.path);
  const varied = noise.fields.get(d.path);
  return presenceVaries(noise, d.path) || (!!varied && d.fields.every((f) => varied.has(f)));
}

// ------------------------------------------------------------------------------------------ declared

export interface Declaration {
  transform: string;
  differences: ImageDifferences;
}

/** The declarations of the transforms with these ids (each once), from `transforms`. */
export function declarationsOf(ids: Iterable<string>, transforms: readonly Transform[]): Declaration[] {
  const wanted = new Set(ids);
  return transforms.filter((t) => wanted.has(t.id) && t.imageDifferences).map((t) => ({ transform: t.id, differences: t.imageDifferences! }));
}

/** dpkg's and apt's records, which change whenever the set of installed packages does. */
const PACKAGE_RECORDS = ['/var/lib/dpkg/status', '/var/lib/dpkg/status-old', '/var/lib/apt/extended_states', '/var/cache/debconf/*.dat', '/var/cache/debconf/*.dat-old'];

/** Names of the packages dpkg's status file lists as installed. */
export function installedPackages(manifest: ImageManifest): Set<string> {
  const out = new Set<string>();
  for (const paragraph of (manifest.texts.get('/var/lib/dpkg/status') ?? '').split(/\n\s*\n/)) {
    const name = /^Package:\s*(\S+)/m.exec(paragraph)?.[1];
    if (name && /^Status:.*\sinstalled\s*$/m.test(paragraph)) out.add(name);
  }
  return out;
}

/** The packages installed in only one of the images, and the paths their dpkg file lists name. */
export function packagesInOne(first: ImageManifest, second: ImageManifest): { packages: string[]; paths: Set<string> } {
  const a = installedPackages(first);
  const b = installedPackages(second);
  const packages = [...a].filter((p) => !b.has(p)).concat([...b].filter((p) => !a.has(p))).sort();
  const paths = new Set<string>();
  for (const manifest of [first, second]) {
    for (const [file, text] of manifest.texts) {
      const list = /^\/var\/lib\/dpkg\/info\/([^/:]+)(?::[^/]+)?\.list$/.exec(file);
      if (!list || !packages.includes(list[1]!)) continue;
      for (const line of text.split('\n')) if (line.startsWith('/') && line !== '/.') paths.add(line);
    }
  }
  return { packages, paths };
}

interface Rule {
  name: string;
  matches: (path: string) => boolean;
}

function rulesOf(declared: readonly Declaration[], first: ImageManifest, second: ImageManifest): Rule[] {
  const rules: Rule[] = [];
  for (const { transform, differences } of declared) {
    for (const glob of differences.paths ?? []) rules.push({ name: `${transform}: ${glob}`, matches: picomatch(glob, { dot: true }) });
    if (!differences.dpkgPackages) continue;
    const { packages, paths } = packagesInOne(first, second);
    if (!packages.length) continue;
    const info = picomatch(packages.flatMap((p) => [`/var/lib/dpkg/info/${p}.*`, `/var/lib/dpkg/info/${p}:*.*`]).concat(PACKAGE_RECORDS), { dot: true });
    const shown = packages.length > 5 ? `${packages.slice(0, 5).join(', ')}, ...` : packages.join(', ');
    rules.push({ name: `${transform}: files of the ${packages.length} packages installed in one image only (${shown})`, matches: (p) => paths.has(p) || info(p) });
  }
  return rules;
}

// ------------------------------------------------------------------------------------------ verdict

export interface ImageComparison {
  verdict: 'identical' | 'identical except declared' | 'different';
  /** Each declaration that allowed a difference, with how many paths it allowed. */
  declared: { rule: string; paths: number }[];
  /** Paths left out because the original's own builds differ there. */
  noisy: string[];
  undeclared: Difference[];
  /** One line: `identical`, `identical except declared (...)` or the first undeclared differences. */
  summary: string;
}

const octal = (mode: number | undefined) => (mode === undefined ? '-' : mode.toString(8).padStart(4, '0'));

function describe(d: Difference, first: ImageManifest, second: ImageManifest): string {
  const a = first.entries.get(d.path);
  const b = second.entries.get(d.path);
  if (d.change === 'added') return `${d.path} (${b!.type}) only in the rewrite's image`;
  if (d.change === 'removed') return `${d.path} (${a!.type}) missing from the rewrite's image`;
  const show = (f: Field, e: ManifestEntry) => (f === 'mode' ? octal(e.mode) : f === 'sha256' ? (e.sha256 ?? '-').slice(0, 12) : String(e[f] ?? '-'));
  return `${d.path} ${d.fields.map((f) => `${f} ${show(f, a!)} -> ${show(f, b!)}`).join(', ')}`;
}

/**
 * Compares the original's image (`first`) with the rewrite's (`second`): differences the noise explains are left
 * out, the others must match a declaration of an applied transform.
 */
export function compareImages(first: ImageManifest, second: ImageManifest, o: { noise: Noise; declared: readonly Declaration[]; shown?: number }): ImageComparison {
  const rules = rulesOf(o.declared, first, second);
  const counts = new Map<string, number>();
  const undeclared: Difference[] = [];
  const noisy: string[] = [];
  for (const d of diffManifests(first, second)) {
    if (isNoise(o.noise, d)) {
      noisy.push(d.path);
      continue;
    }
    const rule = rules.find((r) => r.matches(d.path));
    if (rule) counts.set(rule.name, (counts.get(rule.name) ?? 0) + 1);
    else undeclared.push(d);
  }
  const declared = rules.filter((r) => counts.has(r.name)).map((r) => ({ rule: r.name, paths: counts.get(r.name)! }));
  const noted = noisy.length ? `; ${noisy.length} paths that differ between builds of the original not compared` : '';
  let summary: string;
  let verdict: ImageComparison['verdict'];
  if (undeclared.length) {
    verdict = 'different';
    const shown = o.shown ?? 5;
    const list = undeclared.slice(0, shown).map((d) => describe(d, first, second));
    summary = `${undeclared.length} undeclared differences: ${list.join('; ')}${undeclared.length > shown ? '; ...' : ''}`;
  } else if (declared.length) {
    verdict = 'identical except declared';
    const total = declared.reduce((n, r) => n + r.paths, 0);
    summary = `identical except declared (${total} paths: ${declared.map((r) => `${r.rule} ${r.paths}`).join(', ')}${noted})`;
  } else {
    verdict = 'identical';
    summary = noisy.length ? `identical (${noted.slice(2)})` : 'identical';
  }
  return { verdict, declared, noisy, undeclared, summary };
}
