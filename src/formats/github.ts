// `--format github`: GitHub Actions workflow commands, one annotation per change (`::warning`), held-back unsafe
// change (`::notice`), other file the rewrite writes (`::notice`) and error (`::error`). A workflow command has no
// field for a link, so the message of a built-in transform's annotation ends with its docs page.
import { escapeUnsafe } from '../engine/escape.js';
import { locate, otherFilesNote, relativePath, transformDocs, withDocsLink, type FormatInput } from './findings.js';

/**
 * Escaping of workflow command data and property values (as @actions/core does), so that nothing can end the
 * command's line and start another; the other control characters are escaped as in every dockmod line.
 */
const escapeData = (s: string) => escapeUnsafe(s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A'));
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function command(kind: 'warning' | 'notice' | 'error', properties: Record<string, string | number | undefined>, message: string): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${kind} ${props}::${escapeData(message)}\n`;
}

export function formatGithub(input: FormatInput): string {
  let out = '';
  for (const f of input.files) {
    const file = relativePath(f.file, input.cwd);
    for (const { change, finding } of locate(f)) {
      const endLine = finding && finding.end !== finding.start ? finding.end : undefined;
      const message = withDocsLink(change.message, transformDocs(change.transform, input));
      out += command('warning', { file, line: finding?.start ?? change.line, endLine, title: `dockmod ${change.transform}` }, message);
    }
    for (const h of f.heldBack) {
      const message = withDocsLink(`${h.message} (held back: --unsafe applies it)`, transformDocs(h.transform, input));
      out += command('notice', { file, line: h.line, title: `dockmod ${h.transform} (unsafe)` }, message);
    }
    const note = otherFilesNote(f, input.cwd);
    if (note) out += command('notice', { file, title: 'dockmod' }, `the rewrite of this file also ${note}`);
  }
  for (const e of input.errors) out += command('error', { file: relativePath(e.file, input.cwd), title: 'dockmod' }, e.message);
  return out;
}
