// The go command: its subcommand is always its first word.
import { defineTool } from './tool.js';

export const go = defineTool({
  id: 'go',
  kind: 'language',
  commands: /^go$/,
  valueOptions: new Set(),
  // Subcommands that download modules (and fill the build cache) as they go.
  installs: new Set(['build', 'install', 'test', 'run', 'get', 'mod', 'generate', 'vet']),
  cache: { targets: ['/go/pkg/mod', '/root/.cache/go-build'], heldBy: /(^|\/)pkg\/mod\/?$|go-build/, sharedWithLaterRuns: true },
  effects: { writes: ['/go/pkg/mod', '/root/.cache/go-build'], reads: ['go.mod', 'go.sum'] },
  subcommandIndex: (args) => (typeof args[0] === 'string' ? 0 : -1),
});
