// Cargo cannot fetch or build dependencies without the crate's sources (every target must exist), so a safe
// split is not possible with the manifests alone: dockmod refuses and names the known alternatives.
import { type Installer } from './installer.js';
import { basename } from '../vocabulary/tool.js';

const unsupported = 'cargo cannot fetch dependencies without the crate sources; use cargo-chef (`cargo chef prepare` / `cargo chef cook`) or a cache mount on the cargo registry and target folders';

export const rustInstallers: readonly Installer[] = [
  {
    tool: 'cargo',
    ecosystem: 'rust',
    matches: (argv) => basename(argv[0]) === 'cargo' && ['build', 'fetch', 'install', 'test'].includes(argv[1] ?? '') && !argv.includes('chef'),
    unsupported,
    manifests: () => ({ refuse: unsupported }),
  },
];
