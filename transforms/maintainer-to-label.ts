// maintainer-to-label: MAINTAINER is deprecated (Docker's docs and BuildKit's MaintainerDeprecated check); the
// OCI way to say who maintains an image is a label. `MAINTAINER Jane <jane@x.org>` becomes
// `LABEL maintainer="Jane <jane@x.org>"`, with `"`, `$` and the escape character escaped, since LABEL expands
// variables and MAINTAINER does not. The image's `Author` field is no longer set; the label says the same.
// Refuses a MAINTAINER continued over several lines.
import type { BuiltinTransformModule } from '../src/engine/types.js';
import { eachInstruction } from '../src/engine/iterate.js';

export const maintainerToLabel: BuiltinTransformModule = {
  id: 'maintainer-to-label',
  summary: 'replace the deprecated MAINTAINER with LABEL maintainer="..."',
  safety: 'safe',
  trigger: { instructions: ['MAINTAINER'] },
  apply: (doc) =>
    eachInstruction(doc, 'MAINTAINER', (ins, findings) => {
      const { start, end } = ins.getRange();
      if (start.line !== end.line) {
        findings.skip('the MAINTAINER is continued over several lines', start.line);
        return;
      }
      const value = doc.argumentsText(ins).trim();
      const esc = doc.escapeChar;
      const quoted = value.replace(/["$]|\\|`/g, (c) => (c === '"' || c === '$' || c === esc ? `${esc}${c}` : c));
      const written = ins.getInstruction();
      const keyword = written === written.toLowerCase() ? 'label' : 'LABEL';
      findings.change('replace MAINTAINER with LABEL maintainer', [{ start: doc.offsetAt(start), end: doc.offsetAt(end), text: `${keyword} maintainer="${quoted}"` }]);
    }),
};
