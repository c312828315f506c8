export { loadSpec, loadSpecAndExtInfos, loadSplitSpec } from './load-file.js';
