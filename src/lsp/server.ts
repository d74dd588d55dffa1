// `dockmod lsp --stdio`: a Language Server Protocol server (vscode-languageserver) over standard input and output.
// Each open Dockerfile is diagnosed as `dockmod` would rewrite it (src/lsp/analysis.ts): on open at once, on an edit
// after a short pause in typing, on save and when files of the workspace change (its build context and settings
// are read again). Code actions: a quick fix per change, and source.fixAll.dockmod, which makes the file what
// `dockmod --write` makes it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CodeActionKind,
  createConnection,
  TextDocumentSyncKind,
  TextDocuments,
  DidChangeWatchedFilesNotification,
  type CodeAction,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { isInside } from '../contexts/tree-files.js';
import { analyze, JobPlanner, singleChange, type Analysis } from './analysis.js';
import { findingsOf, SOURCE, type DiagnosticSettings, type Finding } from './diagnostics.js';
import { textEdits, wholeLinesEdit, workspaceEdit, type EditSupport } from './workspace-edits.js';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.${SOURCE}`;

/** How long typing must pause before an edited document is diagnosed again. */
export const DEBOUNCE_MS = 60;

/** A Dockerfile to warm the engine with (transforms loaded, the shell grammar compiled) before the first file opens. */
const WARM_UP = 'FROM debian\nRUN apt-get update && apt-get install -y curl\n';

interface Diagnosed {
  version: number;
  analysis: Analysis;
  findings: Finding[];
}

/** The settings a client gives in initializationOptions or as `dockmod` in workspace/didChangeConfiguration. */
function readSettings(value: unknown, current: DiagnosticSettings): DiagnosticSettings {
  const v = (value ?? {}) as Partial<Record<keyof DiagnosticSettings, unknown>>;
  return { showUnsafe: typeof v.showUnsafe === 'boolean' ? v.showUnsafe : current.showUnsafe, showSkips: typeof v.showSkips === 'boolean' ? v.showSkips : current.showSkips };
}

const filePath = (uri: string): string | undefined => (uri.startsWith('file:') ? fileURLToPath(uri) : undefined);

export function startServer(input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Connection {
  const connection = createConnection(input, output);
  const documents = new TextDocuments(TextDocument);
  const planner = new JobPlanner((message) => connection.console.info(`dockmod: ${message}`));
  const diagnosed = new Map<string, Diagnosed>();
  const timers = new Map<string, NodeJS.Timeout>();
  let settings: DiagnosticSettings = { showUnsafe: false, showSkips: false };
  let support: EditSupport = { documentChanges: false, createFiles: false };
  let watchFiles = false;
  let root = process.cwd();

  /**
   * Where dockmod runs for a document, as a user at the workspace root would run it: there for a file inside it
   * (so a build context the Dockerfile's sources prove may be up to there), else the file's folder; the workspace
   * for a document with no file (its settings are looked for there).
   */
  const cwdOf = (file: string | undefined) => (file === undefined || isInside(file, root) ? root : path.dirname(file));

  async function analysisOf(document: TextDocument): Promise<Diagnosed> {
    const known = diagnosed.get(document.uri);
    if (known?.version === document.version) return known;
    const file = filePath(document.uri);
    let analysis: Analysis;
    try {
      analysis = await analyze(planner, file, cwdOf(file), document.getText());
    } catch (error) {
      // A bug of dockmod's own shows as one, not as a crash that takes the other documents' diagnostics with it.
      connection.console.error(`dockmod: ${document.uri}: ${(error as Error).stack ?? error}`);
      analysis = { refusal: `internal error: ${(error as Error).message}`, line: undefined };
    }
    if ('nothing' in analysis) connection.console.info(`dockmod: ${document.uri}: nothing to optimize: ${analysis.nothing}`);
    return { version: document.version, analysis, findings: findingsOf(analysis, document, settings) };
  }

  async function diagnose(uri: string): Promise<void> {
    const document = documents.get(uri);
    if (!document) return;
    const result = await analysisOf(document);
    // Typing went on while it ran: the newer version's run publishes.
    if (documents.get(uri)?.version !== result.version) return;
    diagnosed.set(uri, result);
    await connection.sendDiagnostics({ uri, version: result.version, diagnostics: result.findings.map((f) => f.diagnostic) });
  }

  function schedule(uri: string, delay: number): void {
    clearTimeout(timers.get(uri));
    timers.set(uri, setTimeout(() => {
      timers.delete(uri);
      void diagnose(uri);
    }, delay));
  }

  /** Every open document again, with its build context and settings planned anew. */
  function rediagnoseAll(): void {
    planner.forget();
    diagnosed.clear();
    for (const document of documents.all()) schedule(document.uri, DEBOUNCE_MS);
  }

  connection.onInitialize((params): InitializeResult => {
    settings = readSettings(params.initializationOptions, settings);
    const workspaceEditCaps = params.capabilities.workspace?.workspaceEdit;
    support = { documentChanges: Boolean(workspaceEditCaps?.documentChanges), createFiles: Boolean(workspaceEditCaps?.resourceOperations?.includes('create')) };
    watchFiles = Boolean(params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration);
    const folder = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    root = (folder && filePath(folder)) ?? root;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND] },
      },
      serverInfo: { name: 'dockmod' },
    };
  });

  connection.onInitialized(async () => {
    // Any file may be a manifest, a lockfile, an ignore file or a compose, bake or config file a Dockerfile is planned from.
    if (watchFiles) await connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*' }] });
    await analyze(planner, undefined, root, WARM_UP).catch(() => undefined);
    planner.forget();
  });

  connection.onDidChangeConfiguration((change) => {
    // Under `dockmod` (VS Code, eglot's workspace configuration), or the server's own settings alone (Helix's `config`).
    const given = change.settings as { dockmod?: unknown } | undefined;
    const next = readSettings(given?.dockmod ?? given, settings);
    if (next.showSkips === settings.showSkips && next.showUnsafe === settings.showUnsafe) return;
    settings = next;
    diagnosed.clear();
    for (const document of documents.all()) void diagnose(document.uri);
  });

  // Opened: at once; edited: once typing pauses. (TextDocuments reports an open as a change too.)
  documents.onDidChangeContent(({ document }) => schedule(document.uri, diagnosed.has(document.uri) ? DEBOUNCE_MS : 0));
  documents.onDidSave(() => rediagnoseAll());
  documents.onDidClose(({ document }) => {
    clearTimeout(timers.get(document.uri));
    timers.delete(document.uri);
    diagnosed.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  // Any file may be one a Dockerfile's plan or context reads, its context may lie beside it (compose's `../app`), and a
  // new compose or config file may start to name it: every change re-plans the open files (a burst, once: debounced).
  connection.onDidChangeWatchedFiles(() => rediagnoseAll());

  connection.onCodeAction(async ({ textDocument, range, context }) => {
    const document = documents.get(textDocument.uri);
    if (!document) return [];
    const { analysis, findings } = await analysisOf(document);
    if (!('result' in analysis)) return [];
    const wants = (kind: string) => !context.only || context.only.some((only) => kind === only || kind.startsWith(`${only}.`));
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) {
      const overlaps = (f: Finding) => f.diagnostic.range.start.line <= range.end.line && range.start.line <= f.diagnostic.range.end.line;
      const file = filePath(document.uri);
      const job = await planner.job(file, cwdOf(file)).catch(() => undefined);
      for (const finding of findings.filter((f) => f.change && overlaps(f))) {
        const single = job && (await singleChange(job, document.getText(), finding.change!));
        if (!single) continue;
        actions.push({
          title: `dockmod: ${finding.change!.message}`,
          kind: CodeActionKind.QuickFix,
          diagnostics: [finding.diagnostic],
          isPreferred: finding.change!.safety === 'safe',
          edit: workspaceEdit(document, textEdits(document, single.edits, single.bom.length), single.files, support),
        });
      }
    }
    const { result } = analysis;
    const written = result.extra.filter((e) => e.before !== e.after);
    const whole = wholeLinesEdit(result.before, result.after);
    if (wants(FIX_ALL_KIND) && (whole || written.length)) {
      actions.push({ title: 'dockmod: apply every change (as dockmod --write)', kind: FIX_ALL_KIND, edit: workspaceEdit(document, whole ? textEdits(document, [whole]) : [], written, support) });
    }
    return actions;
  });

  documents.listen(connection);
  connection.listen();
  return connection;
}
