// From README.md, example 1.
import { loadKernelSpec, sizeof } from 'btfkit';

const spec = loadKernelSpec();
const task = spec.typeByName('task_struct', 'struct');
for (const m of task.members.slice(0, 5)) {
  console.log(m.name, m.bitOffset / 8, m.type.kind);
}
console.log('sizeof(struct task_struct) =', sizeof(task));
