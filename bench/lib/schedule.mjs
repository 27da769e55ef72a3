/**
 * The tools in a different order each round (round 0 keeps the given order), so that no tool always
 * runs first or last and slow drifts of the machine spread over all of them.
 *
 * @template T
 * @param {T[]} items
 * @param {number} round 0-based
 * @returns {T[]}
 */
export function rotate(items, round) {
  if (items.length === 0) return [];
  const shift = round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
