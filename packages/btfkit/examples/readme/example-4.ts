// From README.md, example 4.
import { loadKernelModuleSpec, loadKernelSpec, loadSplitSpec } from 'btfkit';

const vmlinux = loadKernelSpec();
const fromSysfs = loadKernelModuleSpec('nf_tables');
const fromFile = loadSplitSpec('/lib/modules/nf_tables.ko', vmlinux);
console.log(fromSysfs.firstTypeId === vmlinux.nextTypeId, fromFile.nextTypeId);
