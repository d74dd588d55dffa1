// Project settings: `dockmod.config.json`, or a "dockmod" key in package.json, found upward from each
// Dockerfile (the nearest one wins; settings are not merged across folders). Validated: an unknown key or a
// wrongly typed value is an error that names the file and the key.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { readTreeFile, type RefusedFile } from '../contexts/tree-files.js';
import { isRecord } from '../engine/is-record.js';

export const CONFIG_FILE = 'dockmod.config.json';

export type RuleSetting = 'on' | 'off';

export interface Override {
  /** Globs relative to the config file's folder, matched against the Dockerfile's path. */
  files: string[];
  rules?: Record<string, RuleSetting>;
  unsafe?: boolean;
}

export interface DockmodConfig {
  /** Transform id → on/off. Every transform is on unless turned off. */
  rules?: Record<string, RuleSetting>;
  unsafe?: boolean;
  /** Modules of custom transforms (paths relative to the config file, or package names). */
  transforms?: string[];
  overrides?: Override[];
  /** Keep results for the next run (--cache); read from the config of the working folder only, as the run has one cache. */
  cache?: boolean;
  /** The cache file (--cache-location), relative to the config's folder. */
  cacheLocation?: string;
}

/** The settings that apply to one Dockerfile. */
export interface FileSettings {
  /** The config file they came from; undefined when there is none. */
  source?: string;
  /** Transform ids turned off. */
  off: string[];
  unsafe: boolean;
  /** Absolute paths of custom transform modules. */
  transforms: string[];
}

export class ConfigError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'ConfigError';
  }
}

const TOP_KEYS = ['$schema', 'rules', 'unsafe', 'transforms', 'overrides', 'cache', 'cacheLocation'];
const OVERRIDE_KEYS = ['files', 'rules', 'unsafe'];

const describe = (v: unknown) => (Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v);

function checkKeys(value: Record<string, unknown>, known: string[], where: string, file: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ConfigError(file, `unknown key '${where}${key}' (known: ${known.filter((k) => k !== '$schema').join(', ')})`);
  }
}

function checkRules(value: unknown, where: string, file: string): Record<string, RuleSetting> {
  if (!isRecord(value)) throw new ConfigError(file, `'${where}' must be an object of transform id → "on" | "off", not ${describe(value)}`);
  const rules: Record<string, RuleSetting> = {};
  for (const [id, setting] of Object.entries(value)) {
    if (setting === 'on' || setting === true) rules[id] = 'on';
    else if (setting === 'off' || setting === false) rules[id] = 'off';
    else throw new ConfigError(file, `'${where}.${id}' must be "on" or "off", not ${JSON.stringify(setting)}`);
  }
  return rules;
}

function checkBoolean(value: unknown, where: string, file: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(file, `'${where}' must be true or false, not ${describe(value)}`);
  return value;
}

function checkStrings(value: unknown, where: string, file: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s)) {
    throw new ConfigError(file, `'${where}' must be a list of non-empty strings`);
  }
  return list;
}

/** Checks a parsed config object; `file` names it in errors. */
export function validateConfig(value: unknown, file: string): DockmodConfig {
  if (!isRecord(value)) throw new ConfigError(file, `the settings must be an object, not ${describe(value)}`);
  checkKeys(value, TOP_KEYS, '', file);
  const config: DockmodConfig = {};
  if (value.rules !== undefined) config.rules = checkRules(value.rules, 'rules', file);
  if (value.unsafe !== undefined) config.unsafe = checkBoolean(value.unsafe, 'unsafe', file);
  if (value.transforms !== undefined) config.transforms = checkStrings(value.transforms, 'transforms', file);
  if (value.cache !== undefined) config.cache = checkBoolean(value.cache, 'cache', file);
  if (value.cacheLocation !== undefined) {
    if (typeof value.cacheLocation !== 'string' || !value.cacheLocation) throw new ConfigError(file, `'cacheLocation' must be a non-empty string, not ${describe(value.cacheLocation)}`);
    config.cacheLocation = value.cacheLocation;
  }
  if (value.overrides !== undefined) {
    if (!Array.isArray(value.overrides)) throw new ConfigError(file, `'overrides' must be a list, not ${describe(value.overrides)}`);
    config.overrides = value.overrides.map((o: unknown, i) => {
      const where = `overrides[${i}]`;
      if (!isRecord(o)) throw new ConfigError(file, `'${where}' must be an object, not ${describe(o)}`);
      checkKeys(o, OVERRIDE_KEYS, `${where}.`, file);
      if (o.files === undefined) throw new ConfigError(file, `'${where}.files' is missing`);
      const override: Override = { files: checkStrings(o.files, `${where}.files`, file) };
      if (o.rules !== undefined) override.rules = checkRules(o.rules, `${where}.rules`, file);
      if (o.unsafe !== undefined) override.unsafe = checkBoolean(o.unsafe, `${where}.unsafe`, file);
      return override;
    });
  }
  return config;
}

