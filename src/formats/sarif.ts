// `--format sarif`: SARIF 2.1.0, one result per change, with a fix (artifact changes made of replacements) on the
// first change of each finding. Replacements use character offsets into the original file, so a tool applying
// them needs no notion of lines or line endings. Files the rewrite also writes (`.dockerignore`) ride on the
// file's first fix as whole-file replacements. Held-back unsafe changes are notes without fixes. A built-in
// transform's rule links its docs page (helpUri, help; see src/formats/docs-links.ts for the URL).
import type * as Sarif from 'sarif';
import type { AppliedChange } from '../engine/types.js';
import type { FileReport } from '../engine/report.js';
import { docsHelp, locate, relativePath, transformDocs, type FormatInput } from './findings.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

/**
 * A relative URI reference (RFC 3986) for the file: each segment percent-encoded, so that `a:b/Dockerfile` cannot
 * read as a scheme, nor `#` or `?` start a fragment or a query.
 */
const uri = (file: string, cwd: string) => relativePath(file, cwd).split('/').map(encodeURIComponent).join('/');

function otherFileChanges(f: FileReport, cwd: string): Sarif.ArtifactChange[] {
  return f.extra
    .filter((e) => e.before !== e.after)
    .map((e) => ({
      artifactLocation: { uri: uri(e.file, cwd) },
      replacements: [{ deletedRegion: { charOffset: 0, charLength: e.before?.length ?? 0 }, insertedContent: { text: e.after } }],
    }));
}

function fileResults(f: FileReport, cwd: string, ruleIndex: (id: string) => number): Sarif.Result[] {
  const artifact = { uri: uri(f.file, cwd) };
  let otherFiles = otherFileChanges(f, cwd);
  const result = (c: AppliedChange, region: Sarif.Region, heldBack: boolean): Sarif.Result => ({
    ruleId: c.transform,
    ruleIndex: ruleIndex(c.transform),
    level: heldBack ? 'note' : 'warning',
    message: { text: heldBack ? `${c.message} (unsafe, held back: --unsafe applies it)` : c.message },
    locations: [{ physicalLocation: { artifactLocation: artifact, region } }],
    properties: { safety: c.safety },
  });
  const results = locate(f).map(({ change, finding, first }) => {
    const r = result(change, finding ? { startLine: finding.start, endLine: finding.end } : { startLine: change.line }, false);
    if (!first && finding) return r;
    const changes: Sarif.ArtifactChange[] = finding
      ? [{
          artifactLocation: artifact,
          replacements: [{
            deletedRegion: { charOffset: finding.startOffset, charLength: finding.endOffset - finding.startOffset },
            insertedContent: { text: finding.replacement.join('') },
          }],
        }]
      : [];
    changes.push(...otherFiles);
    otherFiles = [];
    return changes.length ? { ...r, fixes: [{ description: { text: change.message }, artifactChanges: changes }] } : r;
  });
  return [...results, ...f.heldBack.map((h) => result(h, { startLine: h.line }, true))];
}

export function formatSarif(input: FormatInput): string {
  const ids = [...new Set(input.files.flatMap((f) => [...f.changes, ...f.heldBack].map((c) => c.transform)))];
  // Each file's result names the summaries of the transforms it reports, custom transforms' too.
  const summaries = new Map(input.files.flatMap((f) => Object.entries(f.summaries)));
  const rules: Sarif.ReportingDescriptor[] = ids.map((id) => {
    const summary = summaries.get(id);
    const docs = transformDocs(id, input);
    return {
      id,
      ...(summary && { shortDescription: { text: summary } }),
      ...(docs && { helpUri: docs.url, help: docsHelp(docs) }),
    };
  });
  const log: Sarif.Log = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [{
      tool: { driver: { name: 'dockmod', version: input.version, rules } },
      invocations: [{
        executionSuccessful: input.errors.length === 0,
        toolExecutionNotifications: input.errors.map((e) => ({
          level: 'error',
          message: { text: e.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: uri(e.file, input.cwd) } } }],
        })),
      }],
      results: input.files.flatMap((f) => fileResults(f, input.cwd, (id) => ids.indexOf(id))),
    }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
