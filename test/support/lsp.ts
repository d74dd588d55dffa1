// A language client for tests: the built `dockmod lsp --stdio` in a child process, spoken to with vscode-jsonrpc,
// as an editor speaks to it. It keeps the diagnostics published and applies WorkspaceEdits as a client does.
import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { startDockmod } from './cli.js';
import type { CodeAction, CreateFile, Diagnostic, PublishDiagnosticsParams, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver/node';


export const uriOf = (file: string): string => pathToFileURL(file).href;

export class LspClient {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  private waiters: (() => void)[] = [];
  stderr = '';

  constructor() {
    this.child = startDockmod(['lsp', '--stdio'], process.cwd());
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.connection = createMessageConnection(new StreamMessageReader(this.child.stdout!), new StreamMessageWriter(this.child.stdin!));
    this.connection.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
      this.published.push(params);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.connection.onNotification('window/logMessage', () => undefined);
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.listen();
  }

  async initialize(initializationOptions: unknown = {}, rootDir?: string): Promise<unknown> {
    const result = await this.connection.sendRequest('initialize', {
      processId: process.pid,
      rootUri: rootDir ? uriOf(rootDir) : null,
      capabilities: { workspace: { workspaceEdit: { documentChanges: true, resourceOperations: ['create'] }, didChangeWatchedFiles: { dynamicRegistration: true } } },
      initializationOptions,
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /**
   * The diagnostics published for `uri` (at `version`, when given) as the `after`-th publication or later (default:
   * the first there is); waits for them.
   */
  async diagnostics(uri: string, { version, after = 0 }: { version?: number; after?: number } = {}, timeoutMs = 10_000): Promise<Diagnostic[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.published.slice(after).findLast((p) => p.uri === uri && (version === undefined || p.version === version));
      if (found) return found.diagnostics;
      if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} (version ${version}) within ${timeoutMs} ms; stderr: ${this.stderr}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  open(file: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(file), languageId: 'dockerfile', version, text } });
  }

  change(file: string, version: number, text: string): Promise<void> {
    return this.connection.sendNotification('textDocument/didChange', { textDocument: { uri: uriOf(file), version }, contentChanges: [{ text }] });
  }

  codeActions(file: string, range: { start: { line: number; character: number }; end: { line: number; character: number } }, only?: string[]): Promise<CodeAction[]> {
    return this.connection.sendRequest('textDocument/codeAction', { textDocument: { uri: uriOf(file) }, range, context: { diagnostics: [], ...(only && { only }) } });
  }

  async close(): Promise<number | null> {
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', resolve));
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const code = await exited;
    this.connection.dispose();
    return code;
  }

  kill(): void {
    this.child.kill();
  }
}

/**
 * Applies a WorkspaceEdit as a client does: `texts` holds the open documents' texts by URI (updated in place);
 * other documents are read from disk, edited and written back; a CreateFile makes an empty file.
 */
export function applyWorkspaceEdit(edit: WorkspaceEdit, texts: Map<string, string>): void {
  const apply = (uri: string, edits: TextEdit[]) => {
    const open = texts.get(uri);
    const file = fileURLToPath(uri);
    const before = open ?? fs.readFileSync(file, 'utf8');
    const after = TextDocument.applyEdits(TextDocument.create(uri, 'text', 0, before), edits);
    if (open !== undefined) texts.set(uri, after);
    else fs.writeFileSync(file, after);
  };
  for (const change of edit.documentChanges ?? []) {
    if ('kind' in change) {
      if (change.kind !== 'create') throw new Error(`unexpected ${change.kind}`);
      const file = fileURLToPath((change as CreateFile).uri);
      if (fs.existsSync(file)) throw new Error(`${file} exists`);
      fs.writeFileSync(file, '');
    } else apply((change as TextDocumentEdit).textDocument.uri, (change as TextDocumentEdit).edits as TextEdit[]);
  }
  for (const [uri, edits] of Object.entries(edit.changes ?? {})) apply(uri, edits);
}
