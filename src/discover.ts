// Finding Dockerfiles under the paths a user names.
import fs from 'node:fs';
import path from 'node:path';

/** `Dockerfile`, `Dockerfile.*`, `*.Dockerfile`, `*.dockerfile`, `Containerfile` (and `Containerfile.*`). */
export const DOCKERFILE_NAME = /^(Dockerfile(\..+)?|.+\.[Dd]ockerfile|Containerfile(\..+)?)$/;
/** Ignore files share the Dockerfile's name: `Dockerfile.dockerignore` is not a Dockerfile. */
const NOT_DOCKERFILE = /\.dockerignore$/;
const SKIPPED_FOLDERS = new Set(['node_modules', '.git', 'vendor']);

export const isDockerfileName = (name: string): boolean => DOCKERFILE_NAME.test(name) && !NOT_DOCKERFILE.test(name) && !name.includes('.dockmod-tmp-');

export interface Discovery {
  files: string[];
  /** Paths named by the user that do not exist or cannot be read. */
  errors: { file: string; reason: string }[];
}

/** Files named directly are taken as they are; folders are searched for Dockerfiles. Sorted, no duplicates. */
export function discover(paths: string[]): Discovery {
  const files = new Set<string>();
  const errors: Discovery['errors'] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      errors.push({ file: dir, reason: (error as Error).message });
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_FOLDERS.has(entry.name)) walk(full);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && isDockerfileName(entry.name)) {
        files.add(full);
      }
    }
  };
  for (const p of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      errors.push({ file: p, reason: 'no such file or directory' });
      continue;
    }
    if (stat.isDirectory() && !isDockerfileName(path.basename(p))) walk(p);
    else files.add(p);
  }
  return { files: [...files].sort(), errors };
}
