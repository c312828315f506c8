export * from '@btfkit/kernel';
