// RubyGems' `gem`.
import type { Command, Word } from '../../engine/shell.js';
import { argValues, hasOption } from '../commands.js';
import { defineTool, subcommandFor } from './tool.js';

export const gem = defineTool({
  id: 'gem',
  kind: 'language',
  commands: /^gem$/,
  valueOptions: new Set(),
  installs: new Set(['install']),
  effects: { writes: ['/usr/local/bundle', '/root/.gem'], reads: [] },
});

/** The `install` word of a `gem install`, or null. */
export function gemInstallWord(cmd: Command): Word | null {
  const sub = subcommandFor(gem, cmd);
  return sub?.name === 'install' ? sub.word : null;
}

/** gem options that already decide about documentation. */
export const gemDecidesDocs = (cmd: Command): boolean =>
  hasOption(argValues(cmd), '--no-document', '-N', '--document', '--no-rdoc', '--no-ri', '--rdoc', '--ri');
