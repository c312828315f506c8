export * from '@btfkit/wire';
export * from '@btfkit/wire/node';
