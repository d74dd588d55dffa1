// Whether a Dockerfile can hold a command of a package tool, told from its text without parsing a script: the
// engine does not run a transform whose trigger names tools none of which the file can run.
import type { Document } from '../engine/document.js';
import type { Transform } from '../engine/types.js';
import { INSTALLER_TOOLS } from './installs.js';
import { TOOLS } from './vocabulary/index.js';
import { HIDDEN_INSTALL_RUNNERS } from './hidden-installs.js';

/**
 * Per tool id, what any name of a command of the tool holds: its vocabulary's command pattern, unanchored (a
 * command's base name matches the pattern whole, so the file's text holds it). An installer's tool that has no
 * vocabulary (`pipenv`, `poetry`, `uv`) is run by the command of its name (installer.matches).
 */
const NAMES = new Map<string, RegExp>([
  ...[...INSTALLER_TOOLS].map((id) => [id, new RegExp(id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))] as const),
  ...HIDDEN_INSTALL_RUNNERS,
  ...TOOLS.map((tool) => [tool.id, new RegExp(tool.commands.source.replace(/^\^|\$$/g, ''), tool.commands.flags)] as const),
]);

/** Per document, the answer for each tool id: a dozen transforms ask about the same few tools. */
const mentioned = new WeakMap<Document, Map<string, boolean>>();

/**
 * Whether `doc` may run a command of one of `tools` (ids of the vocabulary or of installers), by a look at its
 * text (Document.commandsText): false only when none can be there. An unknown id may be run anywhere.
 */
export function mayRunTools(doc: Document, tools: readonly string[]): boolean {
  let known = mentioned.get(doc);
  if (!known) mentioned.set(doc, (known = new Map()));
  return tools.some((id) => {
    let may = known.get(id);
    if (may === undefined) known.set(id, (may = NAMES.get(id)?.test(doc.commandsText()) ?? true));
    return may;
  });
}

/**
 * Whether the transform's trigger can match `doc`: an instruction of a kind it names is there, and a command of a
 * tool it names may be. A transform without a trigger may match anything.
 */
export function mayTrigger(transform: Transform, doc: Document): boolean {
  const trigger = transform.trigger;
  if (!trigger) return true;
  const keywords = doc.keywords();
  if (!trigger.instructions.some((keyword) => keywords.has(keyword))) return false;
  return !trigger.tools?.length || mayRunTools(doc, trigger.tools);
}
