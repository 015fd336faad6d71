// The operator's version, stamped by `npm run release -- <version>` (scripts/release.ts).
export const VERSION = '0.1.0';
