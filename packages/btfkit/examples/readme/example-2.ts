// From README.md, example 2.
import { loadSpecAndExtInfos } from 'btfkit';

const { spec, extInfos } = loadSpecAndExtInfos('prog.bpf.o');
for (const [section, infos] of extInfos) {
  for (const line of infos.lineInfos) console.log(section, line.line, line.lineText);
}
console.log(spec.anyTypesByName('my_map_value').map((t) => spec.typeID(t)));
