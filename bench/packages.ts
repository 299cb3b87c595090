/** Which of the npm packages a bench row needs cannot be resolved from the bench (Node only). */
import { createRequire } from 'node:module';

const requireHere = createRequire(import.meta.url);

export function absentPackages(pkgs: readonly string[]): string[] {
  return pkgs.filter((p) => {
    try {
      requireHere.resolve(p);
      return false;
    } catch {
      return true;
    }
  });
}
