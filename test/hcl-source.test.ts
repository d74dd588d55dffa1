// The HCL source scan that finds bake targets and their attributes (src/contexts/hcl-source.ts): past comments,
// strings, templates and heredocs that hold braces, `=` and attribute-like lines; and on a realistic bake file, the
// same targets and attributes as HashiCorp's parser (through @cdktf/hcl2json).
import { parse } from '@cdktf/hcl2json';
import { describe, expect, it } from 'vitest';
import { HclScanError, parseHclBody, type HclBlock } from '../src/contexts/hcl-source.js';

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

// Written in the style of buildx's and buildkit's own docker-bake.hcl (their variables, functions, a conditional over
// lines, matrix targets, comments after values); the scan was also checked against hcl2json on those two files.
const REAL_WORLD = `variable "GO_VERSION" {
  default = null
}
function "tag" {
  params = [name, version]
  result = "\${name}:\${version == "" ? "latest" : version}"
}
target "_common" {
  args = {
    GO_VERSION = GO_VERSION
    BUILDKIT_CONTEXT_KEEP_GIT_DIR = 1 // keeps .git for the version
  }
}
group "default" {
  targets = ["binaries"]
}
target "lint" {
  inherits = ["_common"]
  dockerfile = "./hack/dockerfiles/lint.Dockerfile"
  platforms = GO_VERSION != "" ? [
    "linux/amd64",
    "linux/arm64", # and more
  ] : []
}
target "integration-test" {
  name = "integration-test-\${replace(mode, "/", "-")}"
  matrix = {
    mode = ["default", "experimental/x"]
  }
  inherits = ["_common"]
  target = "integration-test"
  tags = [tag("buildkit", "")]
  dockerfile-inline = <<-EOT
    FROM alpine
    RUN echo "}"
  EOT
  output = ["type=cacheonly"]
}
`;

describe('HCL source scan on a realistic bake file', () => {
  it('finds the targets and attributes hcl2json reads', async () => {
    const doc = (await parse('docker-bake.hcl', REAL_WORLD)) as { target: Record<string, Record<string, unknown>[]> };
    const expected = Object.entries(doc.target).map(([name, bodies]) => [name, [...new Set(bodies.flatMap((b) => Object.keys(b)))].sort()]).sort();
    const blocks = parseHclBody(REAL_WORLD).blocks.filter((b) => b.type === 'target');
    const found = blocks.map((b) => [b.labels[0]!, b.attributes.map((a) => a.name).sort()]).sort();
    expect(found).toEqual(expected);
    expect(found.map(([name]) => name)).toEqual(['_common', 'integration-test', 'lint']);
  });
});
