// What the bash grammar reads from every RUN of ../shared/corpus: each command (after wrappers), its words with
// their values and offsets, its assignments, and whether the script parses. The golden file was written with
// tree-sitter-bash 0.25.1's own .wasm; a grammar shipped another way, or a new version, must read the same, or
// the differences show here, each to be explained before the golden file is updated (`vitest run -u`).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Document } from '../src/engine/document.js';
import type { Command, ShellScript, Word } from '../src/engine/shell.js';
import { commandStrings } from '../src/tools/commands.js';
import { CORPUS, corpusAvailable } from './support/corpus.js';

const word = (w: Word) => `${w.value === null ? `~${JSON.stringify(w.text)}` : JSON.stringify(w.value)}@${w.start}`;

function commandLine(cmd: Command): string {
  const assignments = [...cmd.assignments].map(([name, value]) => `${name}=${value === null ? '~' : JSON.stringify(value)}`);
  return [...assignments, word(cmd.nameWord), ...cmd.args.map(word)].join(' ') + ` [${cmd.start}-${cmd.end}]`;
}

function scriptLines(script: ShellScript, indent: string): string[] {
  const lines = [`${indent}${script.hasError ? 'parse error' : 'parses'}`];
  for (const cmd of script.commands()) lines.push(`${indent}${commandLine(cmd)}`);
  for (const inner of commandStrings(script)) lines.push(`${indent}-c:`, ...scriptLines(inner, `${indent}  `));
  return lines;
}

/** Every RUN's reading, case by case, as lines of text. */
function corpusParses(): string {
  const cases = path.join(CORPUS, 'cases');
  const out: string[] = [];
  for (const id of fs.readdirSync(cases).sort()) {
    out.push(`## ${id}`);
    const doc = new Document(fs.readFileSync(path.join(cases, id, 'Dockerfile'), 'utf8').replace(/^\uFEFF/, ''));
    for (const ins of doc.ast.getInstructions()) {
      const script = doc.runScript(ins);
      if (!script) continue;
      out.push(`RUN line ${ins.getRange().start.line + 1}`, ...scriptLines(script, '  '));
    }
    doc.freeScripts();
  }
  return out.join('\n') + '\n';
}

describe.skipIf(!corpusAvailable)('the bash grammar over the corpus', () => {
  it('reads every RUN as tree-sitter-bash 0.25.1 did', async () => {
    await expect(corpusParses()).toMatchFileSnapshot('golden/corpus-shell-parses.txt');
  });
});
