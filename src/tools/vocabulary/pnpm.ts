// pnpm.
import { defineTool } from './tool.js';

/** `pnpm install-test` (`it`): an install, then the project's `test` script. */
export const PNPM_INSTALL_TEST_NAMES: ReadonlySet<string> = new Set(['install-test', 'it']);

export const pnpm = defineTool({
  id: 'pnpm',
  kind: 'language',
  commands: /^pnpm$/,
  valueOptions: new Set(),
  installs: new Set(['install', 'i', 'add', 'fetch', ...PNPM_INSTALL_TEST_NAMES]),
  cache: { targets: ['/root/.local/share/pnpm/store'], heldBy: /pnpm/ },
  effects: { writes: ['.', '/root/.local/share/pnpm/store'], reads: ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'] },
});
