export { type FileSource, MAX_GUNZIPPED_SIZE, openFile } from './open-file.js';
