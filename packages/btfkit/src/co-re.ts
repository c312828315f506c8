export * from '@btfkit/co-re';
