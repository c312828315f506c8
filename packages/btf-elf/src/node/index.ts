export { type FileSource, fileSource } from './file-source.js';
export { loadSpecAndExtInfosFromFile, loadSpecFromFile } from './load-file.js';
