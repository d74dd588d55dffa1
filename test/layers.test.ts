// The import graph of src/ and transforms/ against the layers of the README's architecture table: no import
// cycle, and no folder importing a layer its "may import" column does not name. Type-only imports count: they
// tie the modules together as much as any other. And the README's Architecture section names every file of src/.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Every .ts file under the folder, as a path relative to the repository, with '/' separators. */
function sourceFiles(folder: string): string[] {
  return fs
    .readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => `${folder}/${f.split(path.sep).join('/')}`)
    .sort();
}

/** The dockmod files a module imports: `import`, `import type`, `export ... from` and `import()` of relative paths. */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\.js$/, '.ts'));
}

interface Layer {
  name: string;
  /** Folder prefixes ('src/engine/') and single files ('src/index.ts') the layer is made of. */
  paths: string[];
  mayImport: string[];
}

/** The rows of README.md's table `| folder | what | may import |`. */
function readmeLayers(): Layer[] {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| folder | what | may import |')).split('\n').slice(2);
  const rows = table.slice(0, table.findIndex((line) => !line.startsWith('|')));
  const layers = rows.map((row) => {
    const [folders, , mayImport] = row.split(/(?<!\\)\|/).slice(1, -1).map((cell) => cell.trim());
    const paths = [...folders!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    return { paths, mayImport: mayImport! };
  });
  const nameOf = (p: string) => p.replace(/^src\//, '').replace(/(\/|\.ts)$/, '');
  const names = [...new Set(layers.flatMap((l) => l.paths.map(nameOf)))];
  return layers.flatMap(({ paths, mayImport }) =>
    [...new Set(paths.map(nameOf))].map((name) => {
      const allowed =
        mayImport === "nothing of dockmod's" ? [] : mayImport === 'all' ? names : mayImport === 'all but cli' ? names.filter((n) => n !== 'cli') : mayImport.split(/,\s*/);
      for (const a of allowed) if (!names.includes(a)) throw new Error(`README layer table: '${mayImport}' names no layer '${a}'`);
      return { name, paths: paths.filter((p) => nameOf(p) === name), mayImport: allowed };
    }),
  );
}

const inPath = (file: string, p: string) => (p.endsWith('/') ? file.startsWith(p) : file === p);

/** Strongly connected components of more than one file (or a file importing itself): every import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** README.md's "Architecture" section, up to the next section. */
function architectureSection(): string {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Architecture\n');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

/**
 * Files of src/ the section names by neither their path, nor their base name (when no other file has it), nor a
 * path pattern (`src/tools/vocabulary/<tool>.ts`, `src/tools/ecosystems/*.ts`).
 */
function unnamedFiles(section: string, srcFiles: readonly string[]): string[] {
  const named = new Set([...section.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!));
  const patterns = [...named]
    .filter((n) => /<[^>]+>|\*/.test(n))
    .map((n) => new RegExp(`^${n.split(/<[^>]+>|\*/).map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`));
  const base = (f: string) => path.posix.basename(f);
  const unique = (f: string) => srcFiles.filter((g) => base(g) === base(f)).length === 1;
  return srcFiles.filter((f) => !named.has(f) && !(unique(f) && named.has(base(f))) && !patterns.some((p) => p.test(f)));
}

const files = [...sourceFiles('src'), ...sourceFiles('transforms')];
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('import layers', () => {
  it('reads every import form, type-only and dynamic ones too', () => {
    expect(importsOf('src/index.ts')).toContain('transforms/index.ts');
    // `import type` and `await import(...)` in run.ts.
    expect(importsOf('src/cli/run.ts')).toEqual(expect.arrayContaining(['src/cli/plan.ts', 'src/formats/index.ts']));
    for (const [file, imports] of graph) for (const target of imports) expect(files, `${file} imports ${target}`).toContain(target);
  });

  it('has no import cycle', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('puts every file in one layer of the README table, and imports only what its layer may import', () => {
    const layers = readmeLayers();
    expect(layers.find((l) => l.name === 'engine')?.mayImport).toEqual([]);
    const layerOf = (file: string) => {
      const matching = layers.filter((l) => l.paths.some((p) => inPath(file, p)));
      if (matching.length !== 1) throw new Error(`${file} is in ${matching.length} layers of the README table (${matching.map((l) => l.name).join(', ')})`);
      return matching[0]!;
    };
    const violations = [...graph].flatMap(([file, imports]) => {
      const from = layerOf(file);
      return imports
        .filter((target) => {
          const to = layerOf(target).name;
          return to !== from.name && !from.mayImport.includes(to);
        })
        .map((target) => `${file} (${from.name}) imports ${target} (${layerOf(target).name})`);
    });
    expect(violations).toEqual([]);
  });
});

describe("the README's Architecture section", () => {
  it('names every file of src/, by its path, its base name when unique, or a path pattern', () => {
    const some = ['src/engine/document.ts', 'src/engine/edits.ts', 'src/cli/edits.ts', 'src/tools/vocabulary/apt.ts'];
    expect(unnamedFiles('`src/engine/document.ts`, `edits.ts` and `src/tools/vocabulary/<tool>.ts`', some)).toEqual(['src/engine/edits.ts', 'src/cli/edits.ts']);
    expect(unnamedFiles(architectureSection(), sourceFiles('src'))).toEqual([]);
  });
});
