// PHP's Composer, as `composer` or `composer.phar`.
import { defineTool } from './tool.js';

export const composer = defineTool({
  id: 'composer',
  kind: 'language',
  commands: /^composer(\.phar)?$/,
  valueOptions: new Set(),
  installs: new Set(['install', 'update', 'require']),
  cache: { targets: ['/tmp/cache'], heldBy: /composer|^\/tmp\/cache\/?$/ },
  effects: { writes: ['./vendor', '/tmp/cache'], reads: ['composer.json', 'composer.lock', 'auth.json'] },
});
