export * from '@btfkit/wire';
