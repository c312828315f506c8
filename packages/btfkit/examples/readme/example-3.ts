// From README.md, example 3.
import { Builder, Handle, Int, Pointer, Struct } from 'btfkit';

const u32 = new Int('u32', 4);
const node = new Struct('node', 16, []);
node.members.push(
  { name: 'value', type: u32, bitOffset: 0, bitfieldSize: 0 },
  { name: 'next', type: new Pointer(node), bitOffset: 64, bitfieldSize: 0 },
);
const b = new Builder();
b.add(node);
const blob = b.marshal({ byteOrder: 'little' });
const handle = Handle.load(blob);
console.log('kernel BTF id', handle.info().id);
handle.close();
