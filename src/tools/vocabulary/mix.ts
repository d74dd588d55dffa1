// Elixir's Mix.
import { defineTool } from './tool.js';

export const mix = defineTool({
  id: 'mix',
  kind: 'language',
  commands: /^mix$/,
  valueOptions: new Set(),
  installs: new Set(['deps.get']),
  effects: { writes: ['./deps', './_build', '/root/.hex'], reads: ['mix.exs', 'mix.lock'] },
});
