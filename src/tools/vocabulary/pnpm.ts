// pnpm.
import { defineTool } from './tool.js';

export const pnpm = defineTool({
  id: 'pnpm',
  kind: 'language',
  commands: /^pnpm$/,
  valueOptions: new Set(),
  installs: new Set(['install', 'i', 'add', 'fetch']),
  cache: { targets: ['/root/.local/share/pnpm/store'], heldBy: /pnpm/ },
  effects: { writes: ['.', '/root/.local/share/pnpm/store'], reads: ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', '.npmrc'] },
});
