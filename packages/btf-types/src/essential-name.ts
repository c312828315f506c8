/**
 * The essential name of a type: its name without a `___flavor` suffix. CO-RE uses flavors to
 * declare several local versions of one kernel type (`task_struct___old`); they all match the
 * kernel's `task_struct`. As in libbpf and cilium/ebpf, the suffix starts at the last `___`
 * that is not at the start of the name.
 */
export function essentialName(name: string): string {
  const at = name.lastIndexOf('___');
  return at > 0 ? name.slice(0, at) : name;
}
