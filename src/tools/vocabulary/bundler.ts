// Bundler's `bundle`: `bundle` alone installs, as `bundle install` does.
import { defineTool } from './tool.js';

export const bundler = defineTool({
  id: 'bundler',
  kind: 'language',
  commands: /^bundle$/,
  valueOptions: new Set(),
  installs: new Set(['install']),
  cache: { targets: ['/root/.gem'], heldBy: /(^|\/)\.gem\/?$|bundle\/cache/ },
  effects: { writes: ['/usr/local/bundle', '/root/.gem'], reads: ['Gemfile', 'Gemfile.lock', '.bundle/config'] },
  // Only the first word: `bundle --jobs 4` is an install too (see cachingTool).
  subcommandIndex: (args) => (typeof args[0] === 'string' && !args[0].startsWith('-') ? 0 : -1),
});
