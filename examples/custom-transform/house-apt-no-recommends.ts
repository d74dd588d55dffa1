// dockmod has a built-in apt-no-install-recommends; this team keeps its own version of the rule and turns the
// built-in off in dockmod.config.json ("rules"), showing how a house rule replaces a built-in one.
// A house rule as a custom dockmod transform: `apt-get install` also installs every "recommended" package,
// which often doubles the layer. `--no-install-recommends` right after `install` keeps to what was asked for.
// Unsafe: a program may rely on a package that was only recommended, so it runs only with --unsafe (or
// "unsafe": true in dockmod.config.json).
//
// Load it with `dockmod --transform examples/custom-transform/house-apt-no-recommends.ts`, or list it in a
// config's "transforms". Only the public API is used: the Document handed to `apply` and the types.
import type { Change, Skip, Transform } from 'dockmod';

const FLAG = '--no-install-recommends';
/** apt-get options whose value is the next word. */
const VALUE_OPTIONS = new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release']);

const transform: Transform = {
  id: 'house-apt-no-recommends',
  summary: 'add --no-install-recommends to apt-get install so only the named packages are installed',
  safety: 'unsafe',
  apply(doc) {
    const changes: Change[] = [];
    const skips: Skip[] = [];
    for (const run of doc.instructions()) {
      if (run.getKeyword() !== 'RUN') continue;
      const line = run.getRange().start.line;
      const script = doc.runScript(run);
      if (!script) continue; // exec form: left alone
      if (script.hasError) {
        if (/\bapt-get\b/.test(script.text)) skips.push({ line, reason: 'the RUN does not parse as shell, so it is left untouched' });
        continue;
      }
      for (const cmd of script.commands()) {
        if (cmd.name.replace(/^.*\//, '') !== 'apt-get') continue;
        const values = cmd.args.map((a) => a.value);
        // Recommends already decided, one way or the other, by a flag or an -o option.
        if (values.some((v) => v === FLAG || v === '--install-recommends' || /Install-Recommends/i.test(v ?? ''))) continue;
        let install: (typeof cmd.args)[number] | undefined;
        for (let i = 0; i < cmd.args.length; i++) {
          const value = values[i];
          if (value === null || value === undefined) break;
          if (VALUE_OPTIONS.has(value)) i++;
          else if (!value.startsWith('-')) {
            if (value === 'install') install = cmd.args[i];
            break;
          }
        }
        if (!install) continue;
        const at = script.toDoc(install.end);
        changes.push({ message: `add ${FLAG} to apt-get install`, line, edits: [{ start: at, end: at, text: ` ${FLAG}` }] });
      }
    }
    return { changes, skips };
  },
};

export default transform;
