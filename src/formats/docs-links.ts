// Where reports link a transform's docs page. A built-in declares its page as a path in dockmod's repository
// (`docs/transforms/<id>.md`); a report needs an absolute URL (SARIF's helpUri must be one). When package.json
// names the repository, the path resolves against the repository's tree at the release's tag (`v<version>`, as
// `npm version` tags it), so a report links the docs of the version that made it. Without one, it resolves
// against the installed package, which ships docs/: a `file:` URL that opens on the machine that ran dockmod.
// `homepage` is not used: it names a site, not where the repository's files are.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The fields of a package.json that the links are made from. */
export interface PackageFields {
  name?: string;
  version?: string;
  repository?: string | { type?: string; url?: string; directory?: string };
}

/** Hosts of npm's `host:owner/name` shorthands (a bare `owner/name` is GitHub). */
const SHORTHAND_HOSTS: Record<string, string> = { github: 'github.com', gitlab: 'gitlab.com', bitbucket: 'bitbucket.org' };

/** The repository's web address (`https://host/owner/name`) from package.json's `repository`, or undefined. */
function repositoryWebUrl(repository: string): string | undefined {
  const shorthand = /^(?:(github|gitlab|bitbucket):)?([\w.-]+)\/([\w.-]+)$/.exec(repository);
  if (shorthand) return `https://${SHORTHAND_HOSTS[shorthand[1] ?? 'github']}/${shorthand[2]}/${shorthand[3]}`;
  const url = /^(?:git\+)?(?:https?|git|ssh):\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/(.+?)(?:\.git)?\/?$/.exec(repository);
  return url ? `https://${url[1]}/${url[2]}` : undefined;
}

/** The absolute URL (ending in `/`) that docs paths resolve against, for a package.json and the folder it lies in. */
export function docsBaseFor(pkg: PackageFields, packageDir: string): string {
  const repository = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
  const web = repository === undefined ? undefined : repositoryWebUrl(repository);
  if (!web) return `${pathToFileURL(packageDir).href.replace(/\/$/, '')}/`;
  const directory = typeof pkg.repository === 'object' && pkg.repository.directory ? `${pkg.repository.directory.replace(/^\/+|\/+$/g, '')}/` : '';
  return `${web}/blob/v${pkg.version ?? '0.0.0'}/${directory}`;
}

/** dockmod's own package.json (found upwards from this module, in src/ or dist/src/) and its folder. */
export function dockmodPackage(): { pkg: PackageFields; dir: string } | undefined {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as PackageFields;
    if (pkg.name === 'dockmod') return { pkg, dir };
  }
  return undefined;
}

let own: { base: string | undefined } | undefined;

/** The base of dockmod's own docs links (package.json read once); undefined when its package.json is not found. */
export function dockmodDocsBase(): string | undefined {
  own ??= { base: ((p) => p && docsBaseFor(p.pkg, p.dir))(dockmodPackage()) };
  return own.base;
}

/** The URL of a docs page given as a repository path. */
export const docsUrl = (docs: string, base: string): string => new URL(docs, base).href;
