// ESLint flat config: the TypeScript rules, and the import boundary between the operator (src/) and emulator/.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Import specifiers that reach the emulator folder, and that reach the operator's src/ from outside it
// ("/" spelled \x2F: the same text is a selector regex, where a slash would end it).
const EMULATOR = String.raw`(^|\x2F)emulator(\x2F|$)`;
const OPERATOR_SRC = String.raw`^(\.\.\x2F)+src(\x2F|$)`;

/** A config block that fails lint on any import (static, type-only, re-export or dynamic) matching `regex`. */
function forbiddenImports(files, regex, message) {
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
      'no-restricted-syntax': ['error', { selector: `ImportExpression[source.value=/${regex}/]`, message }],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test/envtest/', 'test/argocd/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  { files: ['scripts/**', 'test/**'], rules: { 'no-console': 'off' } },
  // The Tencent Cloud emulator (emulator/) is a development tool: the operator's code never reaches it (static,
  // type-only or dynamic import), and it models Tencent Cloud without importing anything of the operator.
  forbiddenImports(['src/**'], EMULATOR, 'emulator/ is a development tool; src/ must not import it.'),
  forbiddenImports(['emulator/**'], OPERATOR_SRC, 'the emulator models Tencent Cloud; it imports nothing from src/.'),
);
