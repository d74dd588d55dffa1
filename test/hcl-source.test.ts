// The HCL source scan that finds bake targets and their attributes (src/contexts/hcl-source.ts): past comments,
// strings, templates and heredocs that hold braces, `=` and attribute-like lines; and over every HCL bake file of
// the corpus, the same targets and attributes as HashiCorp's parser (through @cdktf/hcl2json).
import fs from 'node:fs';
import path from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { HclScanError, parseHclBody, type HclBlock } from '../src/contexts/hcl-source.js';
import { corpusAvailable, materializeCorpus } from './support/corpus.js';

/** Each block as `type labels@line: attribute@line=kinds of its value tokens`, nested blocks after. */
function outline(text: string, block: HclBlock, depth = 0): string[] {
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  const own = block.attributes.map((a) => `${'  '.repeat(depth)}${a.name}@${lineOf(a.start)}=${a.value.map((t) => t.kind).join(',')}`);
  return [...own, ...block.blocks.flatMap((b) => [`${'  '.repeat(depth)}${[b.type, ...b.labels].join(' ')}@${lineOf(b.start)}`, ...outline(text, b, depth + 1)])];
}

describe('HCL source scan', () => {
  it('finds blocks and attributes past comments, strings, templates and heredocs', () => {
    const hcl = [
      '# target "no" { dockerfile-inline = "x" }', // 1
      '// } {',
      '/* target "no" {',
      '   dockerfile-inline = <<EOT */',
      'variable "A" { default = "}{" }', // 5
      'target "app" {',
      '  tags = ["a:${ join("}", ["{"]) }", "b"]',
      '  args = {',
      '    X = "$${not} %%{not} }"',
      '  }', // 10
      '  dockerfile-inline = <<-EOT',
      '    FROM x',
      '    target "inner" {',
      '    dockerfile-inline = "no"',
      '    }', // 15
      '    EOT',
      '  labels = { "k" = <<EOT',
      'EOTX',
      'EOT',
      '  }', // 20
      '}',
      'target "one-line" { context = "." }',
      'group default { targets = ["app"] }',
      '',
    ].join('\n');
    expect(outline(hcl, parseHclBody(hcl))).toEqual([
      'variable A@5',
      '  default@5=string',
      'target app@6',
      '  tags@7=open,string,other,string,close',
      '  args@8=open,newline,ident,equals,string,newline,close',
      '  dockerfile-inline@11=heredoc',
      '  labels@17=open,string,equals,heredoc,newline,close',
      'target one-line@22',
      '  context@22=string',
      'group default@23',
      '  targets@23=open,string,close',
    ]);
  });

  it('throws on what it cannot read, rather than guess', () => {
    for (const hcl of ['target "a" {\n  x = <<EOT\nFROM x\n', 'target "a" {\n  x = "open\n}\n', '/* open', 'target "a" {\n  x = "${ y "\n}\n', 'target "a" {\n'])
      expect(() => parseHclBody(hcl), hcl).toThrow(HclScanError);
  });
});

describe.skipIf(!corpusAvailable)('HCL source scan over the corpus', () => {
  it("finds every HCL bake file's targets and their attributes as hcl2json reads them", async () => {
    const { root, cases } = materializeCorpus();
    try {
      const files = cases.flatMap(({ dir }) => fs.readdirSync(dir).filter((f) => f.endsWith('.hcl')).map((f) => path.join(dir, f)));
      expect(files.length).toBeGreaterThan(5);
      for (const file of files) {
        const text = fs.readFileSync(file, 'utf8');
        const doc = (await parse(path.basename(file), text)) as { target?: Record<string, Record<string, unknown>[]> };
        const expected = Object.entries(doc.target ?? {}).map(([name, bodies]) => [name, [...new Set(bodies.flatMap((b) => Object.keys(b)))].sort()]);
        const blocks = parseHclBody(text).blocks.filter((b) => b.type === 'target');
        const found = [...new Set(blocks.map((b) => b.labels[0]!))].map((name) => [name, [...new Set(blocks.filter((b) => b.labels[0] === name).flatMap((b) => b.attributes.map((a) => a.name)))].sort()]);
        expect(found, file).toEqual(expected);
      }
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
