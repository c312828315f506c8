export * from '@btfkit/elf';
