// from-as-casing: `FROM image as name` mixes cases (BuildKit's FromAsCasing check): the `AS` keyword takes the case
// of its FROM, so `FROM x as y` becomes `FROM x AS y` and `from x AS y` becomes `from x as y`. Nothing changes in
// the build. A FROM keyword in mixed case (`From`) is left alone.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import { eachStage } from '../src/engine/iterate.js';

export const fromAsCasing: BuiltinTransformModule = {
  id: 'from-as-casing',
  summary: 'write the AS of `FROM image AS name` in the case of its FROM',
  safety: 'safe',
  trigger: { instructions: ['FROM'] },
  apply: (doc) =>
    eachStage(doc, (stage, findings) => {
      const from = stage.from;
      const args = from.getArguments();
      const keyword = from.getInstruction();
      if (args.length !== 3 || args[1]!.getValue().toLowerCase() !== 'as') return;
      const want = keyword === keyword.toUpperCase() ? 'AS' : keyword === keyword.toLowerCase() ? 'as' : null;
      const written = args[1]!.getValue();
      if (!want || written === want) return;
      const range = args[1]!.getRange();
      findings.change(`write \`${written}\` as \`${want}\` to match \`${keyword}\``, [{ start: doc.offsetAt(range.start), end: doc.offsetAt(range.end), text: want }], range.start.line);
    }),
};
