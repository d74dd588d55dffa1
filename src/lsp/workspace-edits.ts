// Changes as LSP WorkspaceEdits: the Dockerfile's edits, and each other file of the build context a change writes
// (`.dockerignore`) as a second document edit, created first when it does not exist yet.
import { pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { CreateFile, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import type { Edit } from '../engine/types.js';

/** What the client said it can apply (ClientCapabilities.workspace.workspaceEdit). */
export interface EditSupport {
  documentChanges: boolean;
  createFiles: boolean;
}

/**
 * The one replacement of whole lines that turns `before` into `after` (undefined when they are equal). Whole
 * lines, so that no edit ends between a \r and its \n or inside a surrogate pair, and an editor keeps the cursor
 * and folds of the lines around it.
 */
export function wholeLinesEdit(before: string, after: string): Edit | undefined {
  if (before === after) return undefined;
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before[prefix] === after[prefix]) prefix++;
  const start = before.lastIndexOf('\n', prefix - 1) + 1;
  let suffix = 0;
  while (suffix < shorter - start && before[before.length - 1 - suffix] === after[after.length - 1 - suffix]) suffix++;
  let end = before.length - suffix;
  while (end < before.length && before[end - 1] !== '\n') end++;
  return { start, end, text: after.slice(start, after.length - (before.length - end)) };
}

/**
 * Edits by string offset (shifted by `shift`, a BOM the offsets do not count) as TextEdits on `document`. An edit
 * that reaches the end of a text with no line break at its end (or of an empty one) ends past its last line,
 * which a client takes for the end of the text (the specification's clients clamp it): Neovim's client otherwise
 * keeps the empty line such an edit's last line break leaves, and writes a line break too many.
 */
export function textEdits(document: TextDocument, edits: readonly Edit[], shift = 0): TextEdit[] {
  const text = document.getText();
  const openEnd = !text.endsWith('\n');
  const position = (offset: number) => (openEnd && offset === text.length ? { line: document.lineCount, character: 0 } : document.positionAt(offset));
  return edits.map((e) => ({ range: { start: document.positionAt(e.start + shift), end: position(e.end + shift) }, newText: e.text }));
}

/** Another file of the build context: absolute path, the text read (undefined: none) and the text to give it. */
export interface OtherFile {
  file: string;
  before: string | undefined;
  after: string;
}

export function workspaceEdit(document: TextDocument, edits: TextEdit[], others: readonly OtherFile[], support: EditSupport): WorkspaceEdit {
  const other = others.map((o) => {
    const uri = pathToFileURL(o.file).href;
    const before = o.before ?? '';
    const edit = wholeLinesEdit(before, o.after)!;
    return { uri, create: o.before === undefined, edits: textEdits(TextDocument.create(uri, 'ignore', 0, before), [edit]) };
  });
  if (!support.documentChanges) {
    return { changes: Object.fromEntries([[document.uri, edits], ...other.map((o) => [o.uri, o.edits])]) };
  }
  const documentChanges: (TextDocumentEdit | CreateFile)[] = [{ textDocument: { uri: document.uri, version: document.version }, edits }];
  for (const o of other) {
    if (o.create && support.createFiles) documentChanges.push({ kind: 'create', uri: o.uri });
    documentChanges.push({ textDocument: { uri: o.uri, version: null }, edits: o.edits });
  }
  return { documentChanges };
}