interface LoadedConfig {
  file: string;
  dir: string;
  config: DockmodConfig;
  transforms: string[];
  overrides: { match: (rel: string) => boolean; override: Override }[];
}

/** Resolves a module name: a path (relative to `baseDir`) when one exists or it starts with `.`, else a package installed there. */
export function resolveModule(specifier: string, baseDir: string): string {
  const asPath = path.resolve(baseDir, specifier);
  if (specifier.startsWith('.') || path.isAbsolute(specifier) || fs.existsSync(asPath)) return asPath;
  return createRequire(path.join(baseDir, 'noop.js')).resolve(specifier);
}

/** Finds and caches the settings of every folder. */
export class ConfigResolver {
  private readonly perFolder = new Map<string, LoadedConfig | null>();
  /** Config files not read because of what they are: a link out of the searched tree, a folder. */
  readonly refused: RefusedFile[] = [];

  /** The settings for `file`; throws ConfigError when the config that applies is invalid. */
  settingsFor(file: string): FileSettings {
    const loaded = this.configOf(path.dirname(path.resolve(file)));
    if (!loaded) return { off: [], unsafe: false, transforms: [] };
    const rel = path.relative(loaded.dir, path.resolve(file)).split(path.sep).join('/');
    const rules = { ...loaded.config.rules };
    let unsafe = loaded.config.unsafe ?? false;
    for (const { match, override } of loaded.overrides) {
      if (!match(rel)) continue;
      Object.assign(rules, override.rules);
      unsafe = override.unsafe ?? unsafe;
    }
    const off = Object.entries(rules).filter(([, s]) => s === 'off').map(([id]) => id);
    return { source: loaded.file, off, unsafe, transforms: loaded.transforms };
  }

  /** The cache settings of the config that applies in the folder `cwd`, its location made absolute. */
  cacheSettings(cwd: string): { cache?: boolean; cacheLocation?: string } {
    const loaded = this.configOf(path.resolve(cwd));
    const location = loaded?.config.cacheLocation;
    return { cache: loaded?.config.cache, cacheLocation: location === undefined ? undefined : path.resolve(loaded!.dir, location) };
  }

  /** Every transform id that a loaded config names in its rules, with the file naming it. */
  ruleIds(): { id: string; file: string; transforms: string[] }[] {
    const ids: { id: string; file: string; transforms: string[] }[] = [];
    for (const loaded of this.perFolder.values()) {
      if (!loaded) continue;
      const all = [loaded.config.rules ?? {}, ...(loaded.config.overrides ?? []).map((o) => o.rules ?? {})];
      for (const rules of all) for (const id of Object.keys(rules)) ids.push({ id, file: loaded.file, transforms: loaded.transforms });
    }
    return ids;
  }

  private configOf(dir: string): LoadedConfig | null {
    const cached = this.perFolder.get(dir);
    if (cached !== undefined) return cached;
    const parent = path.dirname(dir);
    const found = this.readFolder(dir) ?? (parent === dir ? null : this.configOf(parent));
    this.perFolder.set(dir, found);
    return found;
  }

  private readFolder(dir: string): LoadedConfig | null {
    const configFile = path.join(dir, CONFIG_FILE);
    const text = readTreeFile(configFile, this.refused);
    if (text !== undefined) return this.load(configFile, dir, parseJson(configFile, text));
    const packageFile = path.join(dir, 'package.json');
    const packageText = readTreeFile(packageFile, this.refused);
    if (packageText === undefined || !packageText.includes('"dockmod"')) return null;
    let manifest: unknown;
    try {
      manifest = JSON.parse(packageText);
    } catch {
      return null; // a broken package.json is the project's business, not a dockmod setting
    }
    if (!isRecord(manifest) || manifest.dockmod === undefined) return null;
    return this.load(`${packageFile}#dockmod`, dir, manifest.dockmod);
  }

  private load(file: string, dir: string, value: unknown): LoadedConfig {
    const config = validateConfig(value, file);
    const transforms = (config.transforms ?? []).map((spec) => {
      try {
        return resolveModule(spec, dir);
      } catch {
        throw new ConfigError(file, `cannot find transform module '${spec}'`);
      }
    });
    for (const t of transforms) if (!fs.existsSync(t)) throw new ConfigError(file, `transform module '${path.relative(dir, t)}' does not exist`);
    let overrides: LoadedConfig['overrides'] = [];
    if (config.overrides?.length) {
      const picomatch = createRequire(import.meta.url)('picomatch') as typeof import('picomatch');
      overrides = config.overrides.map((override) => ({ match: picomatch(override.files, { dot: true }), override }));
    }
    return { file, dir, config, transforms, overrides };
  }
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(file, `not valid JSON: ${(error as Error).message}`);
  }
}
