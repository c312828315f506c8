export * from '@btfkit/elf';
export * from '@btfkit/elf/node';
