// bun's package manager.
import { defineTool } from './tool.js';

export const bun = defineTool({
  id: 'bun',
  kind: 'language',
  commands: /^bun$/,
  valueOptions: new Set(),
  installs: new Set(['install', 'i', 'add']),
  effects: { writes: ['.', '/root/.bun/install/cache'], reads: ['package.json', 'bun.lock', 'bun.lockb', 'bunfig.toml'] },
});
