/**
 * Problems are collected and reported together, in file order — but a hostile file can
 * hold a hundred thousand of them: past MAX_REPORTED the rest are counted, not listed.
 */
import { InventoryError, InventoryErrors } from '../errors/zkk-error.js';

export const MAX_REPORTED = 50;

export function inventoryProblems(errors: InventoryError[]): InventoryErrors {
  if (errors.length <= MAX_REPORTED) return new InventoryErrors(errors);
  const first = errors[0]!;
  const more = new InventoryError(`… and ${errors.length - MAX_REPORTED} more problems`, { file: first.file, hint: 'fix the ones above first' });
  return new InventoryErrors([...errors.slice(0, MAX_REPORTED), more]);
}
