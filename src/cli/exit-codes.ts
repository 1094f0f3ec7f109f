/** Exit codes, documented in the README; defined with the errors that carry them. */
export { EXIT } from '../util/errors.js';
