// Every workflow the worker registers; the bundler loads this file.
export { evaluateInventory } from './evaluate-inventory.js';
