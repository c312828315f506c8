// A TypeDoc plugin: each entry module is named as users import it (`@btfkit/elf/node`), not
// after its source path (`btf-elf/src/node/index`).
import { Converter, ReflectionKind } from 'typedoc';
import { packageEntries } from './package-entries.mjs';

/** @param {import('typedoc').Application} app */
export function load(app) {
  const bySource = new Map(packageEntries().map((e) => [e.source, e.specifier]));
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const mod of context.project.getReflectionsByKind(ReflectionKind.Module)) {
      const name = bySource.get(mod.sources?.[0]?.fullFileName ?? '');
      if (name) mod.name = name;
    }
  });
}
