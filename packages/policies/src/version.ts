/** Written into checkpoints and demonstration metadata. */
export const LIBRARY_VERSION = '0.1.0';
