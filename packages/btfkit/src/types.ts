export * from '@btfkit/types';
