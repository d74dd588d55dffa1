// A minimal VS Code client for `dockmod lsp --stdio`: Dockerfiles (the editor's `dockerfile` language) are served
// by the dockmod command on PATH (or `dockmod.path`), with the `dockmod.*` settings passed to it. Not tested inside
// VS Code (dockmod's tests drive the server with vscode-jsonrpc and with Neovim): see docs/editors.md.
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function settings() {
  const config = vscode.workspace.getConfiguration('dockmod');
  return { showUnsafe: config.get('showUnsafe'), showSkips: config.get('showSkips') };
}

exports.activate = async function activate(context) {
  const command = vscode.workspace.getConfiguration('dockmod').get('path') || 'dockmod';
  client = new LanguageClient(
    'dockmod',
    'dockmod',
    { command, args: ['lsp', '--stdio'] },
    {
      documentSelector: [{ scheme: 'file', language: 'dockerfile' }, { scheme: 'untitled', language: 'dockerfile' }],
      initializationOptions: settings(),
      synchronize: { configurationSection: 'dockmod' },
    },
  );
  context.subscriptions.push(client);
  await client.start();
};

exports.deactivate = () => client?.stop();
