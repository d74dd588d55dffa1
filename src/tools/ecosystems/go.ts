// Go modules: `go build` / `go install` fetch modules as they compile; `go mod download` fetches them alone.
import path from 'node:path';
import { present, unreadable, type Installer } from './installer.js';
import { basename } from '../vocabulary/tool.js';

const BUILDS = new Set(['build', 'install', 'test', 'vet', 'generate']);

/** The files that locate a project folder of this ecosystem (split-copy-install looks for where they were copied from). */
export const goPrimaryManifests: readonly string[] = ['go.mod'];

export const goInstallers: readonly Installer[] = [
  {
    tool: 'go',
    ecosystem: 'go',
    matches: (argv) => basename(argv[0]) === 'go' && (BUILDS.has(argv[1] ?? '') || (argv[1] === 'mod' && argv[2] === 'download')) && !argv.some((a) => a?.includes('@')),
    repeatsQuickly: true,
    manifests(_argv, dir, context) {
      const gomod = context.readFile(path.posix.join(dir, 'go.mod'));
      if (gomod === undefined) return unreadable(context, path.posix.join(dir, 'go.mod'));
      if (context.exists(path.posix.join(dir, 'vendor'))) return { refuse: 'the module is vendored (vendor/), so the sources hold the dependencies' };
      if (/^\s*replace\b[^\n]*=>\s*\.{0,2}\//m.test(gomod) || /^\s*replace\s*\([^)]*=>\s*\.{0,2}\//ms.test(gomod)) {
        return { refuse: 'go.mod replaces a module with a local folder, which would not be there yet' };
      }
      const files = present(context, dir, ['go.mod', 'go.sum']);
      return { files, optional: files.slice(1) };
    },
    prefetch: (argv) => (argv[1] === 'mod' ? null : [0, 'mod', 'download']),
  },
];
