// The plugin API: the only part of the framework that connectors import.
export * from './data.js';
export * from './errors.js';
export * from './records.js';
export * from './config-def.js';
export * from './connector.js';
export * from './java-order.js';
export * from './values.js';
export * from './java-regex.js';
export * from './java-date-format.js';
